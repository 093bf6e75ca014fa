using System.Globalization;

namespace Pacs.Dicom;

/// <summary>
/// A data element tag (group, element) as PS3.5 7.1 defines it. Keyword constants such as
/// <c>DicomTag.PatientName</c> are generated from the PS3.6 dictionary (DicomTag.g.cs).
/// </summary>
public readonly partial struct DicomTag : IEquatable<DicomTag>, IComparable<DicomTag>
{
    public DicomTag(uint value) => Value = value;

    public DicomTag(ushort group, ushort element) => Value = ((uint)group << 16) | element;

    /// <summary>The tag as one 32-bit number, group in the high 16 bits.</summary>
    public uint Value { get; }

    public ushort Group => (ushort)(Value >> 16);

    public ushort Element => (ushort)Value;

    /// <summary>PS3.5 7.8.1: private data elements have an odd group other than 0001, 0003, 0005, 0007 and FFFF.</summary>
    public bool IsPrivate => (Group & 1) == 1 && Group > 0x0008 && Group != 0xFFFF;

    /// <summary>PS3.5 7.8.1: (gggg,0010)–(gggg,00FF) in a private group reserve a block for a private creator.</summary>
    public bool IsPrivateCreator => IsPrivate && Element >= 0x0010 && Element <= 0x00FF;

    /// <summary>The private creator element that reserves this private element's block, e.g. (0029,1010) → (0029,0010).</summary>
    public DicomTag PrivateCreatorTag => IsPrivate && Element >= 0x1000
        ? new DicomTag(Group, (ushort)(Element >> 8))
        : default;

    /// <summary>Group length elements (gggg,0000).</summary>
    public bool IsGroupLength => Element == 0x0000;

    /// <summary>File Meta Information, group 0002 (PS3.10 7.1).</summary>
    public bool IsFileMeta => Group == 0x0002;

    public static readonly DicomTag Item = new(0xFFFEE000);
    public static readonly DicomTag ItemDelimitationItem = new(0xFFFEE00D);
    public static readonly DicomTag SequenceDelimitationItem = new(0xFFFEE0DD);

    public bool Equals(DicomTag other) => Value == other.Value;

    public override bool Equals(object? obj) => obj is DicomTag other && Equals(other);

    public override int GetHashCode() => (int)Value;

    public int CompareTo(DicomTag other) => Value.CompareTo(other.Value);

    public static bool operator ==(DicomTag left, DicomTag right) => left.Value == right.Value;

    public static bool operator !=(DicomTag left, DicomTag right) => left.Value != right.Value;

    public static bool operator <(DicomTag left, DicomTag right) => left.Value < right.Value;

    public static bool operator >(DicomTag left, DicomTag right) => left.Value > right.Value;

    public static bool operator <=(DicomTag left, DicomTag right) => left.Value <= right.Value;

    public static bool operator >=(DicomTag left, DicomTag right) => left.Value >= right.Value;

    /// <summary>"(0010,0010)".</summary>
    public override string ToString() => string.Create(11, Value, static (span, v) =>
    {
        span[0] = '(';
        ((ushort)(v >> 16)).TryFormat(span[1..], out _, "X4", CultureInfo.InvariantCulture);
        span[5] = ',';
        ((ushort)v).TryFormat(span[6..], out _, "X4", CultureInfo.InvariantCulture);
        span[10] = ')';
    });

    /// <summary>"00100010", the form DICOM JSON and QIDO-RS use.</summary>
    public string ToHexString() => Value.ToString("X8", CultureInfo.InvariantCulture);

    /// <summary>
    /// Parses "(0010,0010)", "0010,0010", "00100010" or a PS3.6 keyword such as "PatientName".
    /// </summary>
    public static DicomTag Parse(string text)
    {
        if (TryParse(text, out var tag))
        {
            return tag;
        }

        throw new FormatException($"'{text}' is neither a tag (ggggeeee or (gggg,eeee)) nor a known PS3.6 keyword.");
    }

    public static bool TryParse(string? text, out DicomTag tag)
    {
        tag = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var s = text.AsSpan().Trim();
        if (s.Length >= 2 && s[0] == '(' && s[^1] == ')')
        {
            s = s[1..^1];
        }

        if (s.Length == 9 && s[4] == ',')
        {
            if (ushort.TryParse(s[..4], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var g)
                && ushort.TryParse(s[5..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var e))
            {
                tag = new DicomTag(g, e);
                return true;
            }

            return false;
        }

        if (s.Length == 8 && uint.TryParse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var v))
        {
            tag = new DicomTag(v);
            return true;
        }

        return DicomDictionary.TryGetTag(s.ToString(), out tag);
    }
}
