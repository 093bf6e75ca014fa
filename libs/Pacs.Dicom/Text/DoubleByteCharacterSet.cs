using System.Text;

namespace Pacs.Dicom;

/// <summary>
/// A 94×94 set (JIS X 0208, JIS X 0212, KS X 1001, GB 2312). The table of its 8836 cells is read once, on first
/// use, from the platform code page that embeds the set with the high bit set (EUC form), then corrected where that
/// code page departs from the set's published mapping. Encoding only produces cells of the set's own rows, never a
/// vendor extension or a user-defined (private-use) cell that another reader would not know.
/// </summary>
internal sealed class DoubleByteCharacterSet : GraphicCharacterSet
{
    private const int Size = 94;

    private readonly Lazy<(char[] Cells, Dictionary<char, int> Reverse)> _mapping;

    /// <param name="codePage">The platform code page holding the set in EUC form.</param>
    /// <param name="trailHasHighBit">False where the code page takes the second byte without its high bit (JIS X 0212 in code page 20932).</param>
    /// <param name="isStandardRow">Rows (0x21–0x7E) that belong to the set itself; cells elsewhere decode but are never produced.</param>
    /// <param name="corrections">Cells whose character differs from the code page's, or that it lacks.</param>
    /// <param name="encodeAliases">Further characters that encode to a cell (other vendors' mappings of the same glyph).</param>
    public DoubleByteCharacterSet(
        string registration,
        CodeElement element,
        byte[] designation,
        int codePage,
        bool trailHasHighBit,
        Func<int, bool> isStandardRow,
        (int Code, char Char)[] corrections,
        (char Char, int Code)[] encodeAliases)
        : base(registration, element, designation) =>
        _mapping = new(() => Build(codePage, trailHasHighBit, isStandardRow, corrections, encodeAliases));

    public override bool IsDoubleByte => true;

    public override char Decode(int first, int second)
    {
        var row = (first & 0x7F) - 0x21;
        var column = (second & 0x7F) - 0x21;
        return (uint)row < Size && (uint)column < Size
            ? _mapping.Value.Cells[(row * Size) + column]
            : SingleByteTables.Unassigned;
    }

    public override bool TryEncode(char c, out int code) => _mapping.Value.Reverse.TryGetValue(c, out code);

    private static (char[] Cells, Dictionary<char, int> Reverse) Build(
        int codePage,
        bool trailHasHighBit,
        Func<int, bool> isStandardRow,
        (int Code, char Char)[] corrections,
        (char Char, int Code)[] encodeAliases)
    {
        // A replacement fallback (not an exception) so that the many unassigned cells cost nothing to probe.
        var encoding = CodePagesEncodingProvider.Instance.GetEncoding(
                codePage, EncoderFallback.ExceptionFallback, new DecoderReplacementFallback("\uFFFF"))
            ?? throw new InvalidOperationException($"Code page {codePage} is not available on this platform.");

        var cells = new char[Size * Size];
        Span<byte> pair = stackalloc byte[2];
        Span<char> chars = stackalloc char[4];
        for (var row = 0; row < Size; row++)
        {
            for (var column = 0; column < Size; column++)
            {
                pair[0] = (byte)((row + 0x21) | 0x80);
                pair[1] = (byte)(trailHasHighBit ? (column + 0x21) | 0x80 : column + 0x21);
                var n = encoding.GetChars(pair, chars);
                cells[(row * Size) + column] = n == 1 && !char.IsSurrogate(chars[0]) ? chars[0] : SingleByteTables.Unassigned;
            }
        }

        foreach (var (code, c) in corrections)
        {
            cells[(((code >> 8) - 0x21) * Size) + (code & 0xFF) - 0x21] = c;
        }

        var reverse = new Dictionary<char, int>(Size * Size);
        for (var i = 0; i < cells.Length; i++)
        {
            var c = cells[i];
            var row = (i / Size) + 0x21;
            if (c != SingleByteTables.Unassigned && isStandardRow(row) && !IsPrivateUse(c))
            {
                reverse.TryAdd(c, (row << 8) | ((i % Size) + 0x21));
            }
        }

        foreach (var (c, code) in encodeAliases)
        {
            reverse.TryAdd(c, code);
        }

        return (cells, reverse);
    }

    private static bool IsPrivateUse(char c) => c is >= '\uE000' and <= '\uF8FF';
}
