using Pacs.Dicom;
using Pacs.DicomWeb.Problems;
using Pacs.DicomWeb.Query;

namespace Pacs.DicomWeb.Tests.Query;

public class QidoQueryParserTests
{
    private static QidoQuery Parse(string query, QidoLevel level = QidoLevel.Study, string? study = null, string? series = null) =>
        QidoQueryParser.Parse(level, study, series, query);

    private static QidoCondition Condition(string query) => Assert.Single(Parse(query).Conditions);

    private static DicomWebProblem Refused(string query)
    {
        var problem = Assert.Throws<DicomWebException>(() => Parse(query)).Problem;
        Assert.Equal(400, problem.Status);
        return problem;
    }

    [Fact]
    public void Keyword_and_tag_keys_name_the_same_attribute()
    {
        var byKeyword = Condition("PatientID=12345");
        var byTag = Condition("00100020=12345");

        Assert.Equal(byKeyword, byTag with { Values = byKeyword.Values });
        Assert.Equal(DicomTag.PatientID, byKeyword.Attribute.Leaf);
        Assert.Equal(DicomVR.LO, byKeyword.VR);
        Assert.Equal(QidoMatchKind.Single, byKeyword.Kind);
        Assert.Equal(["12345"], byKeyword.Values);
    }

    [Fact]
    public void Lower_case_hex_tags_are_accepted()
    {
        Assert.Equal(DicomTag.StudyInstanceUID, Condition("0020000d=1.2.3").Attribute.Leaf);
    }

    [Fact]
    public void Values_are_percent_decoded_and_plus_stays_a_plus()
    {
        var condition = Condition("PatientName=M%C3%BCller%5EJ%C3%BCrgen");
        Assert.Equal(["Müller^Jürgen"], condition.Values);

        var offset = Condition("AcquisitionDateTime=20200101120000+0100");
        Assert.Equal(["20200101120000+0100"], offset.Values);
    }

    [Fact]
    public void Empty_value_is_universal_matching()
    {
        var condition = Condition("PatientName=");

        Assert.Equal(QidoMatchKind.Universal, condition.Kind);
        Assert.Empty(condition.Values);
    }

    [Theory]
    [InlineData("PatientName=Doe*", QidoMatchKind.Wildcard)]
    [InlineData("PatientName=D?e", QidoMatchKind.Wildcard)]
    [InlineData("StudyDescription=*head*", QidoMatchKind.Wildcard)]
    [InlineData("PatientName=*", QidoMatchKind.Universal)]
    [InlineData("PatientName=**", QidoMatchKind.Universal)]
    [InlineData("AccessionNumber=A123", QidoMatchKind.Single)]
    public void Star_and_question_mark_are_wildcards_in_text_attributes(string query, QidoMatchKind kind)
    {
        Assert.Equal(kind, Condition(query).Kind);
    }

    [Fact]
    public void UID_list_may_be_comma_separated_or_repeated()
    {
        var commas = Condition("StudyInstanceUID=1.2.3,1.2.4");
        var repeated = Condition("StudyInstanceUID=1.2.3&StudyInstanceUID=1.2.4");
        var encoded = Condition("StudyInstanceUID=1.2.3%2C1.2.4&0020000D=1.2.3");

        Assert.All(new[] { commas, repeated, encoded }, c =>
        {
            Assert.Equal(QidoMatchKind.List, c.Kind);
            Assert.Equal(["1.2.3", "1.2.4"], c.Values);
        });
    }

    [Fact]
    public void A_single_UID_is_single_value_matching()
    {
        Assert.Equal(QidoMatchKind.Single, Condition("SOPInstanceUID=1.2.840.10008.1").Kind);
    }

    [Fact]
    public void Code_string_lists_match_any_value()
    {
        var condition = Condition("ModalitiesInStudy=CT,MR");

        Assert.Equal(QidoMatchKind.List, condition.Kind);
        Assert.Equal(["CT", "MR"], condition.Values);
    }

