using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Pacs.Storage;

/// <summary>
/// What a file cannot hold of a blob: SHA-256, content type, tier and the time of the put. Kept as an extended
/// attribute of the data file (<see cref="AttributeName"/>, a compact binary form, <see cref="ToAttribute"/>) where
/// the file system takes one, else as the small JSON file beside it that every data folder of earlier versions has
/// (<see cref="ToUtf8"/>). Either is trusted only when its size matches the data file, so a metadata file left from an
/// earlier blob of the same name is never taken for the current one.
/// </summary>
internal sealed record BlobMetadataFile(long SizeBytes, string? Sha256, string ContentType, BlobAccessTier Tier,
    DateTimeOffset CreatedOn)
{
    private const int FormatVersion = 1;

    /// <summary>The extended attribute (user namespace) that holds the binary form.</summary>
    public const string AttributeName = "user.pacs";

    /// <summary>
    /// Longest binary form written. Short on purpose: ext4 keeps an attribute inside the inode (no block of its own)
    /// only while name and value stay within the inode's spare bytes (about 90 with 256-byte inodes); the fixed part
    /// with SHA-256 and a well-known content type takes 52.
    /// </summary>
    public const int MaxAttributeBytes = 256;

    private const byte AttributeFormat = 1;
    private const int AttributeFixedBytes = 20;

    // Content types the archive writes, one byte each in the binary form (0: the type follows as UTF-8). Append only.
    private static readonly string[] KnownContentTypes =
        ["", FileSystemBlobStore.DefaultContentType, "application/dicom", "application/dicom+json", "text/plain", "application/json"];

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

    /// <summary>
    /// The binary form: format (1), tier, content type code, flags (bit 0: SHA-256 present), created (UTC ticks, 8 bytes
    /// little-endian), size (8 bytes little-endian), SHA-256 (32 bytes, when present), then the content type as UTF-8
    /// when its code is 0.
    /// </summary>
    public byte[] ToAttribute()
    {
        int code = Array.IndexOf(KnownContentTypes, ContentType, 1);
        byte[]? literal = code > 0 ? null : Encoding.UTF8.GetBytes(ContentType);
        byte[]? sha = Sha256 is null ? null : Convert.FromHexString(Sha256);
        var bytes = new byte[AttributeFixedBytes + (sha?.Length ?? 0) + (literal?.Length ?? 0)];
        bytes[0] = AttributeFormat;
        bytes[1] = (byte)Tier;
        bytes[2] = (byte)Math.Max(code, 0);
        bytes[3] = (byte)(sha is null ? 0 : 1);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(4), CreatedOn.UtcTicks);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(12), SizeBytes);
        sha?.CopyTo(bytes, AttributeFixedBytes);
        literal?.CopyTo(bytes, AttributeFixedBytes + (sha?.Length ?? 0));
        return bytes;
    }

    /// <summary>Parses the binary form; null when it is not one this version understands.</summary>
    public static BlobMetadataFile? TryParseAttribute(ReadOnlySpan<byte> value)
    {
        if (value.Length < AttributeFixedBytes || value[0] != AttributeFormat || !Enum.IsDefined((BlobAccessTier)value[1]))
            return null;
        int code = value[2];
        bool hasSha = (value[3] & 1) != 0;
        long ticks = BinaryPrimitives.ReadInt64LittleEndian(value[4..]);
        long size = BinaryPrimitives.ReadInt64LittleEndian(value[12..]);
        var rest = value[AttributeFixedBytes..];
        string? sha = null;
        if (hasSha)
        {
            if (rest.Length < 32)
                return null;
            sha = Convert.ToHexStringLower(rest[..32]);
            rest = rest[32..];
        }
        if (code >= KnownContentTypes.Length || ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
            return null;
        string contentType;
        try
        {
            contentType = code > 0 ? KnownContentTypes[code] : new UTF8Encoding(false, true).GetString(rest);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
        return new BlobMetadataFile(size, sha, contentType, (BlobAccessTier)value[1], new DateTimeOffset(ticks, TimeSpan.Zero));
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
