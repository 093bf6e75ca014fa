using Pacs.Dicom;
using Pacs.DicomWeb.Negotiation;

namespace Pacs.DicomWeb.Tests.Negotiation;

public class BulkDataNegotiationTests
{
    private const string Ele = "1.2.840.10008.1.2.1";
    private const string Ile = "1.2.840.10008.1.2";
    private const string Ebe = "1.2.840.10008.1.2.2";
    private const string JpegBaseline = "1.2.840.10008.1.2.4.50";
    private const string JpegLossless = "1.2.840.10008.1.2.4.70";
    private const string JpegLs = "1.2.840.10008.1.2.4.80";
    private const string Jpeg2000 = "1.2.840.10008.1.2.4.90";

    private static NegotiationResult Frames(string? header, string? stored, Func<string, string, bool>? transcode = null, bool single = false) =>
        ContentNegotiator.Negotiate(
            DicomWebResourceKind.Frames,
            AcceptableMediaTypes.From(null, header),
            new RepresentationSource { StoredTransferSyntaxUid = stored, CanTranscode = transcode, SingleItem = single });

    [Fact]
    public void Octet_stream_with_any_syntax_sends_compressed_frames_as_stored_and_says_which()
    {
        var result = Frames("multipart/related; type=application/octet-stream; transfer-syntax=*", JpegBaseline);

        Assert.Equal(new NegotiatedRepresentation("application/octet-stream", true, JpegBaseline), result.Selected);
        Assert.Equal("application/octet-stream; transfer-syntax=1.2.840.10008.1.2.4.50", result.Selected!.PartContentType);
    }

    [Theory]
    [InlineData(Ile)]
    [InlineData(Ele)]
    [InlineData("1.2.840.10008.1.2.1.99")]
    [InlineData("1.2.840.10008.1.2.1.98")]
    [InlineData(null)]
    public void Native_little_endian_frames_are_octet_stream_in_Explicit_VR_Little_Endian(string? stored)
    {
        foreach (var header in new[] { "multipart/related; type=\"application/octet-stream\"", "multipart/related; type=\"application/octet-stream\"; transfer-syntax=*", "*/*" })
        {
            Assert.Equal(new NegotiatedRepresentation("application/octet-stream", true, Ele), Frames(header, stored).Selected);
        }
    }

    [Fact]
    public void Big_endian_frames_go_as_stored_only_when_any_syntax_is_accepted()
    {
        Assert.Equal(Ebe, Frames("multipart/related; type=\"application/octet-stream\"; transfer-syntax=*", Ebe).Selected!.TransferSyntaxUid);
        Assert.Equal(406, Frames("multipart/related; type=\"application/octet-stream\"", Ebe).Problem!.Status);
        Assert.True(Frames("multipart/related; type=\"application/octet-stream\"", Ebe, transcode: (f, t) => f == Ebe && t == Ele).Selected!.IsTranscoded);
    }

