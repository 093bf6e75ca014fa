using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Pacs.Dicom;

/// <summary>
/// Makes new UIDs: under the 2.25 arc from UUIDs (PS3.5 B.2), or under an organisation's own root
/// (PS3.5 9.1: <c>root.suffix</c>, at most 64 characters).
/// </summary>
public sealed class DicomUidGenerator
{
    /// <summary>PS3.5 9.1: a UID is at most 64 characters.</summary>
    public const int MaxLength = 64;

    /// <summary>The longest root the constructor accepts: it leaves 31 characters for the suffix.</summary>
    public const int MaxRootLength = 32;

    /// <summary>RFC 9562 4.4 / 6.6: the name space ID for ISO OIDs, the default of <see cref="FromName(string)"/>.</summary>
    public static readonly Guid OidNamespace = new("6ba7b812-9dad-11d1-80b4-00c04fd430c8");

    // The suffix is "<unix ms><node>.<sequence>": the time and a random node tell processes (and
    // restarts) apart, the sequence tells apart the UIDs of one generator. 13 + 9 + 1 digits plus
    // the sequence's; the time needs a 14th digit only after the year 2286.
    private const int NodeDigits = 9;
    private const int NodeModulus = 1_000_000_000;

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private string _prefix;
    private long _sequence;

    /// <summary>Makes UIDs <c>root.&lt;time&gt;&lt;node&gt;.&lt;sequence&gt;</c> under <paramref name="root"/>.</summary>
    /// <param name="root">The organisation's UID root, a valid UID of at most <see cref="MaxRootLength"/> characters.</param>
    /// <param name="timeProvider">The clock of the time component; the system clock when null.</param>
    /// <exception cref="ArgumentException">The root is not a valid UID or is too long to leave room for a suffix.</exception>
    public DicomUidGenerator(string root, TimeProvider? timeProvider = null)
        : this(root, timeProvider, 0)
    {
    }

    /// <summary>For tests: starts the sequence at <paramref name="lastSequence"/> + 1.</summary>
    internal DicomUidGenerator(string root, TimeProvider? timeProvider, long lastSequence)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (!IsValid(root))
        {
            throw new ArgumentException($"UID root '{root}' is not a valid UID (PS3.5 9.1: digits and dots, no empty component, no leading zero).", nameof(root));
        }

        if (root.Length > MaxRootLength)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"UID root '{root}' has {root.Length} characters; at most {MaxRootLength} leave room for a unique suffix within {MaxLength}."),
                nameof(root));
        }

        Root = root;
        _time = timeProvider ?? TimeProvider.System;
        _prefix = NewPrefix();
        _sequence = lastSequence;
    }

    /// <summary>The configured root.</summary>
    public string Root { get; }

    /// <summary>A new UID under <see cref="Root"/>, unique across generators and processes in practice. Thread-safe.</summary>
    public string NewUid()
    {
        lock (_gate)
        {
            var sequence = ++_sequence;
            var digits = CountDigits(sequence);
            if (_prefix.Length + digits > MaxLength)
            {
                // The sequence outgrew the 64 characters: start over with a new time and node.
                _prefix = NewPrefix();
                _sequence = sequence = 1;
            }

            return string.Create(CultureInfo.InvariantCulture, $"{_prefix}{sequence}");
        }
    }

    /// <summary>PS3.5 B.2: "2.25." and a random (version 4) UUID as one unsigned decimal integer, e.g. 2.25.3291…</summary>
    public static string Generate()
    {
        Span<byte> uuid = stackalloc byte[16];
        RandomNumberGenerator.Fill(uuid);
        // RFC 9562 5.4: version 4 in the high nibble of octet 6, variant 10 in the high bits of octet 8.
        SetVersionAndVariant(uuid, 4);
        return FromUuidBytes(uuid);
    }

    /// <summary>
    /// A deterministic UID: "2.25." and the name-based (version 5, SHA-1) UUID of <paramref name="name"/>
    /// in the ISO OID name space (PS3.5 B.2, RFC 9562 5.5). The same name always gives the same UID.
    /// </summary>
    public static string FromName(string name) => FromName(OidNamespace, name);

    /// <summary>As <see cref="FromName(string)"/>, in the name space <paramref name="namespaceId"/>.</summary>
    public static string FromName(Guid namespaceId, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        // RFC 9562 5.5: SHA-1 over the name space ID (network byte order) followed by the name.
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var input = new byte[16 + nameBytes.Length];
        if (!namespaceId.TryWriteBytes(input, bigEndian: true, out _))
        {
            throw new InvalidOperationException("A GUID is 16 bytes.");
        }

        nameBytes.CopyTo(input, 16);
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(input, hash);
        var uuid = hash[..16];
        SetVersionAndVariant(uuid, 5);
        return FromUuidBytes(uuid);
    }

    /// <summary>
    /// PS3.5 9.1: at most 64 characters, components of digits separated by '.', no empty component,
    /// no leading zero in a component of more than one digit. Padding (a trailing NUL) is not valid here.
    /// </summary>
    public static bool IsValid(string? uid)
    {
        if (string.IsNullOrEmpty(uid) || uid.Length > MaxLength)
        {
            return false;
        }

        var componentStart = 0;
        for (var i = 0; i <= uid.Length; i++)
        {
            if (i == uid.Length || uid[i] == '.')
            {
                var length = i - componentStart;
                if (length == 0 || (length > 1 && uid[componentStart] == '0'))
                {
                    return false;
                }

                componentStart = i + 1;
            }
            else if (!char.IsAsciiDigit(uid[i]))
            {
                return false;
            }
        }

        return true;
    }

    private string NewPrefix()
    {
        // At least 1: a clock at (or before) the epoch would otherwise give the component a leading zero.
        var unixMs = Math.Max(1, _time.GetUtcNow().ToUnixTimeMilliseconds());
        var node = RandomNumberGenerator.GetInt32(NodeModulus);
        // The node is zero-padded inside the component, so the component starts with the time's
        // non-zero first digit and never has a leading zero.
        return string.Create(CultureInfo.InvariantCulture, $"{Root}.{unixMs}{node.ToString("D" + NodeDigits, CultureInfo.InvariantCulture)}.");
    }

    private static int CountDigits(long value)
    {
        var digits = 1;
        while (value >= 10)
        {
            value /= 10;
            digits++;
        }

        return digits;
    }

    private static void SetVersionAndVariant(Span<byte> uuid, int version)
    {
        uuid[6] = (byte)((uuid[6] & 0x0F) | (version << 4));
        uuid[8] = (byte)((uuid[8] & 0x3F) | 0x80);
    }

    /// <summary>PS3.5 B.2: the UUID's 128 bits, most significant first, as one unsigned decimal integer.</summary>
    private static string FromUuidBytes(ReadOnlySpan<byte> uuid) =>
        string.Create(CultureInfo.InvariantCulture, $"2.25.{BinaryPrimitives.ReadUInt128BigEndian(uuid)}");
}
