using Pacs.Dicom;
using Pacs.Dimse;
using Pacs.Gateway.Archive;
using Pacs.Gateway.QueryRetrieve;

namespace Pacs.Gateway.Tests.QueryRetrieve;

/// <summary>PS3.4 C.2.2.2 matching as the gateway applies it to keys the archive leaves to it.</summary>
public sealed class MatchingTests
{
    private static FindKey Key(DicomTag tag, string value)
    {
        var vr = DicomDictionary.GetVR(tag);
        return new FindKey { Tag = tag, VR = vr, Match = FindKeyParser.Classify(tag, vr, value) };
    }

    private static bool Matches(DicomDataset entity, params FindKey[] keys) => LocalMatcher.Matches(entity, keys);

    [Theory]
    [InlineData("Hill*", true)]
    [InlineData("?ill^H*", true)]
    [InlineData("*Hans*", true)]
    [InlineData("hill*", false)]
    [InlineData("Hill", false)]
    [InlineData("Hill^Hans^K^^Sr", true)]
    [InlineData("Hill^Hans^K", false)]
    public void Person_names_match_wildcards_and_single_values_case_sensitively(string key, bool expected)
    {
        var entity = new DicomDataset().Set(DicomTag.PatientName, DicomVR.PN, "Hill^Hans^K^^Sr");
        Assert.Equal(expected, Matches(entity, Key(DicomTag.PatientName, key)));
    }

    [Fact]
    public void Trailing_empty_name_components_do_not_prevent_a_single_value_match()
    {
        var entity = new DicomDataset().Set(DicomTag.PatientName, DicomVR.PN, "Doe^John^^^");
        Assert.True(Matches(entity, Key(DicomTag.PatientName, "Doe^John")));
    }

    [Theory]
    [InlineData("20230101-20231231", true)]
    [InlineData("-20230710", true)]
    [InlineData("20230711-", false)]
    [InlineData("20230710", true)]
    [InlineData("2023.07.10", true)]
    [InlineData("20230709", false)]
    public void Dates_match_single_values_and_inclusive_ranges_open_on_either_side(string key, bool expected)
    {
        var entity = new DicomDataset().Set(DicomTag.StudyDate, DicomVR.DA, "20230710");
        Assert.Equal(expected, Matches(entity, Key(DicomTag.StudyDate, key)));
    }

    [Theory]
    [InlineData("07", true)]
    [InlineData("0730", true)]
    [InlineData("0731", false)]
    [InlineData("0700-0730", true)]
    [InlineData("073016-", false)]
    public void A_time_names_a_period_and_ranges_cover_whole_periods(string key, bool expected)
    {
        var entity = new DicomDataset().Set(DicomTag.StudyTime, DicomVR.TM, "073015.5");
        Assert.Equal(expected, Matches(entity, Key(DicomTag.StudyTime, key)));
    }

    [Fact]
    public void A_date_and_a_time_given_together_are_one_date_time_range()
    {
        var date = Key(DicomTag.StudyDate, "20230101-20230102");
        var time = Key(DicomTag.StudyTime, "2200-0200");
        var lateEvening = new DicomDataset().Set(DicomTag.StudyDate, DicomVR.DA, "20230101").Set(DicomTag.StudyTime, DicomVR.TM, "235900");
        var morning = new DicomDataset().Set(DicomTag.StudyDate, DicomVR.DA, "20230101").Set(DicomTag.StudyTime, DicomVR.TM, "100000");
        var nextNight = new DicomDataset().Set(DicomTag.StudyDate, DicomVR.DA, "20230102").Set(DicomTag.StudyTime, DicomVR.TM, "0100");
        var afterEnd = new DicomDataset().Set(DicomTag.StudyDate, DicomVR.DA, "20230102").Set(DicomTag.StudyTime, DicomVR.TM, "020100");

        // 2023-01-01 22:00 to 2023-01-02 02:00, not 22:00-02:00 on each day.
        Assert.True(Matches(lateEvening, date, time));
        Assert.True(Matches(nextNight, date, time));
        Assert.False(Matches(morning, date, time));
        Assert.False(Matches(afterEnd, date, time));
    }

    [Theory]
    [InlineData("2019-2021", true)]
    [InlineData("2021-", false)]
    [InlineData("202003151200+0100", true)]
    [InlineData("202003151200+0000", false)]
    [InlineData("202003151100+0000", true)]
    [InlineData("20200315-20200315", true)]
    public void Date_times_keep_year_ranges_apart_from_utc_offsets(string key, bool expected)
    {
        // The stored value is the site's local time, here +01:00.
        var entity = new DicomDataset().Set(DicomTag.AcquisitionDateTime, DicomVR.DT, "20200315120030");
        var vr = DicomDictionary.GetVR(DicomTag.AcquisitionDateTime);
        var zone = TimeZoneInfo.CreateCustomTimeZone("Test+01", TimeSpan.FromHours(1), "Test+01", "Test+01");
        var match = new FindKey { Tag = DicomTag.AcquisitionDateTime, VR = vr, Match = FindKeyParser.Classify(DicomTag.AcquisitionDateTime, vr, key, zone) };
        Assert.Equal(expected, Matches(entity, match));
    }

