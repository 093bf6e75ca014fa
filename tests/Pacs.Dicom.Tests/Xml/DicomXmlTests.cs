using System.Text;
using System.Xml.Linq;
using Pacs.Dicom.Tests.Json;

namespace Pacs.Dicom.Tests.Xml;

public sealed class DicomXmlTests
{
    private static readonly XNamespace Ns = DicomXmlWriter.Namespace;
    private static readonly DicomTag PatientName = new(0x00100010);

    private static XElement Write(DicomDataset dataset, DicomModelWriterOptions? options = null) =>
        XElement.Parse(DicomXmlWriter.Serialize(dataset, options));

    private static XElement Attribute(XElement root, string tag) =>
        root.Elements(Ns + "DicomAttribute").Single(e => (string?)e.Attribute("tag") == tag);

    [Fact]
    public void Root_is_NativeDicomModel_in_the_PS3_19_namespace_with_attributes_in_tag_order()
    {
        var root = Write(SampleDatasets.EveryVR());

        Assert.Equal(Ns + "NativeDicomModel", root.Name);
        var tags = root.Elements(Ns + "DicomAttribute").Select(e => (string)e.Attribute("tag")!).ToList();
        Assert.Equal(tags.Order(StringComparer.Ordinal), tags);
        Assert.All(root.Elements(Ns + "DicomAttribute"), e => Assert.NotNull(e.Attribute("vr")));
    }

    [Fact]
    public void Values_are_numbered_from_one_with_empty_entries_as_empty_Value_elements()
    {
        var root = Write(SampleDatasets.EveryVR());

        var values = Attribute(root, "00080008").Elements(Ns + "Value").ToList();
        Assert.Equal(["1", "2", "3", "4"], values.Select(v => (string)v.Attribute("number")!));
        Assert.Equal(["ORIGINAL", "PRIMARY", "", "AXIAL"], values.Select(v => v.Value));
        Assert.Empty(Attribute(root, "00102180").Elements());
    }

    [Fact]
    public void Person_names_have_groups_and_named_components()
    {
        var root = Write(SampleDatasets.EveryVR());

        var names = Attribute(root, "00100010").Elements(Ns + "PersonName").ToList();
        Assert.Equal("Yamada", names[0].Element(Ns + "Alphabetic")!.Element(Ns + "FamilyName")!.Value);
        Assert.Equal("太郎", names[0].Element(Ns + "Ideographic")!.Element(Ns + "GivenName")!.Value);
        Assert.Equal("やまだ", names[0].Element(Ns + "Phonetic")!.Element(Ns + "FamilyName")!.Value);
        Assert.Equal("Dr", names[1].Element(Ns + "Alphabetic")!.Element(Ns + "NamePrefix")!.Value);
        Assert.Equal("Jr", names[1].Element(Ns + "Alphabetic")!.Element(Ns + "NameSuffix")!.Value);
        Assert.Null(names[1].Element(Ns + "Alphabetic")!.Element(Ns + "MiddleName"));
    }

    [Fact]
    public void Sequences_have_numbered_items_and_private_attributes_name_their_creator()
    {
        var root = Write(SampleDatasets.EveryVR());

        var items = Attribute(root, "00081115").Elements(Ns + "Item").ToList();
        Assert.Equal(["1", "2"], items.Select(i => (string)i.Attribute("number")!));
        Assert.Empty(items[1].Elements());
        Assert.Equal("ACME 1.0", (string?)Attribute(root, "00191001").Attribute("privateCreator"));
        Assert.Null(Attribute(root, "00190010").Attribute("privateCreator"));
    }

    [Fact]
    public void Binary_values_are_InlineBinary_or_BulkData_with_a_uri()
    {
        var options = new DicomModelWriterOptions { BulkDataUriFactory = e => e.Tag == new DicomTag(0x7FE00010) ? "http://x/pixels" : null };

        var root = Write(SampleDatasets.EveryVR(), options);

        Assert.Equal("http://x/pixels", (string?)Attribute(root, "7FE00010").Element(Ns + "BulkData")!.Attribute("uri"));
        Assert.Equal(Convert.ToBase64String(Encoding.ASCII.GetBytes("%PDF-1.4")), Attribute(root, "00420011").Element(Ns + "InlineBinary")!.Value);
    }

    [Fact]
    public void Non_finite_floats_use_the_XML_Schema_spellings()
    {
        var root = Write(SampleDatasets.EveryVR());

        Assert.Equal(["0.1", "3.4028235E+38", "-INF"], Attribute(root, "00189089").Elements(Ns + "Value").Select(v => v.Value));
    }

    [Fact]
    public void Every_VR_written_and_read_back_means_the_same()
    {
        var original = SampleDatasets.EveryVR();

        var read = DicomXmlReader.ReadDataset(DicomXmlWriter.Serialize(original, new DicomModelWriterOptions { Indented = true }));

        Assert.Equal(DatasetSemantics.Flatten(original), DatasetSemantics.Flatten(read));
        Assert.Equal(original.Select(e => (e.Tag, e.VR)), read.Select(e => (e.Tag, e.VR)));
    }