    [Fact]
    public void Compressed_media_type_with_any_syntax_matches_frames_of_that_media_type()
    {
        Assert.Equal(new NegotiatedRepresentation("image/jpeg", true, JpegBaseline), Frames("multipart/related; type=\"image/jpeg\"; transfer-syntax=*", JpegBaseline).Selected);

        var other = Frames("multipart/related; type=\"image/jpeg\"; transfer-syntax=*", JpegLs);
        Assert.Equal(406, other.Problem!.Status);
        Assert.Contains("JPEG-LS", other.Problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Compressed_media_type_without_syntax_means_its_default_or_failing_that_the_stored_one_of_that_type()
    {
        Assert.Equal(JpegLossless, Frames("multipart/related; type=\"image/jpeg\"", JpegLossless).Selected!.TransferSyntaxUid);

        // JPEG baseline stored, image/jpeg asked: the default is JPEG lossless, which cannot be made; the baseline frames are image/jpeg too.
        var lenient = Frames("multipart/related; type=\"image/jpeg\"", JpegBaseline);
        Assert.Equal(new NegotiatedRepresentation("image/jpeg", true, JpegBaseline), lenient.Selected);

        var converted = Frames("multipart/related; type=\"image/jpeg\"", JpegBaseline, transcode: (_, to) => to == JpegLossless);
        Assert.Equal(new NegotiatedRepresentation("image/jpeg", true, JpegLossless, IsTranscoded: true), converted.Selected);
    }

    [Fact]
    public void A_syntax_that_another_media_type_carries_is_refused_with_the_reason()
    {
        var result = Frames($"multipart/related; type=\"image/jls\"; transfer-syntax={JpegBaseline}", JpegBaseline);

        Assert.Equal(406, result.Problem!.Status);
        Assert.Contains("is not sent as image/jls", result.Problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Uncompressed_frames_of_a_compressed_instance_need_a_converter()
    {
        var refused = Frames("multipart/related; type=\"application/octet-stream\"", Jpeg2000);
        Assert.Contains("stored as JPEG 2000", refused.Problem!.Detail, StringComparison.Ordinal);

        var decoded = Frames("multipart/related; type=\"application/octet-stream\"", Jpeg2000, transcode: (_, to) => to == Ele);
        Assert.Equal(new NegotiatedRepresentation("application/octet-stream", true, Ele, IsTranscoded: true), decoded.Selected);
    }

    [Theory]
    [InlineData(JpegBaseline, "image/jpeg")]
    [InlineData(JpegLs, "image/jls")]
    [InlineData(Jpeg2000, "image/jp2")]
    [InlineData("1.2.840.10008.1.2.4.201", "image/jphc")]
    [InlineData("1.2.840.10008.1.2.5", "image/dicom-rle")]
    [InlineData(Ele, "application/octet-stream")]
    public void Any_media_type_sends_frames_as_stored_in_their_own_media_type(string stored, string mediaType)
    {
        Assert.Equal(new NegotiatedRepresentation(mediaType, true, stored), Frames("*/*", stored).Selected);
    }

    [Fact]
    public void Image_wildcard_covers_compressed_frames_but_not_native_ones()
    {
        Assert.Equal("image/jpeg", Frames("image/*", JpegBaseline).Selected!.MediaType);
        Assert.Equal(406, Frames("image/*", Ele).Problem!.Status);
    }

    [Fact]
    public void A_single_frame_may_be_asked_for_as_a_single_part()
    {
        var single = Frames("image/jpeg; transfer-syntax=*", JpegBaseline, single: true);
        Assert.Equal(new NegotiatedRepresentation("image/jpeg", false, JpegBaseline), single.Selected);
        Assert.Equal("image/jpeg; transfer-syntax=1.2.840.10008.1.2.4.50", single.Selected!.GetContentType());

        Assert.Equal(406, Frames("image/jpeg; transfer-syntax=*", JpegBaseline).Problem!.Status);
    }

    [Fact]
    public void Bulk_data_that_is_not_pixel_data_is_octet_stream()
    {
        var result = ContentNegotiator.Negotiate(
            DicomWebResourceKind.BulkData, AcceptableMediaTypes.From(null, "multipart/related; type=\"application/octet-stream\""), new RepresentationSource());

        Assert.Equal(new NegotiatedRepresentation("application/octet-stream", true, Ele), result.Selected);
    }

    [Fact]
    public void Viewer_style_accept_list_gets_what_is_stored()
    {
        // What web viewers typically send for frames.
        const string header = "multipart/related; type=application/octet-stream; transfer-syntax=*";

        foreach (var stored in new[] { Ele, JpegBaseline, JpegLossless, JpegLs, Jpeg2000, "1.2.840.10008.1.2.5" })
        {
            var selected = Frames(header, stored).Selected!;
            Assert.Equal(BulkDataMediaTypes.FrameTransferSyntax(stored), selected.TransferSyntaxUid);
            Assert.False(selected.IsTranscoded);
        }
    }
}

public class BulkDataMediaTypesTests
{
    [Theory]
    [InlineData("1.2.840.10008.1.2.1", "application/octet-stream")]
    [InlineData("1.2.840.10008.1.2.2", "application/octet-stream")]
    [InlineData("1.2.840.10008.1.2.4.50", "image/jpeg")]
    [InlineData("1.2.840.10008.1.2.4.51", "image/jpeg")]
    [InlineData("1.2.840.10008.1.2.4.57", "image/jpeg")]
    [InlineData("1.2.840.10008.1.2.4.70", "image/jpeg")]
    [InlineData("1.2.840.10008.1.2.4.80", "image/jls")]
    [InlineData("1.2.840.10008.1.2.4.81", "image/jls")]
    [InlineData("1.2.840.10008.1.2.4.90", "image/jp2")]
    [InlineData("1.2.840.10008.1.2.4.91", "image/jp2")]
    [InlineData("1.2.840.10008.1.2.4.92", "image/jpx")]
    [InlineData("1.2.840.10008.1.2.4.93", "image/jpx")]
    [InlineData("1.2.840.10008.1.2.4.201", "image/jphc")]
    [InlineData("1.2.840.10008.1.2.4.203", "image/jphc")]
    [InlineData("1.2.840.10008.1.2.4.110", "image/jxl")]
    [InlineData("1.2.840.10008.1.2.5", "image/dicom-rle")]
    [InlineData("1.2.840.10008.1.2.4.100", "video/mpeg")]
    [InlineData("1.2.840.10008.1.2.4.102", "video/mp4")]
    [InlineData("1.2.840.10008.1.2.4.107", "video/H265")]
    [InlineData("1.2.3.4.5.6", "application/octet-stream")]
    public void Transfer_syntax_maps_to_its_frame_media_type(string uid, string mediaType)
    {
        Assert.Equal(mediaType, BulkDataMediaTypes.MediaTypeOf(uid));
    }

    [Theory]
    [InlineData("application/octet-stream", "1.2.840.10008.1.2.1")]
    [InlineData("image/jpeg", "1.2.840.10008.1.2.4.70")]
    [InlineData("IMAGE/JLS", "1.2.840.10008.1.2.4.80")]
    [InlineData("image/jp2", "1.2.840.10008.1.2.4.90")]
    [InlineData("image/jphc", "1.2.840.10008.1.2.4.201")]
    [InlineData("image/dicom-rle", "1.2.840.10008.1.2.5")]
    [InlineData("image/png", null)]
    public void Each_media_type_has_the_default_syntax_of_PS3_18_Table_8_7_3_5(string mediaType, string? uid)
    {
        Assert.Equal(uid, BulkDataMediaTypes.DefaultTransferSyntax(mediaType));
    }

    [Fact]
    public void The_table_agrees_with_the_frame_media_types_of_the_DICOM_core()
    {
        var syntaxes = new[]
        {
            DicomTransferSyntax.JPEGBaseline8Bit, DicomTransferSyntax.JPEGExtended12Bit, DicomTransferSyntax.JPEGLossless, DicomTransferSyntax.JPEGLosslessSV1,
            DicomTransferSyntax.JPEGLSLossless, DicomTransferSyntax.JPEGLSNearLossless, DicomTransferSyntax.JPEG2000Lossless, DicomTransferSyntax.JPEG2000,
            DicomTransferSyntax.JPEG2000MCLossless, DicomTransferSyntax.JPEG2000MC, DicomTransferSyntax.HTJ2KLossless, DicomTransferSyntax.HTJ2K,
            DicomTransferSyntax.RLELossless, DicomTransferSyntax.JPEGXL, DicomTransferSyntax.MPEG2MPML, DicomTransferSyntax.MPEG4HP41, DicomTransferSyntax.HEVCMP51,
        };

        Assert.All(syntaxes, ts => Assert.Equal(ts.FrameMediaType, BulkDataMediaTypes.MediaTypeOf(ts.Uid), StringComparer.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("1.2.840.10008.1.2", "1.2.840.10008.1.2.1")]
    [InlineData("1.2.840.10008.1.2.1", "1.2.840.10008.1.2.1")]
    [InlineData("1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.1")]
    [InlineData("1.2.840.10008.1.2.1.98", "1.2.840.10008.1.2.1")]
    [InlineData("1.2.840.10008.1.2.2", "1.2.840.10008.1.2.2")]
    [InlineData("1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.50")]
    [InlineData(null, "1.2.840.10008.1.2.1")]
    public void Frames_of_a_stored_syntax_are_labelled_by_what_their_bytes_are(string? stored, string label)
    {
        Assert.Equal(label, BulkDataMediaTypes.FrameTransferSyntax(stored));
    }
}
