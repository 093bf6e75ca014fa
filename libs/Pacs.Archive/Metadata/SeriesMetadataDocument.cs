using System.Buffers;
using System.Globalization;
using System.Security;
using System.Text;
using System.Text.Json;
using Pacs.Dicom;

namespace Pacs.Archive;

/// <summary>
/// One series' metadata: a DICOM JSON array (PS3.18 F.2), one object per instance in retrieve order, whose BulkDataURIs
/// start with <see cref="SeriesMetadataDocuments.BaseUrlPlaceholder"/> in place of the service's base URL, which depends
/// on the request (<see cref="WriteJsonAsync"/> puts it in). Immutable: the places of the placeholder are found once and
/// the base URL goes in while the bytes are copied out, so serving a document costs one copy.
/// </summary>
/// <param name="Version">"{last watermark}-{instance count}" of the visible instances: it changes with every store,
/// replacement and delete in the series (watermarks only grow, so a set that lost members and gained none is smaller).</param>
public sealed record SeriesMetadataDocument(string StudyInstanceUid, string SeriesInstanceUid, string Version, byte[] Json)
{
    private const int ChunkBytes = 64 * 1024;
    private static readonly byte[] Placeholder = Encoding.ASCII.GetBytes(SeriesMetadataDocuments.BaseUrlPlaceholder);
    private static readonly byte[] JsonUriStart = Encoding.UTF8.GetBytes($"\"BulkDataURI\":\"{SeriesMetadataDocuments.BaseUrlPlaceholder}");
    private static readonly byte[] XmlUriStart = Encoding.UTF8.GetBytes($" uri=\"{SeriesMetadataDocuments.BaseUrlPlaceholder}");

    private int[]? _jsonPlaceholders;
    private XmlParts? _xml;

    /// <summary>
    /// Where each instance's object lies in <see cref="Json"/> and the watermark it was built from, in order; known when
    /// the document was built in this process or read with its index, so the next version copies the objects of the
    /// instances that did not change instead of reading them again. Null otherwise.
    /// </summary>
    internal InstanceObject[]? Objects { get; init; }

    /// <summary>Where the placeholder of each BulkDataURI starts in <see cref="Json"/>, in order.</summary>
    internal int[] JsonPlaceholders => _jsonPlaceholders ??= FindPlaceholders(Json, JsonUriStart);

    /// <summary>Bytes this document holds in memory (for the cache's budget): the JSON, and the XML once made.</summary>
    internal long MemoryBytes => Json.Length + (long)JsonPlaceholders.Length * sizeof(int) + (Objects?.Length ?? 0) * 16L + (_xml?.Bytes.Length ?? 0);

