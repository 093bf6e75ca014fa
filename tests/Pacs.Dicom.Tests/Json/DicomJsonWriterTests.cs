using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Pacs.Dicom.Tests.Json;

public sealed class DicomJsonWriterTests
{
    internal static readonly DicomTag PatientName = new(0x00100010);
    internal static readonly DicomTag PatientId = new(0x00100020);
    internal static readonly DicomTag ImageType = new(0x00080008);
    internal static readonly DicomTag SliceThickness = new(0x00180050);
    internal static readonly DicomTag InstanceNumber = new(0x00200013);
    internal static readonly DicomTag ReferencedSeries = new(0x00081115);
    internal static readonly DicomTag SeriesInstanceUid = new(0x0020000E);

    private static JsonElement Write(DicomDataset dataset, DicomModelWriterOptions? options = null) =>
        JsonDocument.Parse(DicomJsonWriter.SerializeToUtf8Bytes(dataset, options)).RootElement;

    private static DicomDataset With(DicomTag tag, DicomVR vr, byte[] value)
    {
        var dataset = new DicomDataset();
        dataset.Set(new DicomElement(tag, vr, value));
        return dataset;
    }

    [Fact]
    public void Keys_are_upper_case_hex_in_ascending_order_with_vr_and_Value()
    {
        var dataset = new DicomDataset()
            .Set(new DicomTag(0x0029100A), DicomVR.LO, "x")
            .Set(PatientId, DicomVR.LO, "ID1")
            .Set(new DicomTag(0x00080018), DicomVR.UI, "1.2.3");

        var json = DicomJsonWriter.Serialize(dataset);

        Assert.Equal(
            """{"00080018":{"vr":"UI","Value":["1.2.3"]},"00100020":{"vr":"LO","Value":["ID1"]},"0029100A":{"vr":"LO","Value":["x"]}}""",
            json);
    }

