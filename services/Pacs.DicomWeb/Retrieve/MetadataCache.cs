using Microsoft.Extensions.Caching.Memory;

namespace Pacs.DicomWeb.Retrieve;

/// <summary>
/// The DICOM JSON of each instance's metadata, built once and kept in memory, so a study or series metadata request
/// after the first joins cached documents instead of reading every stored object again. Keyed by the object's
/// SHA-256 and the instance URL its BulkDataURIs use: a stored version never changes, a new version has a new hash.
/// </summary>
public sealed class MetadataCache : IDisposable
{
    private readonly MemoryCache _cache;

    /// <param name="sizeLimitBytes">Most bytes of JSON kept; the least recently used documents leave first. Default 64 MiB.</param>
    public MetadataCache(long sizeLimitBytes = 64L * 1024 * 1024)
    {
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = sizeLimitBytes, CompactionPercentage = 0.25 });
    }

    public bool TryGet(string sha256, string instanceUrl, out byte[] json) =>
        _cache.TryGetValue(Key(sha256, instanceUrl), out json!);

    public void Set(string sha256, string instanceUrl, byte[] json)
    {
        ArgumentNullException.ThrowIfNull(json);
        _cache.Set(Key(sha256, instanceUrl), json, new MemoryCacheEntryOptions { Size = json.Length, SlidingExpiration = TimeSpan.FromHours(1) });
    }

    public void Dispose() => _cache.Dispose();

    private static string Key(string sha256, string instanceUrl) => $"{sha256}|{instanceUrl}";
}