    /// <summary>The length <see cref="WriteInstancesAsync"/> writes for <paramref name="baseUrl"/> (for Content-Length).</summary>
    public long InstancesLength(string baseUrl)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        return Json.Length - 2 + (long)JsonPlaceholders.Length * (JsonBase(baseUrl).Length - Placeholder.Length);
    }

    /// <summary>
    /// Writes the instance objects (without the enclosing brackets) with <paramref name="baseUrl"/> in every
    /// BulkDataURI. The pattern replaced is structural JSON: a value containing it would have its quotes escaped.
    /// </summary>
    public Task WriteInstancesAsync(Stream output, string baseUrl, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(baseUrl);
        return WriteSubstitutedAsync(output, Json.AsMemory(1, Math.Max(0, Json.Length - 2)), JsonPlaceholders, 1, JsonBase(baseUrl), cancellationToken);
    }

    /// <summary>The whole array with <paramref name="baseUrl"/> in every BulkDataURI.</summary>
    public async Task WriteJsonAsync(Stream output, string baseUrl, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        await output.WriteAsync("["u8.ToArray(), cancellationToken).ConfigureAwait(false);
        await WriteInstancesAsync(output, baseUrl, cancellationToken).ConfigureAwait(false);
        await output.WriteAsync("]"u8.ToArray(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Number of instances (XML documents) in the series.</summary>
    public int XmlDocumentCount => Xml().Starts.Length;

    /// <summary>
    /// Writes the Native DICOM Model (PS3.19) document of instance <paramref name="index"/> (retrieve order) with
    /// <paramref name="baseUrl"/> in every BulkData uri. The XML is made from the JSON document once (no stored object
    /// is read) and kept with it.
    /// </summary>
    public Task WriteXmlDocumentAsync(Stream output, int index, string baseUrl, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(baseUrl);
        var xml = Xml();
        int start = xml.Starts[index], end = index + 1 < xml.Starts.Length ? xml.Starts[index + 1] : xml.Bytes.Length;
        // Placeholders are found in the whole buffer; take those of this document.
        int first = LowerBound(xml.Placeholders, start), last = LowerBound(xml.Placeholders, end);
        return WriteSubstitutedAsync(output, xml.Bytes.AsMemory(start, end - start), xml.Placeholders.AsMemory(first, last - first).ToArray(), start,
            XmlBase(baseUrl), cancellationToken);
    }

    /// <summary>The length <see cref="WriteXmlDocumentAsync"/> writes.</summary>
    public long XmlDocumentLength(int index, string baseUrl)
    {
        var xml = Xml();
        int start = xml.Starts[index], end = index + 1 < xml.Starts.Length ? xml.Starts[index + 1] : xml.Bytes.Length;
        int count = LowerBound(xml.Placeholders, end) - LowerBound(xml.Placeholders, start);
        return end - start + (long)count * (XmlBase(baseUrl).Length - Placeholder.Length);
    }

    private static byte[] JsonBase(string baseUrl) => JsonEncodedText.Encode(baseUrl).EncodedUtf8Bytes.ToArray();

    private static byte[] XmlBase(string baseUrl) => Encoding.UTF8.GetBytes(SecurityElement.Escape(baseUrl));

    private static int LowerBound(int[] sorted, int value)
    {
        int at = Array.BinarySearch(sorted, value);
        return at >= 0 ? at : ~at;
    }

    private static int[] FindPlaceholders(byte[] bytes, byte[] pattern)
    {
        var found = new List<int>();
        int position = 0;
        while (position < bytes.Length)
        {
            int at = bytes.AsSpan(position).IndexOf(pattern);
            if (at < 0)
                break;
            found.Add(position + at + pattern.Length - Placeholder.Length);
            position += at + pattern.Length;
        }

        return [.. found];
    }

    /// <summary>
    /// Copies <paramref name="source"/> (which starts at <paramref name="sourceOffset"/> of the buffer the placeholder
    /// positions refer to) with <paramref name="replacement"/> in place of each placeholder, in chunks of 64 KiB.
    /// </summary>
    private static async Task WriteSubstitutedAsync(Stream output, ReadOnlyMemory<byte> source, int[] placeholders, int sourceOffset,
        byte[] replacement, CancellationToken cancellationToken)
    {
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            int used = 0, position = 0;
            async ValueTask AppendAsync(ReadOnlyMemory<byte> bytes)
            {
                while (bytes.Length > 0)
                {
                    int n = Math.Min(bytes.Length, chunk.Length - used);
                    bytes[..n].CopyTo(chunk.AsMemory(used));
                    used += n;
                    bytes = bytes[n..];
                    if (used == chunk.Length)
                    {
                        await output.WriteAsync(chunk.AsMemory(0, used), cancellationToken).ConfigureAwait(false);
                        used = 0;
                    }
                }
            }

            foreach (int absolute in placeholders)
            {
                int at = absolute - sourceOffset;
                if (at < position || at + Placeholder.Length > source.Length)
                    continue;
                await AppendAsync(source[position..at]).ConfigureAwait(false);
                await AppendAsync(replacement).ConfigureAwait(false);
                position = at + Placeholder.Length;
            }

            await AppendAsync(source[position..]).ConfigureAwait(false);
            if (used > 0)
                await output.WriteAsync(chunk.AsMemory(0, used), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private XmlParts Xml()
    {
        if (_xml is { } made)
            return made;
        // PS3.18 10.4.1.1.2: one Native DICOM Model document per instance, made from the same JSON objects so both
        // representations say the same (the BulkData uris keep the placeholder until written).
        var datasets = DicomJsonReader.ReadDatasets(Json);
        using var buffer = new MemoryStream(Json.Length * 2);
        var starts = new int[datasets.Count];
        var writer = new DicomXmlWriter();
        for (int i = 0; i < datasets.Count; i++)
        {
            starts[i] = checked((int)buffer.Position);
            writer.Write(buffer, datasets[i]);
        }

        var bytes = buffer.ToArray();
        made = new XmlParts(bytes, starts, FindPlaceholders(bytes, XmlUriStart));
        _xml = made;
        return made;
    }

    private sealed record XmlParts(byte[] Bytes, int[] Starts, int[] Placeholders);
}

/// <summary>One instance's object in a series document: the watermark of the row it was built from, and its bytes' place.</summary>
internal readonly record struct InstanceObject(long Watermark, int Start, int Length);

/// <summary>
/// What identifies the metadata document of a series as it is now: its UIDs and the newest watermark and count of its
/// visible instances (one indexed lookup, see <see cref="RetrieveService.FindSeriesVersionsAsync"/>).
/// </summary>
public sealed record SeriesVersion(string StudyInstanceUid, string SeriesInstanceUid, long LastWatermark, int InstanceCount)
{
    /// <summary>"{last watermark}-{instance count}", as <see cref="SeriesMetadataDocument.Version"/>.</summary>
    public string Version => string.Create(CultureInfo.InvariantCulture, $"{LastWatermark}-{InstanceCount}");
}