    [Fact]
    public void Text_values_lose_their_padding_and_split_on_backslash()
    {
        var dataset = new DicomDataset();
        dataset.Set(new DicomElement(ImageType, DicomVR.CS, Encoding.ASCII.GetBytes("ORIGINAL\\PRIMARY ")));
        dataset.Set(new DicomElement(new DicomTag(0x00080016), DicomVR.UI, Encoding.ASCII.GetBytes("1.2.840\0")));
        dataset.Set(new DicomElement(new DicomTag(0x00204000), DicomVR.LT, Encoding.ASCII.GetBytes("  a\\b  ")));

        var root = Write(dataset);

        Assert.Equal(["ORIGINAL", "PRIMARY"], root.GetProperty("00080008").GetProperty("Value").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("1.2.840", root.GetProperty("00080016").GetProperty("Value")[0].GetString());
        // PS3.5 6.2: LT keeps leading spaces and has no multiplicity, so the backslash stays.
        Assert.Equal("  a\\b", root.GetProperty("00204000").GetProperty("Value")[0].GetString());
    }

    [Fact]
    public void Empty_value_is_written_as_vr_only_and_empty_entries_as_null()
    {
        var dataset = new DicomDataset();
        dataset.Set(new DicomElement(PatientId, DicomVR.LO, ReadOnlyMemory<byte>.Empty));
        dataset.Set(new DicomElement(new DicomTag(0x00100021), DicomVR.LO, Encoding.ASCII.GetBytes("  ")));
        dataset.Set(new DicomElement(ImageType, DicomVR.CS, Encoding.ASCII.GetBytes("A\\\\B\\")));
        dataset.Set(new DicomElement(SliceThickness, DicomVR.DS, Encoding.ASCII.GetBytes("1\\ ")));

        var json = DicomJsonWriter.Serialize(dataset);

        Assert.Equal(
            """{"00080008":{"vr":"CS","Value":["A",null,"B",null]},"00100020":{"vr":"LO"},"00100021":{"vr":"LO"},"00180050":{"vr":"DS","Value":[1,null]}}""",
            json);
    }

    [Fact]
    public void Person_name_groups_become_Alphabetic_Ideographic_Phonetic_members()
    {
        var dataset = new DicomDataset();
        dataset.Set(new DicomTag(0x00080005), DicomVR.CS, "ISO_IR 192");
        dataset.Set(PatientName, DicomVR.PN, "Yamada^Tarou=山田^太郎=やまだ^たろう", "=Ideo", "", "Doe^John");

        var json = DicomJsonWriter.Serialize(dataset);

        Assert.Contains(
            """{"vr":"PN","Value":[{"Alphabetic":"Yamada^Tarou","Ideographic":"山田^太郎","Phonetic":"やまだ^たろう"},{"Ideographic":"Ideo"},null,{"Alphabetic":"Doe^John"}]}""",
            json,
            StringComparison.Ordinal);
    }

    [Fact]
    public void DS_and_IS_are_numbers_with_the_written_digits()
    {
        var dataset = new DicomDataset();
        dataset.Set(new DicomElement(SliceThickness, DicomVR.DS,
            Encoding.ASCII.GetBytes("0.1000000000000000055511\\+1.50\\.5\\-007\\1.\\2E3 ")));
        dataset.Set(new DicomElement(InstanceNumber, DicomVR.IS, Encoding.ASCII.GetBytes(" +12")));

        var json = DicomJsonWriter.Serialize(dataset);

        Assert.Contains("\"Value\":[0.1000000000000000055511,1.50,0.5,-7,1,2e3]", json, StringComparison.Ordinal);
        Assert.Contains("\"00200013\":{\"vr\":\"IS\",\"Value\":[12]}", json, StringComparison.Ordinal);
    }

    [Fact]
    public void DS_that_is_not_a_number_is_written_as_a_string()
    {
        var dataset = new DicomDataset();
        dataset.Set(new DicomElement(SliceThickness, DicomVR.DS, Encoding.ASCII.GetBytes("1.5\\abc\\NaN ")));

        var value = Write(dataset).GetProperty("00180050").GetProperty("Value");

        Assert.Equal(JsonValueKind.Number, value[0].ValueKind);
        Assert.Equal("abc", value[1].GetString());
        Assert.Equal("NaN", value[2].GetString());
    }

    [Fact]
    public void Binary_numbers_are_json_numbers_and_non_finite_floats_are_named_strings()
    {
        var dataset = new DicomDataset()
            .SetValues(new DicomTag(0x00280010), DicomVR.US, (ushort)512, ushort.MaxValue)
            .SetValues(new DicomTag(0x00281052), DicomVR.SS, (short)-1024)
            .SetValues(new DicomTag(0x00091001), DicomVR.UL, uint.MaxValue)
            .SetValues(new DicomTag(0x00091002), DicomVR.SL, int.MinValue)
            .SetValues(new DicomTag(0x00091003), DicomVR.SV, long.MinValue)
            .SetValues(new DicomTag(0x00091004), DicomVR.UV, ulong.MaxValue)
            .SetValues(new DicomTag(0x00091005), DicomVR.FL, 0.1f, float.NaN, float.PositiveInfinity)
            .SetValues(new DicomTag(0x00091006), DicomVR.FD, 0.1, double.NegativeInfinity);

        var json = DicomJsonWriter.Serialize(dataset);

        Assert.Contains("\"00280010\":{\"vr\":\"US\",\"Value\":[512,65535]}", json, StringComparison.Ordinal);
        Assert.Contains("\"00281052\":{\"vr\":\"SS\",\"Value\":[-1024]}", json, StringComparison.Ordinal);
        Assert.Contains("\"00091001\":{\"vr\":\"UL\",\"Value\":[4294967295]}", json, StringComparison.Ordinal);
        Assert.Contains("\"00091002\":{\"vr\":\"SL\",\"Value\":[-2147483648]}", json, StringComparison.Ordinal);
        Assert.Contains("\"00091003\":{\"vr\":\"SV\",\"Value\":[-9223372036854775808]}", json, StringComparison.Ordinal);
        Assert.Contains("\"00091004\":{\"vr\":\"UV\",\"Value\":[18446744073709551615]}", json, StringComparison.Ordinal);
        Assert.Contains("\"00091005\":{\"vr\":\"FL\",\"Value\":[0.1,\"NaN\",\"Infinity\"]}", json, StringComparison.Ordinal);
        Assert.Contains("\"00091006\":{\"vr\":\"FD\",\"Value\":[0.1,\"-Infinity\"]}", json, StringComparison.Ordinal);
    }

    [Fact]
    public void AT_values_are_GGGGEEEE_strings()
    {
        var dataset = new DicomDataset().SetTags(new DicomTag(0x00209165), new DicomTag(0x00209111), new DicomTag(0x0029ABCD));

        Assert.Equal("""{"00209165":{"vr":"AT","Value":["00209111","0029ABCD"]}}""", DicomJsonWriter.Serialize(dataset));
    }

    [Fact]
    public void Sequences_are_arrays_of_objects_with_empty_items_as_empty_objects()
    {
        var inner = new DicomDataset().Set(new DicomTag(0x00081150), DicomVR.UI, "1.2");
        var item = new DicomDataset().Set(SeriesInstanceUid, DicomVR.UI, "1.2.3");
        item.SetSequence(new DicomTag(0x0008114A), inner);
        var dataset = new DicomDataset();
        dataset.SetSequence(ReferencedSeries, item, new DicomDataset());
        dataset.SetSequence(new DicomTag(0x00400275));

        Assert.Equal(
            """{"00081115":{"vr":"SQ","Value":[{"0008114A":{"vr":"SQ","Value":[{"00081150":{"vr":"UI","Value":["1.2"]}}]},"0020000E":{"vr":"UI","Value":["1.2.3"]}},{}]},"00400275":{"vr":"SQ"}}""",
            DicomJsonWriter.Serialize(dataset));
    }

    [Fact]
    public void Binary_values_are_InlineBinary_without_a_factory()
    {
        var dataset = With(new DicomTag(0x7FE00010), DicomVR.OW, [1, 2, 3, 4]);

        Assert.Equal("""{"7FE00010":{"vr":"OW","InlineBinary":"AQIDBA=="}}""", DicomJsonWriter.Serialize(dataset));
    }

    [Fact]
    public void Factory_gives_BulkDataURI_above_the_inline_threshold_and_null_keeps_inline()
    {
        var dataset = new DicomDataset();
        dataset.Set(new DicomElement(new DicomTag(0x00091010), DicomVR.OB, new byte[] { 1, 2 }));
        dataset.Set(new DicomElement(new DicomTag(0x00091011), DicomVR.OB, new byte[100]));
        dataset.Set(new DicomElement(new DicomTag(0x00091012), DicomVR.UN, new byte[100]));
        var options = new DicomModelWriterOptions
        {
            InlineBinaryMaxBytes = 10,
            BulkDataUriFactory = e => e.VR == DicomVR.UN ? null : $"http://x/bulk/{e.Tag.ToHexString()}",
        };

        var root = Write(dataset, options);

        Assert.Equal("AQI=", root.GetProperty("00091010").GetProperty("InlineBinary").GetString());
        Assert.Equal("http://x/bulk/00091011", root.GetProperty("00091011").GetProperty("BulkDataURI").GetString());
        Assert.True(root.GetProperty("00091012").TryGetProperty("InlineBinary", out _));
    }

    [Fact]
    public void Bulk_data_element_without_uri_or_source_reading_is_refused_not_dropped()
    {
        var dataset = new DicomDataset();
        dataset.Set(new DicomElement(new DicomTag(0x7FE00010), DicomVR.OW, new DicomBulkDataReference(1000, 2000)));

        var ex = Assert.Throws<DicomException>(() => DicomJsonWriter.Serialize(dataset));
        Assert.Contains("(7FE0,0010)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bulk_data_element_becomes_BulkDataURI_from_factory_or_its_own_uri()
    {
        var fromFactory = new DicomDataset();
        fromFactory.Set(new DicomElement(new DicomTag(0x7FE00010), DicomVR.OW, new DicomBulkDataReference(1000, 2000)));
        var withUri = new DicomDataset();
        withUri.Set(new DicomElement(new DicomTag(0x7FE00010), DicomVR.OW, new DicomBulkDataReference(-1, -1) { Uri = "http://y/1" }));

        var options = new DicomModelWriterOptions { BulkDataUriFactory = _ => "http://x/pixels" };

        Assert.Equal("http://x/pixels", Write(fromFactory, options).GetProperty("7FE00010").GetProperty("BulkDataURI").GetString());
        Assert.Equal("http://y/1", Write(withUri).GetProperty("7FE00010").GetProperty("BulkDataURI").GetString());
    }

    [Fact]
    public void Bulk_data_is_read_from_its_source_and_swapped_from_big_endian_when_inlining_is_allowed()
    {
        byte[] source = [0xAA, 0xBB, 0x01, 0x02, 0x03, 0x04, 0xCC];
        var dataset = new DicomDataset();
        dataset.Set(new DicomElement(new DicomTag(0x7FE00010), DicomVR.OW,
            new DicomBulkDataReference(2, 4, BigEndian: true) { Source = new MemorySource(source) }));
        dataset.Set(new DicomElement(new DicomTag(0x00280010), DicomVR.US,
            new DicomBulkDataReference(2, 2, BigEndian: true) { Source = new MemorySource(source) }));

        var root = Write(dataset, new DicomModelWriterOptions { InlineBulkDataFromSource = true });

        Assert.Equal([0x02, 0x01, 0x04, 0x03], root.GetProperty("7FE00010").GetProperty("InlineBinary").GetBytesFromBase64());
        Assert.Equal(0x0102, root.GetProperty("00280010").GetProperty("Value")[0].GetInt32());
    }

    [Fact]
    public void Large_InlineBinary_streams_in_segments_and_decodes_to_the_same_bytes()
    {
        var bytes = new byte[(200 * 1024) + 1];
        new Random(7).NextBytes(bytes);
        var dataset = new DicomDataset();
        dataset.Set(new DicomElement(new DicomTag(0x7FE00010), DicomVR.OB,
            new DicomBulkDataReference(0, bytes.Length) { Source = new MemorySource(bytes) }));

        using var stream = new MemoryStream();
        new DicomJsonWriter(new DicomModelWriterOptions { InlineBulkDataFromSource = true }).Write(stream, dataset);

        var root = JsonDocument.Parse(stream.ToArray()).RootElement;
        Assert.Equal(bytes, root.GetProperty("7FE00010").GetProperty("InlineBinary").GetBytesFromBase64());
    }

    [Fact]
    public void Encapsulated_pixel_data_is_omitted_by_default_inlined_as_joined_fragments_or_given_a_uri()
    {
        var fragments = new DicomFragmentSequence(new DicomTag(0x7FE00010), DicomVR.OB,
            new DicomFragment(-1, 4, new byte[] { 0, 0, 0, 0 }),
            [new DicomFragment(-1, 2, new byte[] { 1, 2 }), new DicomFragment(-1, 2, new byte[] { 3, 4 })]);
        var dataset = new DicomDataset();
        dataset.Set(fragments);

        Assert.Equal("{}", DicomJsonWriter.Serialize(dataset));
        var inline = Write(dataset, new DicomModelWriterOptions { EncapsulatedPixelData = DicomEncapsulatedPixelDataMode.InlineConcatenatedFragments });
        Assert.Equal([1, 2, 3, 4], inline.GetProperty("7FE00010").GetProperty("InlineBinary").GetBytesFromBase64());
        var uri = Write(dataset, new DicomModelWriterOptions { BulkDataUriFactory = _ => "http://x/frames" });
        Assert.Equal("http://x/frames", uri.GetProperty("7FE00010").GetProperty("BulkDataURI").GetString());
    }

    [Fact]
    public void Private_elements_are_written_with_their_creator_element()
    {
        var dataset = new DicomDataset();
        var tag = dataset.ReservePrivateTag("ACME 1.0", 0x0029, 0x01);
        dataset.Set(tag, DicomVR.LO, "private value");

        Assert.Equal(
            """{"00290010":{"vr":"LO","Value":["ACME 1.0"]},"00291001":{"vr":"LO","Value":["private value"]}}""",
            DicomJsonWriter.Serialize(dataset));
    }

    [Fact]
    public void Group_length_elements_are_left_out()
    {
        var dataset = new DicomDataset().SetValues(new DicomTag(0x00080000), DicomVR.UL, 10u).Set(PatientId, DicomVR.LO, "A");

        Assert.Equal("""{"00100020":{"vr":"LO","Value":["A"]}}""", DicomJsonWriter.Serialize(dataset));
    }

    [Fact]
    public void Several_data_sets_are_written_as_an_array_to_a_buffer_writer()
    {
        var buffer = new ArrayBufferWriter<byte>();

        new DicomJsonWriter().WriteArray(buffer, [new DicomDataset().Set(PatientId, DicomVR.LO, "A"), new DicomDataset()]);

        Assert.Equal("""[{"00100020":{"vr":"LO","Value":["A"]}},{}]""", Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public async Task Async_array_writes_each_data_set_as_it_arrives()
    {
        using var stream = new MemoryStream();

        await new DicomJsonWriter().WriteArrayAsync(stream, Source());

        Assert.Equal("""[{"00100020":{"vr":"LO","Value":["0"]}},{"00100020":{"vr":"LO","Value":["1"]}}]""", Encoding.UTF8.GetString(stream.ToArray()));

        static async IAsyncEnumerable<DicomDataset> Source()
        {
            for (var i = 0; i < 2; i++)
            {
                await Task.Yield();
                yield return new DicomDataset().Set(PatientId, DicomVR.LO, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }

    [Fact]
    public void Text_is_decoded_with_the_data_set_character_set()
    {
        var dataset = new DicomDataset();
        dataset.Set(new DicomTag(0x00080005), DicomVR.CS, "ISO_IR 192");
        dataset.Set(new DicomElement(PatientName, DicomVR.PN, Encoding.UTF8.GetBytes("Müller^Jürgen ")));

        Assert.Contains("{\"Alphabetic\":\"Müller^Jürgen\"}", DicomJsonWriter.Serialize(dataset), StringComparison.Ordinal);
    }

    [Fact]
    public void Declared_character_set_is_written_as_ISO_IR_192_because_the_text_is_now_Unicode()
    {
        var dataset = new DicomDataset();
        dataset.Set(new DicomTag(0x00080005), DicomVR.CS, "ISO_IR 100");
        dataset.Set(new DicomElement(PatientName, DicomVR.PN, Encoding.Latin1.GetBytes("Müller")));

        var json = DicomJsonWriter.Serialize(dataset);

        Assert.Equal("""{"00080005":{"vr":"CS","Value":["ISO_IR 192"]},"00100010":{"vr":"PN","Value":[{"Alphabetic":"Müller"}]}}""", json);
        Assert.Equal("Müller", DicomJsonReader.ReadDataset(json).GetString(PatientName));
    }

    /// <summary>A bulk data source over bytes in memory.</summary>
    internal sealed class MemorySource(byte[] bytes) : IDicomBulkDataSource
    {
        public Stream OpenRange(long offset, long length) => new MemoryStream(bytes, (int)offset, (int)length, writable: false);
    }
}
