using System.Buffers;
using System.Text;
using System.Text.Json;
using Pacs.Dicom.Tests.Reading;

namespace Pacs.Dicom.Tests.Json;

public sealed class DicomJsonReaderTests
{
    private static readonly DicomTag PatientName = new(0x00100010);
    private static readonly DicomTag PatientId = new(0x00100020);

    [Fact]
    public void Every_VR_written_and_read_back_means_the_same()
    {
        var original = SampleDatasets.EveryVR();

        var json = DicomJsonWriter.SerializeToUtf8Bytes(original);
        var read = DicomJsonReader.ReadDataset(json);

        Assert.Equal(DatasetSemantics.Flatten(original), DatasetSemantics.Flatten(read));
        Assert.Equal(
            original.Select(e => (e.Tag, e.VR)),
            read.Select(e => (e.Tag, e.VR)));
    }

    [Fact]
    public void Every_VR_survives_a_second_round_trip_byte_for_byte_in_JSON()
    {
        var first = DicomJsonWriter.Serialize(SampleDatasets.EveryVR());

        var second = DicomJsonWriter.Serialize(DicomJsonReader.ReadDataset(first));

        Assert.Equal(first, second);
    }

    [Fact]
    public void Person_name_objects_become_the_DICOM_form()
    {
        var dataset = DicomJsonReader.ReadDataset(
            """{"00100010":{"vr":"PN","Value":[{"Alphabetic":"Yamada^Tarou","Ideographic":"山田^太郎","Phonetic":"やまだ^たろう"},{"Phonetic":"P"},null,{"Alphabetic":"Doe"}]}}""");

        Assert.Equal(["Yamada^Tarou=山田^太郎=やまだ^たろう", "==P", "", "Doe"], dataset.GetStrings(PatientName));
    }

    [Fact]
    public void Members_may_come_in_any_order_even_vr_after_Value()
    {
        var dataset = DicomJsonReader.ReadDataset(
            """{"00081115":{"Value":[{"00081150":{"Value":["1.2"],"vr":"UI"}},{}],"vr":"SQ"},"00100010":{"Value":[{"Alphabetic":"A^B"},{}],"vr":"PN"}}""");

        var items = dataset.GetSequence(new DicomTag(0x00081115));
        Assert.Equal(2, items.Count);
        Assert.Equal("1.2", items[0].GetString(new DicomTag(0x00081150)));
        Assert.Equal(0, items[1].Count);
        Assert.Equal(["A^B", ""], dataset.GetStrings(PatientName));
    }

    [Fact]
    public void Attribute_without_Value_is_empty_and_null_entries_are_empty_values()
    {
        var dataset = DicomJsonReader.ReadDataset(
            """{"00080008":{"vr":"CS","Value":["A",null,"B"]},"00100020":{"vr":"LO"},"00280010":{"vr":"US","Value":[]}}""");

        Assert.Equal("A\\\\B", Encoding.ASCII.GetString(dataset[new DicomTag(0x00080008)]!.Value.Span));
        Assert.Equal(0, dataset[PatientId]!.Length);
        Assert.Equal(0, dataset[new DicomTag(0x00280010)]!.Length);
    }

    [Fact]
    public void DS_and_IS_keep_the_number_literal_as_their_text_and_accept_strings()
    {
        var dataset = DicomJsonReader.ReadDataset(
            """{"00180050":{"vr":"DS","Value":[0.1000000000000000055511,"2.50",1e-3]},"00200013":{"vr":"IS","Value":[12,"-3"]}}""");

        Assert.Equal("0.1000000000000000055511\\2.50\\1e-3", Encoding.ASCII.GetString(dataset[new DicomTag(0x00180050)]!.Value.Span));
        Assert.Equal(["12", "-3"], dataset.GetStrings(new DicomTag(0x00200013)));
    }