    private static readonly TimeZoneInfo PlusTwo = TimeZoneInfo.CreateCustomTimeZone("Test+02", TimeSpan.FromHours(2), "Test+02", "Test+02");

    [Fact]
    public void A_date_time_key_with_a_utc_offset_becomes_the_same_period_in_the_sites_time_zone()
    {
        // PS3.5 6.2 DT &ZZXX: 12:00-12:59 at +01:00 is 11:xx UTC, 13:xx at +02:00.
        var key = FindKeyParser.Classify(DicomTag.AcquisitionDateTime, DicomVR.DT, "2024031512+0100", PlusTwo);
        Assert.Equal(ArchiveMatchKind.Range, key.Kind);
        Assert.Equal("20240315130000.000000", key.RangeStart);
        Assert.Equal("20240315135959.999999", key.RangeEnd);

        // A fraction names its own period; a negative offset crosses midnight.
        key = FindKeyParser.Classify(DicomTag.AcquisitionDateTime, DicomVR.DT, "20240315233000.5-0100", PlusTwo);
        Assert.Equal(("20240316023000.500000", "20240316023000.599999"), (key.RangeStart, key.RangeEnd));

        // A year with an offset still starts on 1 January.
        key = FindKeyParser.Classify(DicomTag.AcquisitionDateTime, DicomVR.DT, "2024+0200", PlusTwo);
        Assert.Equal(("20240101000000.000000", "20241231235959.999999"), (key.RangeStart, key.RangeEnd));
    }

    [Fact]
    public void Date_time_range_bounds_with_different_offsets_are_each_moved_into_the_sites_time_zone()
    {
        var key = FindKeyParser.Classify(DicomTag.AcquisitionDateTime, DicomVR.DT, "202403151200-0500-202403160300+0900", TimeZoneInfo.Utc);
        Assert.Equal(ArchiveMatchKind.Range, key.Kind);
        Assert.Equal("20240315170000.000000", key.RangeStart);
        Assert.Equal("20240315180059.999999", key.RangeEnd);

        // Only the bound with an offset moves; an open end stays open.
        key = FindKeyParser.Classify(DicomTag.AcquisitionDateTime, DicomVR.DT, "202403151200+0000-", PlusTwo);
        Assert.Equal(("20240315140000.000000", (string?)null), (key.RangeStart, key.RangeEnd));
        key = FindKeyParser.Classify(DicomTag.AcquisitionDateTime, DicomVR.DT, "2023-202403151200+0000", PlusTwo);
        Assert.Equal(("2023", "20240315140059.999999"), (key.RangeStart, key.RangeEnd));
    }

    [Fact]
    public void A_date_time_range_that_ends_before_it_starts_once_offsets_are_applied_is_refused()
    {
        // 12:00 at -05:00 is 17:00 UTC; 13:00 at +09:00 is 04:00 UTC.
        var error = Assert.Throws<DimseStatusException>(() =>
            FindKeyParser.Classify(DicomTag.AcquisitionDateTime, DicomVR.DT, "202403151200-0500-202403151300+0900", TimeZoneInfo.Utc));
        Assert.Equal(DimseStatus.UnableToProcess, error.Status);
        Assert.Contains("ends before it starts", error.ErrorComment, StringComparison.Ordinal);
    }

    [Fact]
    public void Date_time_keys_without_an_offset_are_passed_on_as_written()
    {
        var key = FindKeyParser.Classify(DicomTag.AcquisitionDateTime, DicomVR.DT, "2024031512", PlusTwo);
        Assert.Equal(ArchiveMatchKind.Single, key.Kind);
        Assert.Equal("2024031512", key.Value);
        Assert.Equal(ArchiveMatchKind.Range, FindKeyParser.Classify(DicomTag.AcquisitionDateTime, DicomVR.DT, "2019-2021", PlusTwo).Kind);
    }

    [Fact]
    public void Uid_lists_match_any_uid_and_a_lone_star_is_universal()
    {
        var entity = new DicomDataset().Set(DicomTag.StudyInstanceUID, DicomVR.UI, "1.2.3.4");
        var list = Key(DicomTag.StudyInstanceUID, "1.2.3.5\\1.2.3.4");
        Assert.Equal(ArchiveMatchKind.UidList, list.Match.Kind);
        Assert.True(Matches(entity, list));
        Assert.False(Matches(entity, Key(DicomTag.StudyInstanceUID, "1.2.3.5\\1.2.3.6")));
        Assert.Equal(ArchiveMatchKind.Universal, Key(DicomTag.StudyInstanceUID, "*").Match.Kind);
    }

    [Fact]
    public void Several_values_of_a_code_string_match_any_of_them()
    {
        var entity = new DicomDataset().Set(DicomTag.ModalitiesInStudy, DicomVR.CS, "CT", "SR");
        Assert.True(Matches(entity, Key(DicomTag.ModalitiesInStudy, "MR\\SR")));
        Assert.False(Matches(entity, Key(DicomTag.ModalitiesInStudy, "MR\\US")));
    }

