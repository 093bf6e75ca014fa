using Pacs.Http;

namespace Pacs.DicomWeb.Tests.Http;

public class MediaRangeTests
{
    [Fact]
    public void Accept_list_splits_on_commas_outside_quotes_and_reads_weights()
    {
        var ranges = MediaRange.ParseList(
            "multipart/related; type=\"application/dicom\"; transfer-syntax=*, image/jpeg;q=0.5 , */*;q=0.1, text/x; a=\"x,y\"",
            out var invalid);

        Assert.Empty(invalid);
        Assert.Equal(4, ranges.Count);
        Assert.Equal("application/dicom", ranges[0].MediaType.GetParameter("type"));
        Assert.Equal(1.0, ranges[0].Quality);
        Assert.Equal(0.5, ranges[1].Quality);
        Assert.Equal(0.1, ranges[2].Quality);
        Assert.Equal("x,y", ranges[3].MediaType.GetParameter("a"));
        Assert.Equal([0, 1, 2, 3], ranges.Select(r => r.Position));
    }

    [Fact]
    public void The_weight_ends_the_media_type_parameters()
    {
        var range = MediaRange.ParseList("application/dicom; transfer-syntax=*; q=0.8; level=1", out _)[0];

        Assert.Equal(0.8, range.Quality);
        Assert.Equal("application/dicom; transfer-syntax=*", range.MediaType.ToString());
    }

    [Theory]
    [InlineData("image/png; q=2")]
    [InlineData("image/png; q=0.1234")]
    [InlineData("image/png; q=abc")]
    [InlineData("image/png; q=1.5")]
    [InlineData("*/json")]
    [InlineData("not-a-type")]
    public void Invalid_elements_are_reported_and_the_rest_kept(string bad)
    {
        var ranges = MediaRange.ParseList($"image/jpeg, {bad}, image/gif", out var invalid);

        Assert.Equal(["image/jpeg", "image/gif"], ranges.Select(r => r.MediaType.Essence));
        Assert.Equal([bad], invalid);
    }

    [Fact]
    public void Zero_weight_and_three_decimals_are_valid()
    {
        var ranges = MediaRange.ParseList("a/b;q=0, c/d;q=0.125, e/f;q=1.000", out var invalid);

        Assert.Empty(invalid);
        Assert.Equal([0.0, 0.125, 1.0], ranges.Select(r => r.Quality));
    }

    [Fact]
    public void Empty_and_missing_lists_have_no_elements()
    {
        Assert.Empty(MediaRange.ParseList(null, out _));
        Assert.Empty(MediaRange.ParseList(" , ,", out var invalid));
        Assert.Empty(invalid);
    }
}