    [Fact]
    public void InlineBinary_is_decoded_and_BulkDataURI_is_kept_as_a_reference()
    {
        var dataset = DicomJsonReader.ReadDataset(
            """{"00420011":{"vr":"OB","InlineBinary":"AQIDBA=="},"7FE00010":{"vr":"OW","BulkDataURI":"http://x/studies/1/bulk/7FE00010"}}""");

        Assert.Equal([1, 2, 3, 4], dataset[new DicomTag(0x00420011)]!.Value.ToArray());
        var pixels = dataset[new DicomTag(0x7FE00010)]!;
        Assert.True(pixels.IsBulkData);
        Assert.Equal("http://x/studies/1/bulk/7FE00010", pixels.BulkData!.Uri);
        Assert.Contains("\"BulkDataURI\":\"http://x/studies/1/bulk/7FE00010\"", DicomJsonWriter.Serialize(dataset), StringComparison.Ordinal);
    }

    [Fact]
    public void Non_ASCII_text_is_UTF_8_and_declares_ISO_IR_192_replacing_the_declared_set()
    {
        var dataset = DicomJsonReader.ReadDataset(
            """{"00080005":{"vr":"CS","Value":["ISO_IR 100"]},"00100010":{"vr":"PN","Value":[{"Alphabetic":"Müller"}]},"00081115":{"vr":"SQ","Value":[{"00080005":{"vr":"CS","Value":["ISO_IR 100"]}}]}}""");

        Assert.Equal("ISO_IR 192", dataset.GetString(DicomTag.SpecificCharacterSet));
        Assert.Equal(Encoding.UTF8.GetBytes("Müller"), dataset[PatientName]!.Value.ToArray()[..7]);
        Assert.Equal("Müller", dataset.GetString(PatientName));
        Assert.False(dataset.GetSequence(new DicomTag(0x00081115))[0].Contains(DicomTag.SpecificCharacterSet));
    }

    [Fact]
    public void ASCII_only_text_keeps_the_declared_character_set()
    {
        var dataset = DicomJsonReader.ReadDataset(
            """{"00080005":{"vr":"CS","Value":["ISO_IR 100"]},"00100010":{"vr":"PN","Value":[{"Alphabetic":"Miller"}]}}""");

        Assert.Equal("ISO_IR 100", dataset.GetString(DicomTag.SpecificCharacterSet));
    }

    [Fact]
    public void An_array_reads_as_several_data_sets_and_a_single_object_as_one()
    {
        var list = DicomJsonReader.ReadDatasets("""[{"00100020":{"vr":"LO","Value":["A"]}},{}]"""u8);

        Assert.Equal(2, list.Count);
        Assert.Equal("A", list[0].GetString(PatientId));
        Assert.Single(DicomJsonReader.ReadDatasets("{}"u8));
        Assert.Throws<DicomException>(() => DicomJsonReader.ReadDataset("[{},{}]"));
    }

    [Fact]
    public void A_stream_handing_out_one_byte_at_a_time_reads_the_same()
    {
        var json = DicomJsonWriter.SerializeToUtf8Bytes(SampleDatasets.EveryVR());

        var read = DicomJsonReader.ReadDataset(new NonSeekableStream(json, maxChunk: 1));

        Assert.Equal(DatasetSemantics.Flatten(DicomJsonReader.ReadDataset(json)), DatasetSemantics.Flatten(read));
    }

    [Fact]
    public async Task A_token_larger_than_the_read_buffer_is_read_from_a_stream()
    {
        var bytes = new byte[300 * 1024];
        new Random(3).NextBytes(bytes);
        var json = Encoding.UTF8.GetBytes("[{\"7FE00010\":{\"vr\":\"OB\",\"InlineBinary\":\"" + Convert.ToBase64String(bytes) + "\"}}]");

        var read = await DicomJsonReader.ReadDatasetsAsync(new NonSeekableStream(json, maxChunk: 5000));

        Assert.Equal(bytes, read[0][new DicomTag(0x7FE00010)]!.Value.ToArray());
    }

    [Fact]
    public void A_sequence_in_several_segments_reads_the_same()
    {
        var json = DicomJsonWriter.SerializeToUtf8Bytes(SampleDatasets.EveryVR());
        var first = new Segment(json.AsMemory(0, json.Length / 3));
        var last = first.Append(json.AsMemory(json.Length / 3, json.Length / 3)).Append(json.AsMemory(2 * (json.Length / 3)));

        var read = DicomJsonReader.ReadDataset(new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length));

