using Pacs.Http;

namespace Pacs.DicomWeb.Tests.Http;

public class MediaTypeTests
{
    [Fact]
    public void Type_subtype_and_quoted_parameters_are_parsed()
    {
        var mediaType = MediaType.Parse("multipart/related; type=\"application/dicom\"; transfer-syntax=*; boundary=\"a b:c\"");

        Assert.Equal("multipart", mediaType.Type);
        Assert.Equal("related", mediaType.Subtype);
        Assert.Equal("application/dicom", mediaType.GetParameter("type"));
        Assert.Equal("*", mediaType.GetParameter("transfer-syntax"));
        Assert.Equal("a b:c", mediaType.GetParameter("boundary"));
    }

    [Fact]
    public void Unquoted_type_parameter_with_a_slash_is_accepted_as_viewers_send_it()
    {
        var mediaType = MediaType.Parse("multipart/related;type=application/octet-stream;transfer-syntax=1.2.840.10008.1.2.4.50");

        Assert.Equal("application/octet-stream", mediaType.GetParameter("type"));
        Assert.Equal("1.2.840.10008.1.2.4.50", mediaType.GetParameter("transfer-syntax"));
    }

    [Fact]
    public void Names_compare_without_case_and_values_keep_theirs()
    {
        var mediaType = MediaType.Parse("Application/DICOM+JSON; Charset=UTF-8");

        Assert.Equal("application/dicom+json", mediaType.Essence);
        Assert.True(mediaType.Is("APPLICATION/dicom+json"));
        Assert.Equal("UTF-8", mediaType.GetParameter("charset"));
        Assert.Equal("charset", mediaType.Parameters[0].Key);
    }

    [Fact]
    public void Quoted_pairs_and_empty_parameters_are_handled()
    {
        var mediaType = MediaType.Parse("text/plain;; a=\"say \\\"hi\\\"\" ;");

        Assert.Equal("say \"hi\"", mediaType.GetParameter("a"));
        Assert.Single(mediaType.Parameters);
    }

    [Theory]
    [InlineData("")]
    [InlineData("text")]
    [InlineData("text/")]
    [InlineData("/plain")]
    [InlineData("text/plain; =x")]
    [InlineData("text/plain; a")]
    [InlineData("text/plain; a=\"unterminated")]
    [InlineData("text/plain garbage")]
    [InlineData("text/plain; a=b c")]
    public void Malformed_media_types_are_refused(string text)
    {
        Assert.False(MediaType.TryParse(text, out _));
        Assert.Throws<FormatException>(() => MediaType.Parse(text));
    }

    [Fact]
    public void Canonical_spelling_quotes_only_values_that_need_it()
    {
        var mediaType = new MediaType("Multipart", "Related", [new("type", "application/dicom"), new("boundary", "abc-123")]);

        Assert.Equal("multipart/related; type=\"application/dicom\"; boundary=abc-123", mediaType.ToString());
        Assert.Equal("\"a\\\"b\"", MediaType.QuoteIfNeeded("a\"b"));
        Assert.Equal("\"\"", MediaType.QuoteIfNeeded(string.Empty));
    }

    [Fact]
    public void With_parameter_replaces_an_existing_one()
    {
        var mediaType = MediaType.Parse("application/dicom; transfer-syntax=*").WithParameter("Transfer-Syntax", "1.2.840.10008.1.2.1");

        Assert.Equal("application/dicom; transfer-syntax=1.2.840.10008.1.2.1", mediaType.ToString());
    }

    [Fact]
    public void Wildcards_are_recognised()
    {
        Assert.True(MediaType.Parse("*/*").IsWildcard);
        Assert.True(MediaType.Parse("image/*").IsWildcard);
        Assert.False(MediaType.Parse("image/jpeg").IsWildcard);
    }
}
