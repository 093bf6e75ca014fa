using System.Globalization;
using System.Text.Json;

namespace Pacs.Storage;

/// <summary>
/// The small JSON file kept beside a blob's data file with what a file cannot hold: SHA-256, content type, tier and
/// the time of the put. It is replaced whole (write to a temporary name, fsync, rename) and read only when its size
/// matches the data file, so a metadata file left from an earlier blob of the same name is never taken for the
/// current one.
/// </summary>
internal sealed record BlobMetadataFile(long SizeBytes, string? Sha256, string ContentType, BlobAccessTier Tier,
    DateTimeOffset CreatedOn)
{
    private const int FormatVersion = 1;

    public byte[] ToUtf8()
    {
        using var buffer = new MemoryStream(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("format", FormatVersion);
            json.WriteNumber("size", SizeBytes);
            if (Sha256 is not null)
                json.WriteString("sha256", Sha256);
            json.WriteString("contentType", ContentType);
            json.WriteString("tier", Tier.ToString());
            json.WriteString("created", CreatedOn.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>Parses the file; null when it is not a metadata file this version understands.</summary>
    public static BlobMetadataFile? TryParse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("format", out var format) || format.GetInt32() != FormatVersion)
                return null;
            string? sha = root.TryGetProperty("sha256", out var s) ? s.GetString() : null;
            if (!Enum.TryParse(root.GetProperty("tier").GetString(), out BlobAccessTier tier))
                return null;
            var created = DateTimeOffset.Parse(root.GetProperty("created").GetString()!, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
            return new BlobMetadataFile(root.GetProperty("size").GetInt64(), sha,
                root.GetProperty("contentType").GetString() ?? FileSystemBlobStore.DefaultContentType, tier, created);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            return null;
        }
    }
}
