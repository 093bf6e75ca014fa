namespace Pacs.Dicom.Tests.Model;

public sealed class DatasetApiTests
{
    [Fact]
    public void Element_is_found_by_tag_by_keyword_and_by_hex_string()
    {
        var ds = new DicomDataset().Set(DicomTag.PatientID, "ABC123");

        Assert.Equal("ABC123", ds.GetString(DicomTag.PatientID));
        Assert.Equal("ABC123", ds.GetString("PatientID"));
        Assert.Same(ds[DicomTag.PatientID], ds["PatientID"]);
        Assert.Same(ds[DicomTag.PatientID], ds["00100020"]);
        Assert.Same(ds[DicomTag.PatientID], ds["(0010,0020)"]);
    }

    [Fact]
    public void Unknown_keyword_is_a_format_error_that_names_it()
    {
        var error = Assert.Throws<FormatException>(() => new DicomDataset()["PatientsFavouriteColour"]);

        Assert.Contains("PatientsFavouriteColour", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Elements_stay_in_ascending_tag_order_whatever_the_insertion_order()
    {
        var ds = new DicomDataset()
            .Set(DicomTag.StudyInstanceUID, "1.2.3")
            .Set(DicomTag.PatientName, "Doe^Jane")
            .Set(DicomTag.Modality, "CT");

        Assert.Equal([DicomTag.Modality, DicomTag.PatientName, DicomTag.StudyInstanceUID], ds.Select(e => e.Tag).ToArray());
    }

    [Fact]
    public void Set_replaces_and_remove_deletes()
    {
        var ds = new DicomDataset().Set(DicomTag.PatientID, "A").Set(DicomTag.PatientID, "B");

        Assert.Equal(1, ds.Count);
        Assert.Equal("B", ds.GetString(DicomTag.PatientID));
        Assert.True(ds.Remove(DicomTag.PatientID));
        Assert.False(ds.Remove(DicomTag.PatientID));
        Assert.Null(ds.GetString(DicomTag.PatientID));
    }

    [Fact]
    public void Text_values_are_padded_to_even_length_with_the_vr_padding_byte()
    {
        var ds = new DicomDataset().Set(DicomTag.PatientID, "ABC").Set(DicomTag.SOPInstanceUID, "1.2.3");

        Assert.Equal((byte)' ', ds[DicomTag.PatientID]!.Value.Span[^1]);
        Assert.Equal((byte)0, ds[DicomTag.SOPInstanceUID]!.Value.Span[^1]);
        Assert.Equal("ABC", ds.GetString(DicomTag.PatientID));
        Assert.Equal("1.2.3", ds.GetString(DicomTag.SOPInstanceUID));
    }

    [Fact]
    public void Multiple_values_are_split_on_backslash_and_trimmed()
    {
        var ds = new DicomDataset().Set(DicomTag.ImageType, "ORIGINAL", "PRIMARY", "AXIAL");

        Assert.Equal(["ORIGINAL", "PRIMARY", "AXIAL"], ds.GetStrings(DicomTag.ImageType));
        Assert.Equal("PRIMARY", ds.GetString(DicomTag.ImageType, 1));
        Assert.Null(ds.GetString(DicomTag.ImageType, 3));
        Assert.Equal(@"ORIGINAL\PRIMARY\AXIAL", ds.GetString(DicomTag.ImageType));
    }

    [Fact]
    public void Leading_spaces_are_kept_for_text_vrs_and_trimmed_for_others()
    {
        var ds = new DicomDataset()
            .Set(DicomTag.StudyComments, "  indented note  ")
            .Set(DicomTag.PatientID, "  ID7 ");

        Assert.Equal("  indented note", ds.GetString(DicomTag.StudyComments));
        Assert.Equal("ID7", ds.GetString(DicomTag.PatientID));
    }

    [Fact]
    public void Person_name_gives_groups_and_components()
    {
        var ds = new DicomDataset()
            .Set(DicomTag.SpecificCharacterSet, "ISO_IR 192")
            .Set(DicomTag.PatientName, "Doe^John^Q^Dr^Jr=ドウ^ジョン");

        var name = ds.GetPersonName(DicomTag.PatientName)!;

        Assert.Equal("Doe", name.FamilyName);
        Assert.Equal("John", name.GivenName);
        Assert.Equal("Q", name.MiddleName);
        Assert.Equal("Dr", name.Prefix);
        Assert.Equal("Jr", name.Suffix);
        Assert.Equal("ドウ", name.Ideographic.FamilyName);
        Assert.Equal("ジョン", name.Ideographic[1]);
        Assert.True(name.Phonetic.IsEmpty);
    }

    [Fact]
    public void Dates_times_and_date_times_parse_with_their_precision()
    {
        var ds = new DicomDataset()
            .Set(DicomTag.StudyDate, "20240229")
            .Set(DicomTag.StudyTime, "142501.123456")
            .Set(DicomTag.AcquisitionDateTime, "20240229142501.5+0130")
            .Set(DicomTag.PatientBirthDate, "1970.01.02")
            .Set(DicomTag.SeriesTime, "1425");

        Assert.Equal(new DateOnly(2024, 2, 29), ds.GetDate(DicomTag.StudyDate));
        Assert.Equal(new TimeOnly(14, 25, 1).Add(TimeSpan.FromTicks(1234560)), ds.GetTime(DicomTag.StudyTime));
        Assert.Equal(new TimeOnly(14, 25), ds.GetTime(DicomTag.SeriesTime));
        Assert.Equal(new DateOnly(1970, 1, 2), ds.GetDate(DicomTag.PatientBirthDate));
        var dt = ds.GetDateTime(DicomTag.AcquisitionDateTime)!.Value;
        Assert.Equal(new DateTime(2024, 2, 29, 14, 25, 1, 500), dt.Value);
        Assert.Equal(TimeSpan.FromMinutes(90), dt.UtcOffset);
        Assert.Equal(DicomDateTimePrecision.Fraction, dt.Precision);
        Assert.Equal(new DateTime(2024, 2, 29, 14, 25, 1, 123).AddTicks(4560), ds.GetDateTime(DicomTag.StudyDate, DicomTag.StudyTime));
    }

    [Theory]
    [InlineData("20230230")]
    [InlineData("2023-07-02")]
    [InlineData("19701332")]
    [InlineData("2023")]
    public void Invalid_dates_read_as_absent(string value)
    {
        var ds = new DicomDataset().Set(DicomTag.StudyDate, value);

        Assert.Null(ds.GetDate(DicomTag.StudyDate));
    }

    [Fact]
    public void Integer_and_decimal_strings_parse_exactly()
    {
        var ds = new DicomDataset()
            .Set(DicomTag.InstanceNumber, " 42 ")
            .Set(DicomTag.SliceThickness, "0.625")
            .Set(DicomTag.ImagePositionPatient, "-125.5", "-100", "+7.25e1");

        Assert.Equal(42, ds.GetInt32(DicomTag.InstanceNumber));
        Assert.Equal(0.625m, ds.GetDecimal(DicomTag.SliceThickness));
        Assert.Equal([-125.5, -100, 72.5], ds.GetDoubles(DicomTag.ImagePositionPatient));
        Assert.Equal(-100, ds.GetDouble(DicomTag.ImagePositionPatient, 1));
    }

    [Fact]
    public void Binary_numbers_read_through_typed_getters()
    {
        var ds = new DicomDataset()
            .SetValues(DicomTag.Rows, (ushort)512)
            .SetValues(DicomTag.SmallestImagePixelValue, DicomVR.SS, (short)-1024)
            .SetValues(DicomTag.ReferencedFrameNumbers, DicomVR.UL, 1u, 2u, 3u)
            .SetValues(DicomTag.RealWorldValueFirstValueMapped, DicomVR.SL, -5)
            .SetValues(DicomTag.PixelDataProviderURL, DicomVR.FD, 1.5, 2.5);

        Assert.Equal((ushort)512, ds.GetUInt16(DicomTag.Rows));
        Assert.Equal(-1024, ds.GetInt32(DicomTag.SmallestImagePixelValue));
        Assert.Equal([1u, 2u, 3u], ds.GetValues<uint>(DicomTag.ReferencedFrameNumbers));
        Assert.Equal(3u, ds.GetUInt32(DicomTag.ReferencedFrameNumbers, 2));
        Assert.Null(ds.GetUInt32(DicomTag.ReferencedFrameNumbers, 3));
        Assert.Equal(-5L, ds.GetInt64(DicomTag.RealWorldValueFirstValueMapped));
        Assert.Equal(2.5, ds.GetDouble(DicomTag.PixelDataProviderURL, 1));
    }

    [Fact]
    public void Attribute_tag_values_read_as_tags()
    {
        var ds = new DicomDataset().SetTags(DicomTag.FrameIncrementPointer, DicomTag.FrameTime, DicomTag.FrameTimeVector);

        Assert.Equal(DicomTag.FrameTime, ds.GetTag(DicomTag.FrameIncrementPointer));
        Assert.Equal(DicomTag.FrameTimeVector, ds.GetTag(DicomTag.FrameIncrementPointer, 1));
    }

    [Fact]
    public void Sequence_items_inherit_the_character_set_of_their_parent()
    {
        var item = new DicomDataset();
        var ds = new DicomDataset().Set(DicomTag.SpecificCharacterSet, "ISO_IR 192");
        ds.SetSequence(DicomTag.ReferencedStudySequence, item);
        item.Set(DicomTag.PatientName, "Müller^Jürgen");

        var stored = ds.GetSequence(DicomTag.ReferencedStudySequence)[0];

        Assert.Same(ds, stored.Parent);
        Assert.Equal("Müller^Jürgen", stored.GetString(DicomTag.PatientName));
        Assert.Equal("Müller^Jürgen "u8.ToArray(), stored[DicomTag.PatientName]!.Value.ToArray());
    }

    [Fact]
    public void Private_block_is_reserved_once_per_creator_and_found_again()
    {
        var ds = new DicomDataset();

        var first = ds.ReservePrivateTag("ACME 1.0", 0x0029, 0x10);
        var again = ds.ReservePrivateTag("ACME 1.0", 0x0029, 0x11);
        var other = ds.ReservePrivateTag("OTHER", 0x0029, 0x10);
        ds.Set(first, DicomVR.LO, "value");

        Assert.Equal(new DicomTag(0x0029, 0x1010), first);
        Assert.Equal(new DicomTag(0x0029, 0x1011), again);
        Assert.Equal(new DicomTag(0x0029, 0x1110), other);
        Assert.Equal("ACME 1.0", ds.GetPrivateCreator(first));
        Assert.Equal("OTHER", ds.GetPrivateCreator(other));
        Assert.Equal(first, ds.FindPrivateTag("ACME 1.0", 0x0029, 0x10));
        Assert.Null(ds.FindPrivateTag("NOBODY", 0x0029, 0x10));
        Assert.True(first.IsPrivate);
        Assert.True(new DicomTag(0x0029, 0x0010).IsPrivateCreator);
    }

    [Fact]
    public void Private_tags_of_a_real_file_resolve_to_their_creator()
    {
        var dicom = DicomFile.Open(TestPaths.CorpusFile("transfer-syntaxes/CT_small_deflate.dcm"));

        Assert.Equal("GEMS_IDEN_01", dicom.Dataset.GetPrivateCreator(new DicomTag(0x0009, 0x1001)));
        Assert.Equal(new DicomTag(0x0009, 0x1001), dicom.Dataset.FindPrivateTag("GEMS_IDEN_01", 0x0009, 0x01));
    }

    [Fact]
    public void Reserving_a_private_tag_in_an_even_group_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new DicomDataset().ReservePrivateTag("ACME", 0x0010, 0x10));
    }

