using System.Buffers;
using System.Collections.Concurrent;
using System.Text;

namespace Pacs.Dicom;

/// <summary>
/// The Specific Character Set (0008,0005) of a data set (PS3.3 C.12.1.1.2): decodes the values of SH, LO, UC, ST,
/// LT, UT and PN (PS3.5 6.1.2.3) to text and encodes text back.
/// <para>
/// Every ISO 2022 based term (the single-byte sets, ISO_IR 13, and all "ISO 2022 IR n" terms) is read by one
/// ISO/IEC 2022 state machine (PS3.5 6.1.2.4–6.1.2.5): escape sequences switch the G0 and G1 sets, and the sets of
/// value 1 come back after each delimiter. ISO_IR 192 (UTF-8), GB18030 and GBK are decoded as whole values.
/// </para>
/// <para>
/// Reading is lenient and never throws: no byte is dropped (what cannot be interpreted becomes the Latin-1 character
/// of the same value), unknown terms fall back to Latin-1 and are reported in <see cref="UnknownTerms"/>, and common
/// misspellings of the Defined Terms are recognised. Writing is strict: text that the declared sets cannot represent
/// raises a <see cref="DicomException"/> naming the character.
/// </para>
/// </summary>
public sealed class DicomCharacterSet
{
    private const byte Esc = 0x1B;
    private const int CacheLimit = 64;

    // Bytes that leave the fast path: ESC (a designation may follow) and everything above 0x7F.
    private static readonly SearchValues<byte> EscOrNonAscii = SearchValues.Create(
        [Esc, .. Enumerable.Range(0x80, 0x80).Select(b => (byte)b)]);

    private static readonly ConcurrentDictionary<string, DicomCharacterSet> Cache = new(StringComparer.Ordinal);

    private readonly string _value;
    private readonly Encoding? _wholeValueEncoding;
    private readonly GraphicCharacterSet _initialG0;
    private readonly GraphicCharacterSet? _initialG1;
    private readonly GraphicCharacterSet? _impliedG1;
    private readonly GraphicCharacterSet? _encodingInitialG1;
    private readonly GraphicCharacterSet[] _candidates;
    private readonly bool _latin1WithoutEscapes;

    private DicomCharacterSet(string value, string[] terms)
    {
        _value = value;
        Terms = terms;

        var found = new List<CharacterSetTerm>(terms.Length);
        var unknown = new List<string>();
        foreach (var term in terms)
        {
            if (CharacterSetTerm.Find(term) is { } known)
            {
                found.Add(known);
            }
            else
            {
                unknown.Add(term);
            }
        }

        UnknownTerms = unknown;
        DefinedTerms = found.Select(t => t.DefinedTerm).ToArray();

        // ISO_IR 192, GB18030 and GBK allow no code extensions (PS3.3 C.12.1.1.2); when one appears it governs the
        // whole value, even beside other terms (an invalid combination read in the most plausible way).
        _wholeValueEncoding = found.FirstOrDefault(t => t.WholeValueEncoding is not null)?.WholeValueEncoding;

        // PS3.5 6.1.2.5.1: the designations of value 1 are in force at the start; an empty value 1 (or an unknown one)
        // means ISO-IR 6. A multi-byte set as value 1 (not allowed, but "ISO 2022 IR 149" alone is common) is
        // honoured when reading; when writing it is designated by its escape sequence like any other extension.
        var first = terms.Length > 0 ? CharacterSetTerm.Find(terms[0]) : null;
        _initialG0 = first?.G0 is { IsDoubleByte: false } g0 ? g0 : GraphicCharacterSets.Ascii;
        _initialG1 = first?.G1;
        _encodingInitialG1 = first?.G1 is { IsDoubleByte: false } g1 ? g1 : null;
        _impliedG1 = found.Select(t => t.G1).FirstOrDefault(g => g is not null);

        var candidates = new List<GraphicCharacterSet>();
        foreach (var term in found)
        {
            foreach (var set in new[] { term.G0, term.G1 })
            {
                if (set is not null && !candidates.Contains(set))
                {
                    candidates.Add(set);
                }
            }
        }

        _candidates = [.. candidates];
        _latin1WithoutEscapes = _initialG0 == GraphicCharacterSets.Ascii
            && (_initialG1 ?? _impliedG1 ?? GraphicCharacterSets.Latin1) == GraphicCharacterSets.Latin1;
    }

    /// <summary>
    /// The default repertoire (no or an empty (0008,0005)): ISO-IR 6, read leniently as Latin-1 so that bytes above
    /// 0x7F are never lost; writing accepts ASCII only.
    /// </summary>
    public static DicomCharacterSet Default { get; } = new(string.Empty, []);

    /// <summary>The values of (0008,0005) as found, each trimmed of spaces, e.g. ["", "ISO 2022 IR 87"]; empty for the default.</summary>
    public IReadOnlyList<string> Terms { get; }

