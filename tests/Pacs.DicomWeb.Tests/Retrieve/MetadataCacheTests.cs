using Pacs.DicomWeb.Retrieve;

namespace Pacs.DicomWeb.Tests.Retrieve;

public sealed class MetadataCacheTests
{
    [Fact]
    public void Document_is_found_by_hash_and_instance_url_and_not_under_another_url()
    {
        using var cache = new MetadataCache();
        cache.Set("abc", "http://a/dicom-web/studies/1/series/2/instances/3", [1, 2, 3]);

        Assert.True(cache.TryGet("abc", "http://a/dicom-web/studies/1/series/2/instances/3", out var json));
        Assert.Equal([1, 2, 3], json);
        Assert.False(cache.TryGet("abc", "http://b/dicom-web/studies/1/series/2/instances/3", out _));
        Assert.False(cache.TryGet("abd", "http://a/dicom-web/studies/1/series/2/instances/3", out _));
    }

    [Fact]
    public void Documents_beyond_the_size_limit_are_evicted()
    {
        using var cache = new MetadataCache(sizeLimitBytes: 10);
        cache.Set("one", "u", new byte[8]);
        cache.Set("two", "u", new byte[8]);

        // MemoryCache refuses an entry that would exceed the limit until it compacts; at most one of the two fits.
        Assert.False(cache.TryGet("one", "u", out _) && cache.TryGet("two", "u", out _));
    }
}
