using System.Collections.Frozen;
using System.Text;

namespace Pacs.Dicom;

/// <summary>
/// One Defined Term of Specific Character Set (0008,0005) (PS3.3 C.12.1.1.2): either the graphic sets it puts in G0
/// and G1 (all ISO 2022 based terms, with or without code extensions), or a whole-value encoding that permits no
/// code extensions (ISO_IR 192, GB18030, GBK).
/// </summary>
internal sealed class CharacterSetTerm
{
    private static readonly FrozenDictionary<string, CharacterSetTerm> ByKey = BuildTerms();

    private CharacterSetTerm(string definedTerm, GraphicCharacterSet? g0, GraphicCharacterSet? g1, Encoding? wholeValueEncoding)
    {
        DefinedTerm = definedTerm;
        G0 = g0;
        G1 = g1;
        WholeValueEncoding = wholeValueEncoding;
    }

    /// <summary>The term as the standard spells it, e.g. "ISO 2022 IR 87".</summary>
    public string DefinedTerm { get; }

    public GraphicCharacterSet? G0 { get; }

    public GraphicCharacterSet? G1 { get; }

    /// <summary>For ISO_IR 192, GB18030 and GBK: the encoding of the whole value; null for ISO 2022 based terms.</summary>
    public Encoding? WholeValueEncoding { get; }

    /// <summary>
    /// Finds the term for one value of (0008,0005). Matching ignores case, spaces, underscores and hyphens, so the
    /// misspellings seen in the wild ("ISO IR 100", "ISO-IR 100", "ISO_IR100") resolve; "ISO_IR 6" and "ISO 2022 IR 6"
    /// are the default repertoire; "UTF-8", "GB2312" and the ISO 8859 part names are accepted as aliases.
    /// </summary>
    public static CharacterSetTerm? Find(string value) => ByKey.GetValueOrDefault(Key(value));

    private static string Key(string value)
    {
        var key = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c is not (' ' or '_' or '-' or '\0'))
            {
                key.Append(char.ToUpperInvariant(c));
            }
        }

        return key.ToString();
    }

    private static FrozenDictionary<string, CharacterSetTerm> BuildTerms()
    {
        var terms = new Dictionary<string, CharacterSetTerm>();
        void Add(string definedTerm, GraphicCharacterSet? g0, GraphicCharacterSet? g1, params string[] aliases)
        {
            var term = new CharacterSetTerm(definedTerm, g0, g1, null);
            terms.Add(Key(definedTerm), term);
            foreach (var alias in aliases)
            {
                terms.Add(Key(alias), term);
            }
        }

        // PS3.3 Table C.12-2 (single-byte, no code extensions) and C.12-3 (with code extensions): the same sets.
        void AddSingleByte(int ir, GraphicCharacterSet g0, GraphicCharacterSet? g1, params string[] aliases)
        {
            Add($"ISO_IR {ir}", g0, g1, aliases);
            Add($"ISO 2022 IR {ir}", g0, g1);
        }

        // The default repertoire: an empty value, "ISO_IR 6" (not a Defined Term, but common) and "ISO 2022 IR 6".
        AddSingleByte(6, GraphicCharacterSets.Ascii, null, "", "ASCII", "US-ASCII", "ISO 646");
        AddSingleByte(100, GraphicCharacterSets.Ascii, GraphicCharacterSets.Latin1, "ISO 8859-1", "LATIN1");
        AddSingleByte(101, GraphicCharacterSets.Ascii, GraphicCharacterSets.Latin2, "ISO 8859-2");
        AddSingleByte(109, GraphicCharacterSets.Ascii, GraphicCharacterSets.Latin3, "ISO 8859-3");
        AddSingleByte(110, GraphicCharacterSets.Ascii, GraphicCharacterSets.Latin4, "ISO 8859-4");
        AddSingleByte(144, GraphicCharacterSets.Ascii, GraphicCharacterSets.Cyrillic, "ISO 8859-5");
        AddSingleByte(127, GraphicCharacterSets.Ascii, GraphicCharacterSets.Arabic, "ISO 8859-6");
        AddSingleByte(126, GraphicCharacterSets.Ascii, GraphicCharacterSets.Greek, "ISO 8859-7");
        AddSingleByte(138, GraphicCharacterSets.Ascii, GraphicCharacterSets.Hebrew, "ISO 8859-8");
        AddSingleByte(148, GraphicCharacterSets.Ascii, GraphicCharacterSets.Latin5, "ISO 8859-9");
        AddSingleByte(203, GraphicCharacterSets.Ascii, GraphicCharacterSets.Latin9, "ISO 8859-15");
        AddSingleByte(166, GraphicCharacterSets.Ascii, GraphicCharacterSets.Thai, "ISO 8859-11", "TIS 620");
        AddSingleByte(13, GraphicCharacterSets.JisRoman, GraphicCharacterSets.JisKatakana);

        // PS3.3 Table C.12-4: multi-byte sets with code extensions. "ISO_IR 87" etc. are not Defined Terms; accepted.
        Add("ISO 2022 IR 87", GraphicCharacterSets.JisX0208, null, "ISO_IR 87");
        Add("ISO 2022 IR 159", GraphicCharacterSets.JisX0212, null, "ISO_IR 159");
        Add("ISO 2022 IR 149", null, GraphicCharacterSets.KsX1001, "ISO_IR 149");
        Add("ISO 2022 IR 58", null, GraphicCharacterSets.Gb2312, "ISO_IR 58", "GB2312", "ISO 2022 58");

        // PS3.3 Table C.12-5: multi-byte sets without code extensions.
        var utf8 = new CharacterSetTerm("ISO_IR 192", null, null, WholeValueEncodings.Utf8);
        terms.Add(Key("ISO_IR 192"), utf8);
        terms.Add(Key("UTF-8"), utf8);
        terms.Add(Key("ISO 2022 IR 192"), utf8);
        terms.Add(Key("GB18030"), new CharacterSetTerm("GB18030", null, null, WholeValueEncodings.Gb18030));
        var gbk = new CharacterSetTerm("GBK", null, null, WholeValueEncodings.Gbk);
        terms.Add(Key("GBK"), gbk);
        terms.Add(Key("ISO 2022 GBK"), gbk);

        return terms.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
