using Pacs.Dicom;

namespace Pacs.Archive.Tests.Model;

public sealed class KeyAndConditionTests
{
    [Theory]
    [InlineData("20240105", "20240105")]
    [InlineData("2024.01.05", "20240105")]
    [InlineData("20240230", null)]
    [InlineData("2024", null)]
    [InlineData("", null)]
    public void Date_keys_are_YYYYMMDD_or_null(string value, string? expected) => Assert.Equal(expected, DicomKeys.Date(value));

    [Theory]
    [InlineData("07", false, "070000.000000")]
    [InlineData("07", true, "075959.999999")]
    [InlineData("1015", true, "101559.999999")]
    [InlineData("101530.5", false, "101530.500000")]
    [InlineData("101530.5", true, "101530.599999")]
    [InlineData("10:15:30", false, "101530.000000")]
    [InlineData("2500", false, null)]
    [InlineData("101", false, null)]
    public void Time_bounds_pad_to_the_start_or_end_of_the_period_the_value_names(string value, bool upper, string? expected) =>
        Assert.Equal(expected, DicomKeys.TimeBound(value, upper));

    [Theory]
    [InlineData("2024", false, "20240101000000.000000")]
    [InlineData("2024", true, "20241231235959.999999")]
    [InlineData("20240105101530+0100", false, "20240105101530.000000")]
    [InlineData("202401", true, "20240131235959.999999")]
    public void DateTime_bounds_pad_and_drop_the_offset(string value, bool upper, string expected) =>
        Assert.Equal(expected, DicomKeys.DateTimeBound(value, upper));

    [Fact]
    public void Acquisition_key_prefers_AcquisitionDateTime_then_date_and_time_then_content()
    {
        var ds = new DicomDataset();
        ds.Set(DicomTag.ContentDate, "20240101");
        ds.Set(DicomTag.ContentTime, "090000");
        Assert.Equal("20240101090000.000000", DicomKeys.AcquisitionKey(ds));
        ds.Set(DicomTag.AcquisitionDate, "20240102");
        ds.Set(DicomTag.AcquisitionTime, "080000");
        Assert.Equal("20240102080000.000000", DicomKeys.AcquisitionKey(ds));
        ds.Set(DicomTag.AcquisitionDateTime, "20240103070000");
        Assert.Equal("20240103070000.000000", DicomKeys.AcquisitionKey(ds));
    }

    [Theory]
    [InlineData("Müller^Hans^^Dr", " MULLER HANS DR ")]
    [InlineData("O'Brien^Anne-Marie", " O'BRIEN ANNE-MARIE ")]
    [InlineData("Yamada^Tarou=山田^太郎", " YAMADA TAROU 山田 太郎 ")]
    [InlineData("", null)]
    public void Fuzzy_form_of_a_name_is_upper_case_without_accents_one_word_per_component(string name, string? expected) =>
        Assert.Equal(expected, PersonNameMatching.Normalize(name));

    [Theory]
    [InlineData("StudyDate", "20240101-20240131", MatchKind.Range)]
    [InlineData("StudyDate", "-20240131", MatchKind.Range)]
    [InlineData("StudyDate", "20240101", MatchKind.Single)]
    [InlineData("AcquisitionDateTime", "2019-2021", MatchKind.Range)]
    [InlineData("AcquisitionDateTime", "20240101120000-0500", MatchKind.Single)]
    [InlineData("StudyInstanceUID", "1.2.3,1.2.4", MatchKind.UidList)]
    [InlineData("StudyInstanceUID", "1.2.3\\1.2.4", MatchKind.UidList)]
    [InlineData("StudyInstanceUID", "1.2.*", MatchKind.Single)]
    [InlineData("PatientName", "Sm?th*", MatchKind.Wildcard)]
    [InlineData("PatientName", "", MatchKind.Universal)]
    [InlineData("PatientName", "\"\"", MatchKind.Empty)]
    [InlineData("SeriesNumber", "1*", MatchKind.Single)]
    public void Parse_classifies_a_request_value_by_the_attribute_VR(string keyword, string value, MatchKind expected) =>
        Assert.Equal(expected, MatchCondition.Parse(DicomTag.Parse(keyword), value).Kind);

    [Fact]
    public void Parse_splits_a_range_into_its_bounds()
    {
        var condition = MatchCondition.Parse(DicomTag.StudyDate, "20240101-");
        Assert.Equal(("20240101", (string?)null), (condition.RangeStart, condition.RangeEnd));
    }

    [Fact]
    public void Every_supported_key_is_supported_at_its_level_and_below_but_not_above()
    {
        Assert.True(QueryService.IsSupportedKey(QueryLevel.Study, DicomTag.PatientName));
        Assert.True(QueryService.IsSupportedKey(QueryLevel.Instance, DicomTag.StudyDate));
        Assert.False(QueryService.IsSupportedKey(QueryLevel.Study, DicomTag.Modality));
        Assert.False(QueryService.IsSupportedKey(QueryLevel.Series, DicomTag.SOPInstanceUID));
        Assert.False(QueryService.IsSupportedKey(QueryLevel.Instance, DicomTag.InstitutionAddress));
    }
}