    /// <summary>The recognised values, spelled as the Defined Terms ("ISO IR 100" becomes "ISO_IR 100"; an empty value 1 becomes "ISO_IR 6").</summary>
    public IReadOnlyList<string> DefinedTerms { get; }

    /// <summary>Values of (0008,0005) that name no character set this library knows; they are read as Latin-1.</summary>
    public IReadOnlyList<string> UnknownTerms { get; }

    /// <summary>True when every value of (0008,0005) was recognised.</summary>
    public bool IsKnown => UnknownTerms.Count == 0;

    /// <summary>
    /// Parses the raw value of (0008,0005), values separated by backslashes. An empty or blank value is the default
    /// repertoire. Never throws; see <see cref="UnknownTerms"/>.
    /// </summary>
    public static DicomCharacterSet FromSpecificCharacterSet(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (Cache.TryGetValue(value, out var cached))
        {
            return cached;
        }

        var terms = value.Split('\\').Select(t => t.Trim(' ', '\0')).ToArray();
        var set = terms.All(t => t.Length == 0) ? Default : new DicomCharacterSet(value, terms);

        // Data sets repeat a handful of values; a small bounded cache spares re-parsing them.
        if (Cache.Count < CacheLimit)
        {
            Cache.TryAdd(value, set);
        }

        return set;
    }

    /// <summary>
    /// Decodes a value (all of its values, delimiters included) of an element with VR <paramref name="vr"/>; the VR
    /// decides which delimiters restore the initial designations (PS3.5 6.1.2.5.3). Never throws.
    /// </summary>
    public string Decode(ReadOnlySpan<byte> bytes, DicomVR vr)
    {
        if (bytes.IsEmpty)
        {
            return string.Empty;
        }

        if (_wholeValueEncoding is not null)
        {
            // All three are ASCII-compatible: pure ASCII widens directly.
            return bytes.IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0
                ? _wholeValueEncoding.GetString(bytes)
                : Encoding.Latin1.GetString(bytes);
        }

        // Fast path: no escape sequence and nothing but ASCII (or, for Latin-1 and the default, anything) is a
        // straight Latin-1 widening, which the runtime vectorises.
        var special = _latin1WithoutEscapes ? bytes.IndexOf(Esc) : bytes.IndexOfAny(EscOrNonAscii);
        if (special < 0)
        {
            return Encoding.Latin1.GetString(bytes);
        }

        return Iso2022Decoder.Decode(bytes, vr, _initialG0, _initialG1, _impliedG1);
    }

    /// <summary>
    /// Encodes text (all of its values, delimiters included) for an element with VR <paramref name="vr"/>. Under
    /// code extensions it writes the escape sequences needed and restores the initial designations before each
    /// delimiter and at the end (PS3.5 6.1.2.5.3).
    /// </summary>
    /// <exception cref="DicomException">A character cannot be represented in this character set.</exception>
    public byte[] Encode(string text, DicomVR vr)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
        {
            return [];
        }

        if (_wholeValueEncoding is not null)
        {
            try
            {
                return _wholeValueEncoding.GetBytes(text);
            }
            catch (EncoderFallbackException e)
            {
                var index = e.Index;
                var unknown = e.CharUnknownHigh != '\0' ? $"{e.CharUnknownHigh}{e.CharUnknownLow}" : e.CharUnknown.ToString();
                throw CannotEncode(unknown, index, e);
            }
        }

        if (Ascii.IsValid(text) && !text.Contains((char)Esc, StringComparison.Ordinal))
        {
            return Encoding.ASCII.GetBytes(text);
        }

        return Iso2022Encoder.Encode(text, vr, _initialG0, _encodingInitialG1, _candidates, (c, i) => CannotEncode(c, i, null));
    }

    public override string ToString() => Terms.Count == 0 ? "(default repertoire)" : _value;

    private DicomException CannotEncode(string character, int index, Exception? inner)
    {
        var codePoint = char.IsSurrogatePair(character, 0) ? char.ConvertToUtf32(character, 0) : character[0];
        var what = char.IsControl(character, 0) ? $"U+{codePoint:X4}" : $"'{character}' (U+{codePoint:X4})";
        var where = Terms.Count == 0
            ? "the default repertoire (ISO-IR 6, ASCII only); set Specific Character Set (0008,0005), e.g. to ISO_IR 192"
            : $"Specific Character Set (0008,0005) '{_value}'";
        var unknown = UnknownTerms.Count == 0 ? string.Empty : $" (unknown terms: {string.Join(", ", UnknownTerms.Select(t => $"'{t}'"))})";
        return new DicomException($"Character {what} at index {index} cannot be encoded in {where}{unknown}.", inner);
    }
}