        Assert.Equal(DatasetSemantics.Flatten(DicomJsonReader.ReadDataset(json)), DatasetSemantics.Flatten(read));
    }

    [Theory]
    [InlineData("""{"0010001":{"vr":"LO"}}""", "DICOM JSON document", "\"0010001\" is not a tag")]
    [InlineData("""{"00100020":{"Value":["A"]}}""", "attribute 00100020", "the attribute has no vr")]
    [InlineData("""{"00100020":{"vr":"XX"}}""", "attribute 00100020", "vr must be a VR")]
    [InlineData("""{"00081115":{"vr":"SQ","Value":[{"00280010":{"vr":"US","Value":[70000]}}]}}""", "attribute 00081115[0].00280010", "70000 is out of the range of VR US")]
    [InlineData("""{"00280010":{"vr":"US","Value":["x"]}}""", "attribute 00280010", "'x' is not an integer")]
    [InlineData("""{"00209165":{"vr":"AT","Value":["0020911"]}}""", "attribute 00209165", "is not a tag written as GGGGEEEE")]
    [InlineData("""{"00100010":{"vr":"PN","Value":[{"Given":"x"}]}}""", "attribute 00100010", "\"Given\" is not a person name group")]
    [InlineData("""{"7FE00010":{"vr":"OB","InlineBinary":"@@@"}}""", "attribute 7FE00010", "InlineBinary is not valid base64")]
    [InlineData("""{"7FE00010":{"vr":"OB","Value":[1]}}""", "attribute 7FE00010", "VR OB takes InlineBinary or BulkDataURI")]
    [InlineData("""{"00100020":{"vr":"LO","Value":["A"],"BulkDataURI":"x"}}""", "attribute 00100020", "at most one of Value, InlineBinary and BulkDataURI")]
    [InlineData("""{"00100020":{"vr":"LO","Value":[{"00100010":{"vr":"PN"}}]}}""", "attribute 00100020", "VR LO has no object values")]
    [InlineData("""{"00100020":{"vr":"LO",}}""", "DICOM JSON", "not valid JSON")]
    [InlineData("""{"00100020":{"vr":"LO"}""", "DICOM JSON", "not valid JSON")]
    [InlineData("\"text\"", "DICOM JSON document", "an object or an array of objects")]
    public void Errors_name_the_attribute_and_the_reason(string json, string where, string reason)
    {
        var ex = Assert.Throws<DicomException>(() => DicomJsonReader.ReadDataset(json));

        Assert.Contains(where, ex.Message, StringComparison.Ordinal);
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_members_are_ignored()
    {
        var dataset = DicomJsonReader.ReadDataset("""{"00100020":{"vr":"LO","keyword":"PatientID","extra":{"a":[1,{"b":2}]},"Value":["A"]}}""");

        Assert.Equal("A", dataset.GetString(PatientId));
    }

    public static TheoryData<string> CorpusJsonFiles() => new(["json/test1.json", "json/test_PN.json"]);

    [Theory]
    [MemberData(nameof(CorpusJsonFiles))]
    public void Corpus_JSON_file_reads_and_rewrites_to_the_same_meaning(string file)
    {
        var original = File.ReadAllBytes(TestPaths.CorpusFile(file));

        var dataset = DicomJsonReader.ReadDataset(original);
        var rewritten = DicomJsonWriter.SerializeToUtf8Bytes(dataset);

        Assert.True(dataset.Count > 0);
        var differences = DicomJsonSemantics.Differences(JsonDocument.Parse(original).RootElement, JsonDocument.Parse(rewritten).RootElement);
        Assert.True(differences.Count == 0, string.Join('\n', differences));
        Assert.Equal(DatasetSemantics.Flatten(dataset), DatasetSemantics.Flatten(DicomJsonReader.ReadDataset(rewritten)));
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