    [Fact]
    public void An_absent_attribute_matches_only_universal_keys()
    {
        var entity = new DicomDataset();
        Assert.True(Matches(entity, Key(DicomTag.AccessionNumber, "")));
        Assert.False(Matches(entity, Key(DicomTag.AccessionNumber, "A*")));
    }

    [Fact]
    public void Keys_of_a_sequence_item_must_hold_within_one_item()
    {
        var item = new DicomDataset().Set(DicomTag.Modality, DicomVR.CS, "MR").Set(DicomTag.ScheduledStationAETitle, DicomVR.AE, "CT1");
        var identifier = new DicomDataset().Set(new DicomSequence(DicomTag.ScheduledProcedureStepSequence, [item]));
        var keys = FindKeyParser.Parse(identifier, QueryModel.IsControlAttribute);
        var split = new DicomDataset().Set(new DicomSequence(DicomTag.ScheduledProcedureStepSequence,
        [
            new DicomDataset().Set(DicomTag.Modality, DicomVR.CS, "MR").Set(DicomTag.ScheduledStationAETitle, DicomVR.AE, "MR1"),
            new DicomDataset().Set(DicomTag.Modality, DicomVR.CS, "CT").Set(DicomTag.ScheduledStationAETitle, DicomVR.AE, "CT1"),
        ]));
        var together = new DicomDataset().Set(new DicomSequence(DicomTag.ScheduledProcedureStepSequence,
        [
            new DicomDataset().Set(DicomTag.Modality, DicomVR.CS, "MR").Set(DicomTag.ScheduledStationAETitle, DicomVR.AE, "CT1"),
        ]));
        Assert.False(LocalMatcher.Matches(split, keys));
        Assert.True(LocalMatcher.Matches(together, keys));
    }

    [Theory]
    [InlineData(0x00080020u, "2023-13-45", "StudyDate")]
    [InlineData(0x00080020u, "20231301", "StudyDate")]
    [InlineData(0x00080020u, "20231231-20230101", "ends before it starts")]
    [InlineData(0x0020000Du, "1.2..3", "is not a UID")]
    [InlineData(0x00080030u, "25", "StudyTime")]
    public void Malformed_values_are_refused_with_C000_naming_the_attribute(uint tag, string value, string reason)
    {
        var dicomTag = new DicomTag(tag);
        var error = Assert.Throws<DimseStatusException>(() => FindKeyParser.Classify(dicomTag, DicomDictionary.GetVR(dicomTag), value));
        Assert.Equal(DimseStatus.UnableToProcess, error.Status);
        Assert.Contains(reason, error.ErrorComment, StringComparison.Ordinal);
    }

    [Fact]
    public void Responses_keep_the_requested_character_set_when_values_fit_and_fall_back_to_utf8()
    {
        var keys = new[] { Key(DicomTag.PatientName, ""), Key(DicomTag.PatientID, "") };
        var latin = new DicomDataset().Set(DicomTag.SpecificCharacterSet, DicomVR.CS, "ISO_IR 192").Set(DicomTag.PatientName, DicomVR.PN, "Müller^Jürgen");
        var fits = FindResponseBuilder.Build(latin, keys, new HashSet<DicomTag>(), "ISO_IR 100");
        Assert.Equal("ISO_IR 100", fits.GetString(DicomTag.SpecificCharacterSet));
        Assert.Equal("Müller^Jürgen", fits.GetString(DicomTag.PatientName));
        Assert.NotNull(fits.Get(DicomTag.PatientID));
        Assert.Equal(0, fits.Get(DicomTag.PatientID)!.Length);

        var japanese = new DicomDataset().Set(DicomTag.SpecificCharacterSet, DicomVR.CS, "ISO_IR 192").Set(DicomTag.PatientName, DicomVR.PN, "山田^太郎");
        var utf8 = FindResponseBuilder.Build(japanese, keys, new HashSet<DicomTag>(), "ISO_IR 100");
        Assert.Equal("ISO_IR 192", utf8.GetString(DicomTag.SpecificCharacterSet));
        Assert.Equal("山田^太郎", utf8.GetString(DicomTag.PatientName));
    }

    [Fact]
    public void The_qido_query_string_carries_lists_ranges_wildcards_and_include_fields()
    {
        var query = new ArchiveQuery
        {
            Level = ArchiveQueryLevel.Study,
            Keys =
            [
                ArchiveMatchKey.UidList(DicomTag.StudyInstanceUID, ["1.2.3", "1.2.4"]),
                ArchiveMatchKey.Range(DicomTag.StudyDate, "20230101", null),
                ArchiveMatchKey.Wildcard(DicomTag.PatientName, "Hill^*"),
                ArchiveMatchKey.Universal(DicomTag.AccessionNumber),
            ],
            IncludeFields = [DicomTag.AccessionNumber, DicomTag.StudyDescription],
            Offset = 200,
            Limit = 200,
        };
        Assert.Equal("?0020000D=1.2.3%2C1.2.4&00080020=20230101-&00100010=Hill%5E%2A&includefield=00080050%2C00081030&limit=200&offset=200",
            DicomWebArchiveClient.QueryString(query));
    }
}
