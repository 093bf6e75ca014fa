using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace Pacs.Storage;

/// <summary>
/// Reads the XML answer of List Blobs (<c>EnumerationResults/Blobs/Blob</c> with <c>Name</c>, <c>Properties</c>,
/// <c>Metadata</c>; <c>NextMarker</c>) forward-only, one <c>Blob</c> element at a time, so a page of thousands of
/// blobs is never held as one document.
/// </summary>
internal static class AzureListBlobsReader
{
    private static readonly XmlReaderSettings Settings = new()
    {
        Async = true,
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreWhitespace = true,
        IgnoreComments = true,
    };

    public static async Task<BlobListPage> ReadAsync(Stream body, CancellationToken cancellationToken)
    {
        var items = new List<BlobProperties>();
        string? nextMarker = null;
        using var xml = XmlReader.Create(body, Settings);
        await xml.MoveToContentAsync().ConfigureAwait(false);
        while (!xml.EOF)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (xml.NodeType == XmlNodeType.Element && xml.LocalName == "Blob")
            {
                // ReadFrom leaves the reader on the node after the element.
                var blob = (XElement)await XNode.ReadFromAsync(xml, cancellationToken).ConfigureAwait(false);
                items.Add(ToProperties(blob));
                continue;
            }
            if (xml.NodeType == XmlNodeType.Element && xml.LocalName == "NextMarker")
            {
                nextMarker = await xml.ReadElementContentAsStringAsync().ConfigureAwait(false);
                continue;
            }
            await xml.ReadAsync().ConfigureAwait(false);
        }
        return new BlobListPage(items, string.IsNullOrEmpty(nextMarker) ? null : nextMarker);
    }

    internal static BlobProperties ToProperties(XElement blob)
    {
        var properties = blob.Element("Properties");
        string? Property(string name) => properties?.Element(name)?.Value;
        string? sha = blob.Element("Metadata")?.Elements()
            .FirstOrDefault(e => e.Name.LocalName.Equals("sha256", StringComparison.OrdinalIgnoreCase))?.Value;
        string eTag = Property("Etag") ?? "";
        return new BlobProperties(
            blob.Element("Name")?.Value ?? "",
            long.TryParse(Property("Content-Length"), NumberStyles.None, CultureInfo.InvariantCulture, out long size) ? size : 0,
            AzureBlobStore.NormalizeSha(sha),
            string.IsNullOrEmpty(Property("Content-Type")) ? "application/octet-stream" : Property("Content-Type")!,
            DateTimeOffset.TryParse(Property("Creation-Time"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal,
                out var created) ? created : default,
            AzureBlobStore.ParseTier(Property("AccessTier")),
            eTag.StartsWith('"') ? eTag : "\"" + eTag + "\"");
    }

    /// <summary>The Message of a service error body (<c>&lt;Error&gt;&lt;Code/&gt;&lt;Message/&gt;&lt;/Error&gt;</c>), first line only.</summary>
    public static string ErrorMessage(string body)
    {
        int start = body.IndexOf("<Message>", StringComparison.Ordinal);
        int end = body.IndexOf("</Message>", StringComparison.Ordinal);
        if (start < 0 || end <= start)
            return "";
        string message = body[(start + "<Message>".Length)..end];
        int newline = message.IndexOfAny(['\r', '\n']);
        return newline < 0 ? message : message[..newline];
    }
}
