using Pacs.DicomWeb.Negotiation;

namespace Pacs.DicomWeb.Tests.Negotiation;

public class InstanceNegotiationTests
{
    private const string Ele = "1.2.840.10008.1.2.1";
    private const string Ile = "1.2.840.10008.1.2";
    private const string JpegBaseline = "1.2.840.10008.1.2.4.50";
    private const string JpegLossless = "1.2.840.10008.1.2.4.70";

    private static NegotiationResult Negotiate(string? header, string stored, string? query = null, Func<string, string, bool>? transcode = null, bool single = false) =>
        ContentNegotiator.Negotiate(
            DicomWebResourceKind.Instances,
            AcceptableMediaTypes.From(query, header),
            new RepresentationSource { StoredTransferSyntaxUid = stored, CanTranscode = transcode, SingleItem = single });

    [Fact]
    public void Any_media_type_gets_multipart_DICOM_in_Explicit_VR_Little_Endian()
    {
        var result = Negotiate("*/*", Ele);

        Assert.True(result.IsAcceptable);
        Assert.Equal(new NegotiatedRepresentation("application/dicom", true, Ele), result.Selected);
        Assert.Equal("multipart/related; type=\"application/dicom\"; boundary=b", result.Selected.GetContentType("b"));
        Assert.Equal("application/dicom; transfer-syntax=1.2.840.10008.1.2.1", result.Selected.PartContentType);
    }

    [Fact]
    public void Transfer_syntax_star_sends_the_instance_as_stored()
    {
        var result = Negotiate("multipart/related; type=\"application/dicom\"; transfer-syntax=*", JpegBaseline);

        Assert.Equal(new NegotiatedRepresentation("application/dicom", true, JpegBaseline), result.Selected);
    }

    [Fact]
    public void Transfer_syntax_inside_the_type_parameter_is_understood()
    {
        var result = Negotiate("multipart/related; type=\"application/dicom; transfer-syntax=1.2.840.10008.1.2.4.50\"", JpegBaseline);

        Assert.Equal(JpegBaseline, result.Selected!.TransferSyntaxUid);
    }