    [Theory]
    [InlineData("StudyInstanceUID=1.2.abc")]
    [InlineData("StudyInstanceUID=1..2")]
    [InlineData("StudyInstanceUID=1.2,")]
    [InlineData("StudyInstanceUID=1.2.*")]
    public void Malformed_UIDs_are_refused_naming_the_UID_and_the_attribute(string query)
    {
        var problem = Refused(query);

        Assert.Equal("0020000D", problem.Tag);
        Assert.Equal("StudyInstanceUID", problem.Keyword);
        Assert.Contains("is not a UID", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_repeated_non_list_attribute_is_refused()
    {
        var problem = Refused("PatientID=1&PatientID=2");

        Assert.Contains("given twice", problem.Detail, StringComparison.Ordinal);
        Assert.Equal("PatientID", problem.Keyword);
    }

    [Theory]
    [InlineData("StudyDate=20200101-20201231", "20200101", "20201231")]
    [InlineData("StudyDate=-20201231", null, "20201231")]
    [InlineData("StudyDate=20200101-", "20200101", null)]
    [InlineData("StudyDate=20200101-20200101", "20200101", "20200101")]
    [InlineData("StudyTime=0800-1730", "0800", "1730")]
    [InlineData("StudyTime=08-", "08", null)]
    [InlineData("StudyTime=-120000.5", null, "120000.5")]
    [InlineData("StudyTime=10-10", "10", "10")]
    [InlineData("AcquisitionDateTime=2020-2021", "2020", "2021")]
    [InlineData("AcquisitionDateTime=20200101120000-20200101130000", "20200101120000", "20200101130000")]
    [InlineData("AcquisitionDateTime=20200101120000-0500-20200101130000-0500", "20200101120000-0500", "20200101130000-0500")]
    [InlineData("AcquisitionDateTime=-202001", null, "202001")]
    public void Date_and_time_ranges_keep_their_bounds(string query, string? lower, string? upper)
    {
        var condition = Condition(query);

        Assert.Equal(QidoMatchKind.Range, condition.Kind);
        Assert.Equal(new QidoRange(lower, upper), condition.Range);
    }

    [Theory]
    [InlineData("StudyDate=20200229")]
    [InlineData("StudyTime=235959.999999")]
    [InlineData("StudyTime=1200")]
    [InlineData("AcquisitionDateTime=20200101120000-0500")]
    [InlineData("AcquisitionDateTime=20200101+0100")]
    [InlineData("AcquisitionDateTime=20200101-0500")] // not a range to the year 500: a date with its offset
    [InlineData("AcquisitionDateTime=2020")]
    public void Single_dates_and_times_are_checked_and_kept(string query)
    {
        var condition = Condition(query);

        Assert.Equal(QidoMatchKind.Single, condition.Kind);
        Assert.Equal(query[(query.IndexOf('=') + 1)..], Assert.Single(condition.Values));
    }

    [Fact]
    public void A_time_range_that_ends_before_it_starts_is_accepted_beside_a_date_range_of_its_pair()
    {
        // PS3.4 C.2.2.2.5.1: StudyDate and StudyTime ranges combine into one date-time range.
        var query = Parse("StudyDate=20160101-20160301&StudyTime=1000-0900");

        var time = Assert.Single(query.Conditions, c => c.Attribute.Leaf == DicomTag.StudyTime);
        Assert.Equal(new QidoRange("1000", "0900"), time.Range);
        Assert.Contains("ends before it starts", Refused("SeriesDate=20160101-20160301&StudyTime=1000-0900").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_UID_list_may_be_separated_by_backslashes_as_well_as_commas()
    {
        var condition = Condition("StudyInstanceUID=1.2.3\\1.2.4,1.2.5");

        Assert.Equal(QidoMatchKind.List, condition.Kind);
        Assert.Equal(["1.2.3", "1.2.4", "1.2.5"], condition.Values);
    }

    [Theory]
    [InlineData("StudyDate=20201231-20200101", "ends before it starts")]
    [InlineData("StudyTime=1800-0800", "ends before it starts")]
    [InlineData("AcquisitionDateTime=2021-2020", "ends before it starts")]
    [InlineData("StudyDate=2020-01-01", "not a date")]
    [InlineData("StudyDate=20200230", "not a date")]
    [InlineData("StudyDate=-", "not a date")]
    [InlineData("StudyDate=2020", "not a date")]
    [InlineData("StudyDate=*", "not a date")]
    [InlineData("StudyTime=2500", "not a time")]
    [InlineData("StudyTime=12:00", "not a time")]
    [InlineData("AcquisitionDateTime=20201301", "not a date-time")]
    [InlineData("AcquisitionDateTime=-", "not a date-time")]
    public void Bad_dates_and_ranges_are_refused_with_the_reason(string query, string reason)
    {
        var problem = Refused(query);

        Assert.Contains(reason, problem.Detail, StringComparison.Ordinal);
        Assert.NotNull(problem.Tag);
    }

    [Theory]
    [InlineData("NumberOfStudyRelatedInstances=12")]
    [InlineData("SeriesNumber=-3")]
    [InlineData("SliceThickness=2.5")]
    [InlineData("SliceThickness=1e-1")]
    public void Numbers_are_checked_and_kept(string query)
    {
        Assert.Equal(QidoMatchKind.Single, Condition(query).Kind);
    }

    [Theory]
    [InlineData("SeriesNumber=abc", "whole number")]
    [InlineData("SeriesNumber=1.5", "whole number")]
    [InlineData("SliceThickness=thin", "decimal number")]
    [InlineData("NumberOfFrames=*", "whole number")]
    public void Bad_numbers_are_refused(string query, string reason)
    {
        Assert.Contains(reason, Refused(query).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Sequence_paths_name_attributes_inside_items()
    {
        var byKeyword = Condition("ReferencedStudySequence.ReferencedSOPInstanceUID=1.2.3");
        var byTag = Condition("00081110.00081155=1.2.3");

        Assert.Equal(new QidoAttributePath(DicomTag.ReferencedStudySequence, DicomTag.ReferencedSOPInstanceUID), byKeyword.Attribute);
        Assert.Equal(byKeyword.Attribute, byTag.Attribute);
        Assert.True(byKeyword.Attribute.IsNested);
        Assert.Equal("00081110.00081155", byKeyword.Attribute.ToString());
        Assert.Equal(DicomVR.UI, byKeyword.VR);
    }

    [Fact]
    public void A_path_through_an_attribute_that_is_not_a_sequence_is_refused()
    {
        var problem = Refused("PatientName.FamilyName=Doe");

        Assert.Contains("not a sequence", problem.Detail, StringComparison.Ordinal);
        Assert.Equal("PatientName", problem.Keyword);
    }

    [Fact]
    public void A_sequence_matches_only_universally_or_through_its_items()
    {
        Assert.Equal(QidoMatchKind.Universal, Condition("ReferencedStudySequence=").Kind);
        Assert.Contains("is a sequence", Refused("ReferencedStudySequence=1.2.3").Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PatientNam=Doe", "'PatientNam'")]
    [InlineData("foo=bar", "'foo'")]
    [InlineData("0011ZZZZ=1", "'0011ZZZZ'")]
    [InlineData("patientname=Doe", "did you mean PatientName?")]
    [InlineData("Limit=10", "'Limit'")]
    public void Unknown_keys_are_refused_by_name(string query, string mention)
    {
        var problem = Refused(query);

        Assert.Contains("Unknown query parameter", problem.Detail, StringComparison.Ordinal);
        Assert.Contains(mention, problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tag_missing_from_the_dictionary_is_refused()
    {
        Assert.Contains("not in the PS3.6 data dictionary", Refused("00100011=x").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_private_tag_is_taken_with_VR_UN()
    {
        var condition = Condition("00191010=abc");

        Assert.Equal(DicomVR.UN, condition.VR);
        Assert.Equal(QidoMatchKind.Single, condition.Kind);
    }

    [Fact]
    public void Includefield_takes_lists_repeats_encoded_commas_and_paths()
    {
        var query = Parse("includefield=PatientAge,00101030&includefield=StudyDescription%2CReferencedStudySequence.ReferencedSOPInstanceUID&includefield=PatientAge");

        Assert.Equal(
            [
                new QidoAttributePath(DicomTag.PatientAge),
                new QidoAttributePath(DicomTag.PatientWeight),
                new QidoAttributePath(DicomTag.StudyDescription),
                new QidoAttributePath(DicomTag.ReferencedStudySequence, DicomTag.ReferencedSOPInstanceUID),
            ],
            query.IncludeFields);
        Assert.False(query.IncludeAllFields);
    }

    [Fact]
    public void Includefield_all_asks_for_everything()
    {
        var query = Parse("includefield=PatientAge&includefield=all");

        Assert.True(query.IncludeAllFields);
        Assert.Empty(query.IncludeFields);
    }

    [Fact]
    public void Includefield_with_an_unknown_attribute_is_refused()
    {
        Assert.Contains("includefield=Nonsense", Refused("includefield=Nonsense").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Paging_and_flags_are_read()
    {
        var query = Parse("limit=25&offset=50&fuzzymatching=true&emptyvaluematching=TRUE&multiplevaluematching=false");

        Assert.Equal(25, query.Limit);
        Assert.Equal(50, query.Offset);
        Assert.True(query.FuzzyMatching);
        Assert.True(query.EmptyValueMatching);
        Assert.False(query.MultipleValueMatching);
    }

    [Fact]
    public void Defaults_without_parameters_are_no_limit_no_offset_exact_matching()
    {
        var query = Parse(string.Empty, QidoLevel.Instance, "1.2.3", "1.2.3.4");

        Assert.Equal(QidoLevel.Instance, query.Level);
        Assert.Equal("1.2.3", query.StudyInstanceUid);
        Assert.Equal("1.2.3.4", query.SeriesInstanceUid);
        Assert.Null(query.Limit);
        Assert.Equal(0, query.Offset);
        Assert.False(query.FuzzyMatching);
        Assert.Empty(query.Conditions);
    }

    [Theory]
    [InlineData("limit=-1", "limit=-1")]
    [InlineData("limit=ten", "limit=ten")]
    [InlineData("offset=1.5", "offset=1.5")]
    [InlineData("limit=99999999999", "limit=99999999999")]
    [InlineData("limit=1&limit=2", "limit is given twice")]
    [InlineData("fuzzymatching=yes", "true or false")]
    [InlineData("fuzzymatching=true&fuzzymatching=false", "different values")]
    public void Bad_paging_and_flag_values_are_refused(string query, string mention)
    {
        Assert.Contains(mention, Refused(query).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_accept_parameter_is_left_to_content_negotiation()
    {
        var query = Parse("accept=application%2Fdicom%2Bjson&PatientID=1");

        Assert.Single(query.Conditions);
    }

    [Fact]
    public void A_malformed_UID_in_the_path_is_refused()
    {
        var problem = Assert.Throws<DicomWebException>(() => Parse(string.Empty, QidoLevel.Series, "not-a-uid")).Problem;

        Assert.Equal("not-a-uid", problem.Uid);
        Assert.Equal("StudyInstanceUID", problem.Keyword);
    }

    [Fact]
    public void Conditions_keep_their_order()
    {
        var query = Parse("?StudyDate=20200101-&PatientName=Doe*&ModalitiesInStudy=CT");

        Assert.Equal([DicomTag.StudyDate, DicomTag.PatientName, DicomTag.ModalitiesInStudy], query.Conditions.Select(c => c.Attribute.Leaf));
    }
}
