using System.Text;
using System.Xml.Linq;
using Pacs.Dicom;

namespace Pacs.Archive.Tests.Metadata;

/// <summary>
/// A stored series document is served by one copy: the request's base URL goes into every BulkDataURI at offsets found
/// once, the length is known before the first byte (Content-Length), and the XML representation is made from the same
/// document. The cache of recent documents stays within its byte budget.
/// </summary>
public sealed class SeriesMetadataDocumentTests
{
    private const string Placeholder = SeriesMetadataDocuments.BaseUrlPlaceholder;

    /// <summary>A document of <paramref name="count"/> instances in the stored form, each with two BulkDataURIs and a
    /// text value that happens to contain the placeholder (which must stay as it is).</summary>
    private static SeriesMetadataDocument Document(int count, int padding = 0)
    {
        var json = new StringBuilder("[");
        for (int i = 0; i < count; i++)
        {
            if (i > 0)
                json.Append(',');
            var instanceUrl = $"{Placeholder}/studies/1.2.3/series/1.2.3.4/instances/1.2.3.4.{i}";
            json.Append("{\"00080016\":{\"vr\":\"UI\",\"Value\":[\"1.2.840.10008.5.1.4.1.1.7\"]},")
                .Append($"\"00080018\":{{\"vr\":\"UI\",\"Value\":[\"1.2.3.4.{i}\"]}},")
                .Append($"\"00081030\":{{\"vr\":\"LO\",\"Value\":[\"{Placeholder} in a value {new string('x', padding)}\"]}},")
                .Append($"\"00282000\":{{\"vr\":\"OB\",\"BulkDataURI\":\"{instanceUrl}/bulkdata/1000-300\"}},")
                .Append($"\"7FE00010\":{{\"vr\":\"OW\",\"BulkDataURI\":\"{instanceUrl}/bulkdata/2000-8192\"}}}}");
        }

        json.Append(']');
        return new SeriesMetadataDocument("1.2.3", "1.2.3.4", $"{count}-{count}", Encoding.UTF8.GetBytes(json.ToString()));
    }

    /// <summary>What the document must read as for a base URL: the placeholder replaced where it starts a BulkDataURI only.</summary>
    private static string Expected(SeriesMetadataDocument document, string jsonBase) =>
        Encoding.UTF8.GetString(document.Json).Replace($"\"BulkDataURI\":\"{Placeholder}", $"\"BulkDataURI\":\"{jsonBase}", StringComparison.Ordinal);

    [Theory]
    [InlineData(1, 0)]
    [InlineData(3, 0)]
    [InlineData(400, 200)] // larger than one 64 KiB chunk: replacements fall on chunk boundaries
    public async Task The_base_url_goes_into_every_BulkDataURI_and_the_length_is_known_before_writing(int count, int padding)
    {
        var document = Document(count, padding);
        const string baseUrl = "https://viewer.example.org:8443/dicom-web";
        using var output = new MemoryStream();
        await document.WriteJsonAsync(output, baseUrl);

        var text = Encoding.UTF8.GetString(output.ToArray());
        Assert.Equal(Expected(document, baseUrl), text);
        Assert.Equal(2 * count, document.JsonPlaceholders.Length);
        Assert.Equal(output.Length, document.InstancesLength(baseUrl) + 2);
        // The placeholder inside a value is data, not a URI.
        Assert.Equal(count, text.Split($"\"{Placeholder} in a value").Length - 1);
    }

    [Fact]
    public async Task A_base_url_with_characters_json_escapes_is_written_escaped_and_counted_so()
    {
        var document = Document(2);
        const string baseUrl = "http://host/a\"b&c";
        using var output = new MemoryStream();
        await document.WriteJsonAsync(output, baseUrl);
        Assert.Equal(output.Length, document.InstancesLength(baseUrl) + 2);
        using var parsed = System.Text.Json.JsonDocument.Parse(output.ToArray());
        Assert.Equal($"{baseUrl}/studies/1.2.3/series/1.2.3.4/instances/1.2.3.4.1/bulkdata/2000-8192",
            parsed.RootElement[1].GetProperty("7FE00010").GetProperty("BulkDataURI").GetString());
    }

    [Fact]
    public async Task Xml_documents_are_made_from_the_json_one_per_instance_with_the_base_url_in_each_BulkData_uri()
    {
        var document = Document(3);
        const string baseUrl = "http://host/dicom-web?a=1&b=2";
        Assert.Equal(3, document.XmlDocumentCount);
        for (int i = 0; i < 3; i++)
        {
            using var output = new MemoryStream();
            await document.WriteXmlDocumentAsync(output, i, baseUrl);
            Assert.Equal(output.Length, document.XmlDocumentLength(i, baseUrl));
            var xml = XDocument.Parse(Encoding.UTF8.GetString(output.ToArray()));
            XNamespace ns = DicomXmlWriter.Namespace;
            var attributes = xml.Root!.Elements(ns + "DicomAttribute").ToList();
            Assert.Equal($"1.2.3.4.{i}", attributes.Single(a => (string?)a.Attribute("tag") == "00080018").Element(ns + "Value")!.Value);
            var uris = xml.Descendants(ns + "BulkData").Select(b => (string)b.Attribute("uri")!).ToList();
            Assert.Equal(
                [$"{baseUrl}/studies/1.2.3/series/1.2.3.4/instances/1.2.3.4.{i}/bulkdata/1000-300", $"{baseUrl}/studies/1.2.3/series/1.2.3.4/instances/1.2.3.4.{i}/bulkdata/2000-8192"],
                uris);
            Assert.StartsWith(Placeholder, attributes.Single(a => (string?)a.Attribute("tag") == "00081030").Element(ns + "Value")!.Value, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_document_cache_keeps_the_most_recently_used_documents_within_its_byte_budget()
    {
        var small = Document(10);
        long each = small.MemoryBytes;
        var cache = new MetadataDocumentCache(each * 3);
        for (int i = 0; i < 3; i++)
            cache.Set($"d{i}", Document(10));
        Assert.True(cache.TryGet("d0", out _)); // d0 is now the most recent; d1 the least
        cache.Set("d3", Document(10));
        Assert.Equal(3, cache.Count);
        Assert.False(cache.TryGet("d1", out _));
        Assert.True(cache.TryGet("d0", out _));
        Assert.True(cache.TryGet("d3", out _));

        // A document larger than the whole budget is not kept, and pushes nothing out.
        cache.Set("huge", Document(100));
        Assert.False(cache.TryGet("huge", out _));
        Assert.Equal(3, cache.Count);
    }
}
