using System.Globalization;
using System.Security.Cryptography;

namespace Pacs.Storage;

/// <summary>
/// Rules for blob names, and the two ways Pacs makes names for new versions.
/// <para>
/// A name is 1 to <see cref="MaxLength"/> characters of <c>A–Z a–z 0–9 . _ -</c> in segments separated by
/// <c>/</c>: no empty segment (so no leading, trailing or doubled <c>/</c>), no <c>.</c> or <c>..</c> segment.
/// The set is small on purpose: such names are the same string in a URL path, a file name and the Shared Key
/// signature on every platform, can never leave the file store's root, and leave characters free for the file
/// store's own files (see docs/storage.md). DICOM UIDs (digits and dots) fit as they are.
/// </para>
/// <para>
/// Stored blobs are never overwritten, so a changed object gets a new name. Two forms:
/// <see cref="Versioned(string,int)"/> gives <c>{stem}/v{n:000000}</c> — readable, sorts by version, and the caller
/// (who knows the current version from its index) picks n; two writers that pick the same n are told by
/// <see cref="BlobAlreadyExistsException"/>. <see cref="Unique"/> gives <c>{stem}/{26-character time-ordered id}</c>
/// when no counter is at hand: 48 bits of milliseconds since 1970 and 80 random bits in Crockford base 32 (the ULID
/// layout), so names sort by creation time and do not collide in practice. Within one process, names made in the same
/// millisecond take the previous name's random bits plus one, so they sort in the order they were made (the index
/// rebuild relies on name order being version order).
/// </para>
/// </summary>
public static class BlobNames
{
    /// <summary>Longest name accepted. Keeps the file store's file names under the 255-byte limit of common file systems.</summary>
    public const int MaxLength = 200;

    private const string Crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    private static readonly Lock UniqueGate = new();
    private static long _lastUniqueMs = -1;
    private static UInt128 _lastUniqueBits;

    /// <summary>Throws <see cref="ArgumentException"/> naming the rule <paramref name="name"/> breaks.</summary>
    public static void Validate(string name, string paramName = "name")
    {
        if (!IsValid(name, out string? reason))
            throw new ArgumentException($"Invalid blob name '{name}': {reason}.", paramName);
    }

    /// <summary>Whether <paramref name="name"/> is a valid blob name; <paramref name="reason"/> says why not.</summary>
    public static bool IsValid(string? name, out string? reason)
    {
        if (string.IsNullOrEmpty(name))
        {
            reason = "it is empty";
            return false;
        }
        if (name.Length > MaxLength)
        {
            reason = $"it is {name.Length} characters long, more than {MaxLength}";
            return false;
        }
        if (!HasValidCharacters(name, out reason))
            return false;
        if (name[0] == '/')
        {
            reason = "it starts with '/' (names are relative)";
            return false;
        }
        if (name[^1] == '/')
        {
            reason = "it ends with '/'";
            return false;
        }
        foreach (var segment in name.Split('/'))
        {
            if (segment.Length == 0)
            {
                reason = "it has an empty segment ('//')";
                return false;
            }
            if (segment is "." or "..")
            {
                reason = $"it has a '{segment}' segment";
                return false;
            }
        }
        reason = null;
        return true;
    }

    /// <summary>Throws <see cref="ArgumentException"/> when <paramref name="prefix"/> has characters no name can have.</summary>
    public static void ValidatePrefix(string prefix, string paramName = "prefix")
    {
        ArgumentNullException.ThrowIfNull(prefix, paramName);
        if (prefix.Length > MaxLength)
            throw new ArgumentException($"Invalid blob name prefix '{prefix}': longer than {MaxLength} characters.", paramName);
        if (!HasValidCharacters(prefix, out string? reason))
            throw new ArgumentException($"Invalid blob name prefix '{prefix}': {reason}.", paramName);
    }

    /// <summary><c>{stem}/v{version:000000}</c>, e.g. <c>instances/1.2.3/v000002</c>.</summary>
    public static string Versioned(string stem, int version)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(version);
        string name = string.Create(CultureInfo.InvariantCulture, $"{stem}/v{version:D6}");
        Validate(name, nameof(stem));
        return name;
    }

    /// <summary><c>{prefix}/{key}/v{version:000000}</c>.</summary>
    public static string Versioned(string prefix, string key, int version) => Versioned($"{prefix}/{key}", version);

    /// <summary>Splits a name made by <see cref="Versioned(string,int)"/> into stem and version.</summary>
    public static bool TryParseVersioned(string name, out string stem, out int version)
    {
        stem = "";
        version = 0;
        int slash = name.LastIndexOf('/');
        if (slash <= 0 || name.Length - slash < 3 || name[slash + 1] != 'v')
            return false;
        var digits = name.AsSpan(slash + 2);
        foreach (char c in digits)
        {
            if (c is < '0' or > '9')
                return false;
        }
        if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out version) || version == 0)
            return false;
        stem = name[..slash];
        return true;
    }

    /// <summary><c>{stem}/{time-ordered id}</c>; see the type's remarks.</summary>
    public static string Unique(string stem, TimeProvider? clock = null)
    {
        long ms = (clock ?? TimeProvider.System).GetUtcNow().ToUnixTimeMilliseconds();
        Span<byte> random = stackalloc byte[10];
        RandomNumberGenerator.Fill(random);
        UInt128 bits = 0;
        foreach (byte b in random)
            bits = (bits << 8) | b;
        lock (UniqueGate)
        {
            // Same millisecond as the previous name: one more than its random part, so the two sort in creation order.
            if (ms == _lastUniqueMs)
                bits = (_lastUniqueBits + 1) & ((UInt128.One << 80) - 1);
            _lastUniqueMs = ms;
            _lastUniqueBits = bits;
        }
        Span<char> id = stackalloc char[26];
        // 48-bit timestamp as 10 base-32 digits (the top digit holds 3 bits), most significant first.
        for (int i = 9; i >= 0; i--)
        {
            id[i] = Crockford[(int)(ms & 31)];
            ms >>= 5;
        }
        // 80 random bits as 16 base-32 digits.
        for (int i = 25; i >= 10; i--)
        {
            id[i] = Crockford[(int)(bits & 31)];
            bits >>= 5;
        }
        string name = $"{stem}/{id}";
        Validate(name, nameof(stem));
        return name;
    }

    private static bool HasValidCharacters(string value, out string? reason)
    {
        foreach (char c in value)
        {
            if (c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or '-' or '/')
                continue;
            reason = c < 0x20 || c > 0x7e
                ? $"it contains the character U+{(int)c:X4}; only A-Z a-z 0-9 . _ - and / are allowed"
                : $"it contains '{c}'; only A-Z a-z 0-9 . _ - and / are allowed";
            return false;
        }
        reason = null;
        return true;
    }
}