    [Fact]
    public void XML_and_JSON_of_the_same_data_set_read_back_the_same()
    {
        var original = SampleDatasets.EveryVR();

        var viaXml = DicomXmlReader.ReadDataset(DicomXmlWriter.Serialize(original));
        var viaJson = DicomJsonReader.ReadDataset(DicomJsonWriter.Serialize(original));

        Assert.Equal(DicomJsonWriter.Serialize(viaJson), DicomJsonWriter.Serialize(viaXml));
    }

    [Fact]
    public void BulkData_uri_is_read_as_a_reference()
    {
        const string xml = """
            <NativeDicomModel xmlns="http://dicom.nema.org/PS3.19/models/NativeDICOM">
              <DicomAttribute tag="7FE00010" vr="OW"><BulkData uri="http://x/bulk/1"/></DicomAttribute>
            </NativeDicomModel>
            """;

        var element = DicomXmlReader.ReadDataset(xml)[new DicomTag(0x7FE00010)]!;

        Assert.Equal("http://x/bulk/1", element.BulkData!.Uri);
    }

    [Fact]
    public void Missing_value_numbers_are_empty_values()
    {
        const string xml = """
            <NativeDicomModel xmlns="http://dicom.nema.org/PS3.19/models/NativeDICOM">
              <DicomAttribute tag="00080008" vr="CS" keyword="ImageType"><Value number="1">A</Value><Value number="3">C</Value></DicomAttribute>
              <DicomAttribute tag="00100010" vr="PN"><PersonName number="1"><Alphabetic><FamilyName>Doe</FamilyName><MiddleName>Q</MiddleName></Alphabetic></PersonName></DicomAttribute>
            </NativeDicomModel>
            """;

        var dataset = DicomXmlReader.ReadDataset(xml);

        Assert.Equal(["A", "", "C"], dataset.GetStrings(new DicomTag(0x00080008)));
        Assert.Equal("Doe^^Q", dataset.GetString(PatientName));
    }

    [Fact]
    public void Private_attribute_is_moved_to_the_block_its_creator_holds()
    {
        const string xml = """
            <NativeDicomModel xmlns="http://dicom.nema.org/PS3.19/models/NativeDICOM">
              <DicomAttribute tag="00290010" vr="LO"><Value number="1">OTHER</Value></DicomAttribute>
              <DicomAttribute tag="00290011" vr="LO"><Value number="1">ACME 1.0</Value></DicomAttribute>
              <DicomAttribute tag="00291001" vr="LO" privateCreator="ACME 1.0"><Value number="1">mine</Value></DicomAttribute>
              <DicomAttribute tag="00330001" vr="LO" privateCreator="NEW"><Value number="1">reserved</Value></DicomAttribute>
            </NativeDicomModel>
            """;

        var dataset = DicomXmlReader.ReadDataset(xml);

        Assert.Equal("mine", dataset.GetString(new DicomTag(0x00291101)));
        Assert.False(dataset.Contains(new DicomTag(0x00291001)));
        Assert.Equal("NEW", dataset.GetString(new DicomTag(0x00330010)));
        Assert.Equal("reserved", dataset.GetString(new DicomTag(0x00331001)));
    }

    [Fact]
    public void Non_ASCII_text_is_UTF_8_and_declares_ISO_IR_192()
    {
        const string xml = """
            <NativeDicomModel xmlns="http://dicom.nema.org/PS3.19/models/NativeDICOM">
              <DicomAttribute tag="00100010" vr="PN"><PersonName number="1"><Alphabetic><FamilyName>Müller</FamilyName></Alphabetic></PersonName></DicomAttribute>
            </NativeDicomModel>
            """;

        var dataset = DicomXmlReader.ReadDataset(xml);

        Assert.Equal("ISO_IR 192", dataset.GetString(DicomTag.SpecificCharacterSet));
        Assert.Equal("Müller", dataset.GetString(PatientName));
    }

    [Theory]
    [InlineData("<Other/>", "expected <NativeDicomModel>")]
    [InlineData("""<NativeDicomModel><DicomAttribute tag="0010" vr="LO"/></NativeDicomModel>""", "is not GGGGEEEE")]
    [InlineData("""<NativeDicomModel><DicomAttribute tag="00100020"/></NativeDicomModel>""", "(0010,0020) (line 1): the attribute has no vr")]
    [InlineData("""<NativeDicomModel><DicomAttribute tag="00280010" vr="US"><Value number="1">x</Value></DicomAttribute></NativeDicomModel>""", "'x' is not an integer")]
    [InlineData("""<NativeDicomModel><DicomAttribute tag="00280010" vr="US"><Value number="0">1</Value></DicomAttribute></NativeDicomModel>""", "number '0' is not a position")]
    [InlineData("<NativeDicomModel>", "not well-formed")]
    [InlineData("""<!DOCTYPE x [<!ENTITY a "b">]><NativeDicomModel/>""", "not well-formed")]
    public void Errors_name_the_attribute_and_the_reason(string xml, string expected)
    {
        var ex = Assert.Throws<DicomException>(() => DicomXmlReader.ReadDataset(xml));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Stream_round_trip_of_a_data_set_with_control_characters_keeps_them()
    {
        var dataset = new DicomDataset().Set(new DicomTag(0x00091010), DicomVR.LO, "a\u0001b");
        using var stream = new MemoryStream();

        new DicomXmlWriter().Write(stream, dataset);
        stream.Position = 0;

        Assert.Equal("a\u0001b", DicomXmlReader.ReadDataset(stream).GetString(new DicomTag(0x00091010)));
    }
}