    [Fact]
    public void Uncompressed_request_for_a_compressed_instance_without_a_converter_is_406_naming_both_syntaxes()
    {
        var result = Negotiate("multipart/related; type=\"application/dicom\"", JpegBaseline);

        Assert.False(result.IsAcceptable);
        Assert.Equal(406, result.Problem.Status);
        Assert.Contains("Explicit VR Little Endian (1.2.840.10008.1.2.1) was asked for", result.Problem.Detail, StringComparison.Ordinal);
        Assert.Contains("stored as JPEG Baseline", result.Problem.Detail, StringComparison.Ordinal);
        Assert.Contains("transfer-syntax=*", result.Problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Uncompressed_request_is_transcoded_when_the_server_can()
    {
        var result = Negotiate("multipart/related; type=\"application/dicom\"", Ile, transcode: (from, to) => from == Ile && to == Ele);

        Assert.Equal(new NegotiatedRepresentation("application/dicom", true, Ele, IsTranscoded: true), result.Selected);
    }

    [Fact]
    public void Higher_weight_wins_over_order()
    {
        var header = $"multipart/related; type=\"application/dicom\"; transfer-syntax={Ele}; q=0.5, multipart/related; type=\"application/dicom\"; transfer-syntax=*";

        var result = Negotiate(header, JpegLossless, transcode: (_, _) => true);

        Assert.Equal(JpegLossless, result.Selected!.TransferSyntaxUid);
        Assert.False(result.Selected.IsTranscoded);
    }

    [Fact]
    public void An_undeliverable_preference_falls_through_to_the_next()
    {
        var header = $"multipart/related; type=\"application/dicom\"; transfer-syntax={JpegLossless}, multipart/related; type=\"application/dicom\"; transfer-syntax={JpegBaseline}; q=0.9";

        var result = Negotiate(header, JpegBaseline);

        Assert.Equal(JpegBaseline, result.Selected!.TransferSyntaxUid);
    }

    [Fact]
    public void Single_part_application_dicom_answers_one_instance_only()
    {
        Assert.Equal(new NegotiatedRepresentation("application/dicom", false, Ele), Negotiate("application/dicom", Ele, single: true).Selected);

        var forStudy = Negotiate("application/dicom", Ele);
        Assert.False(forStudy.IsAcceptable);
        Assert.Contains("single item", forStudy.Problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Accept_query_parameter_wins_over_the_header()
    {
        var result = Negotiate(
            "multipart/related; type=\"application/dicom\"; transfer-syntax=*",
            JpegBaseline,
            query: $"multipart/related; type=\"application/dicom\"; transfer-syntax={Ele}",
            transcode: (_, _) => true);

        Assert.Equal(Ele, result.Selected!.TransferSyntaxUid);
        Assert.True(result.Selected.IsTranscoded);
    }

    [Fact]
    public void Unsupported_query_parameter_falls_back_to_the_header()
    {
        var result = Negotiate("multipart/related; type=\"application/dicom\"; transfer-syntax=*", JpegBaseline, query: $"multipart/related; type=\"application/dicom\"; transfer-syntax={Ele}");

        Assert.Equal(JpegBaseline, result.Selected!.TransferSyntaxUid);
    }

    [Fact]
    public void Missing_accept_header_is_read_as_any_by_default()
    {
        Assert.True(Negotiate(null, Ele).IsAcceptable);
    }

    [Fact]
    public void Missing_accept_header_is_406_when_the_standard_is_followed_strictly()
    {
        var result = ContentNegotiator.Negotiate(
            DicomWebResourceKind.Instances,
            AcceptableMediaTypes.From(null, null, treatMissingAcceptAsAny: false),
            new RepresentationSource { StoredTransferSyntaxUid = Ele });

        Assert.Equal(406, result.Problem!.Status);
        Assert.Contains("no Accept header", result.Problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Wildcards_in_the_accept_query_parameter_are_ignored()
    {
        var acceptable = AcceptableMediaTypes.From("*/*", "multipart/related; type=\"application/dicom\"; transfer-syntax=*");

        Assert.Empty(acceptable.QueryParameter);
        Assert.Contains(acceptable.Ignored, i => i.Contains("wildcards", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("multipart/related; type=\"application/dicom\"; transfer-syntax=JPEG")]
    [InlineData("multipart/related; type=\"application/dicom\"; transfer-syntax=1..2")]
    public void A_transfer_syntax_that_is_not_a_UID_is_ignored_and_explained(string header)
    {
        var result = Negotiate(header, Ele);

        Assert.Equal(406, result.Problem!.Status);
        Assert.Contains("neither a UID nor '*'", result.Problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_zero_weight_on_the_default_excludes_it_even_under_a_wildcard()
    {
        var result = Negotiate("*/*, multipart/related; type=\"application/dicom\"; q=0", Ele);

        Assert.Equal(406, result.Problem!.Status);
    }

    [Theory]
    [InlineData("multipart/*")]
    [InlineData("multipart/related")]
    [InlineData("application/*")]
    [InlineData("multipart/related; type=\"*/*\"")]
    public void Wildcards_that_cover_the_default_select_it(string header)
    {
        Assert.Equal(Ele, Negotiate(header, Ele).Selected!.TransferSyntaxUid);
    }

    [Theory]
    [InlineData("image/*")]
    [InlineData("application/dicom+json")]
    [InlineData("multipart/related; type=\"application/octet-stream\"")]
    public void Media_types_of_other_resources_are_406(string header)
    {
        Assert.Equal(406, Negotiate(header, Ele).Problem!.Status);
    }

    [Fact]
    public void Instance_negotiation_needs_the_stored_transfer_syntax()
    {
        Assert.Throws<ArgumentException>(() => ContentNegotiator.Negotiate(DicomWebResourceKind.Instances, AcceptableMediaTypes.From(null, "*/*")));
    }
}
