namespace Pacs.Storage.Tests.Names;

public sealed class BlobRangeTests
{
    [Fact]
    public void Ranges_resolve_like_http_byte_ranges()
    {
        Assert.Equal((0L, 10L), BlobRange.First(10).Resolve(100));
        Assert.Equal((95L, 5L), BlobRange.From(95, 10).Resolve(100));
        Assert.Equal((40L, 60L), BlobRange.From(40).Resolve(100));
        Assert.Equal((90L, 10L), BlobRange.Last(10).Resolve(100));
        Assert.Equal((0L, 100L), BlobRange.Last(1000).Resolve(100));
        Assert.Null(BlobRange.From(100).Resolve(100));
        Assert.Null(BlobRange.First(1).Resolve(0));
        Assert.Null(BlobRange.Last(1).Resolve(0));
    }

    [Fact]
    public void Ranges_print_as_http_range_headers()
    {
        Assert.Equal("bytes=0-9", BlobRange.First(10).ToString());
        Assert.Equal("bytes=100-", BlobRange.From(100).ToString());
        Assert.Equal("bytes=-50", BlobRange.Last(50).ToString());
    }

    [Fact]
    public void Empty_and_negative_ranges_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BlobRange.First(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => BlobRange.From(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => BlobRange.Last(0));
    }
}