    [Fact]
    public void Setting_text_without_a_dictionary_vr_asks_for_one()
    {
        var error = Assert.Throws<ArgumentException>(() => new DicomDataset().Set(new DicomTag(0x0029, 0x1010), "x"));

        Assert.Contains("VR", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bulk_data_value_is_not_silently_read_as_text()
    {
        var dicom = DicomFile.Open(TestPaths.CorpusFile("valid/CT_small.dcm"), new DicomReadOptions { BulkDataThresholdBytes = 16 });
        var bulkText = dicom.Dataset.First(e => e.IsBulkData && e.VR.IsString());

        var error = Assert.Throws<DicomException>(() => dicom.Dataset.GetString(bulkText.Tag));

        Assert.Contains("bulk data", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Clone_is_independent_of_the_original()
    {
        var ds = new DicomDataset().Set(DicomTag.PatientID, "A");
        ds.SetSequence(DicomTag.ReferencedStudySequence, new DicomDataset().Set(DicomTag.StudyInstanceUID, "1.2"));

        var copy = ds.Clone();
        copy.Set(DicomTag.PatientID, "B");
        copy.GetSequence(DicomTag.ReferencedStudySequence)[0].Set(DicomTag.StudyInstanceUID, "9.9");

        Assert.Equal("A", ds.GetString(DicomTag.PatientID));
        Assert.Equal("1.2", ds.GetSequence(DicomTag.ReferencedStudySequence)[0].GetString(DicomTag.StudyInstanceUID));
        Assert.Same(copy, copy.GetSequence(DicomTag.ReferencedStudySequence)[0].Parent);
    }

    [Fact]
    public void Tag_prints_and_parses_in_both_forms()
    {
        Assert.Equal("(0010,0010)", DicomTag.PatientName.ToString());
        Assert.Equal("00100010", DicomTag.PatientName.ToHexString());
        Assert.Equal(DicomTag.PatientName, DicomTag.Parse("(0010,0010)"));
        Assert.Equal(DicomTag.PatientName, DicomTag.Parse("0010,0010"));
        Assert.Equal(DicomTag.PatientName, DicomTag.Parse("00100010"));
        Assert.Equal(DicomTag.PatientName, DicomTag.Parse("PatientName"));
        Assert.False(DicomTag.TryParse("(GGGG,0010)", out _));
    }

    [Fact]
    public void Every_vr_of_the_current_standard_is_known_with_its_length_layout()
    {
        string[] all = ["AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO", "LT", "OB", "OD", "OF", "OL", "OV", "OW", "PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US", "UT", "UV"];
        string[] longLength = ["OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"];

        foreach (var code in all)
        {
            var vr = DicomVRInfo.Parse(code);
            Assert.True(vr.IsKnown());
            Assert.Equal(code, vr.Code());
            Assert.Equal(longLength.Contains(code), vr.HasLongExplicitLength());
        }

        Assert.False(DicomVRInfo.TryParse("ZZ", out _));
    }
}
