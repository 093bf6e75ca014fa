namespace Pacs.Imaging;

/// <summary>
/// An encoder's view of a Huffman table: the code and its length for each symbol, derived from the BITS and
/// HUFFVAL lists as T.81 Annex C prescribes (C.1 sizes, C.2 codes, C.3 ordered by symbol).
/// </summary>
internal sealed class JpegHuffmanTable
{
    public JpegHuffmanTable(ReadOnlySpan<byte> bits, ReadOnlySpan<byte> values)
    {
        if (bits.Length != 16)
        {
            throw new ArgumentException("BITS lists the number of codes of each length 1..16.", nameof(bits));
        }

        Bits = bits.ToArray();
        Values = values.ToArray();
        Codes = new ushort[256];
        Lengths = new byte[256];

        // C.1 and C.2: codes of one length are consecutive; moving to the next length doubles the code.
        var code = 0;
        var k = 0;
        for (var length = 1; length <= 16; length++)
        {
            for (var i = 0; i < bits[length - 1]; i++)
            {
                if (k >= values.Length)
                {
                    throw new ArgumentException("BITS counts more codes than HUFFVAL has symbols.", nameof(values));
                }

                var symbol = values[k++];
                Codes[symbol] = (ushort)code;
                Lengths[symbol] = (byte)length;
                code++;
            }

            if (code > 1 << length)
            {
                throw new ArgumentException($"BITS asks for more codes of length {length} than fit.", nameof(bits));
            }

            code <<= 1;
        }

        if (k != values.Length)
        {
            throw new ArgumentException("HUFFVAL has symbols that BITS gives no code.", nameof(values));
        }
    }

    public static JpegHuffmanTable DcLuminance { get; } = new(JpegTables.DcLuminanceBits, JpegTables.DcValues);

    public static JpegHuffmanTable DcChrominance { get; } = new(JpegTables.DcChrominanceBits, JpegTables.DcValues);

    public static JpegHuffmanTable AcLuminance { get; } = new(JpegTables.AcLuminanceBits, JpegTables.AcLuminanceValues);

    public static JpegHuffmanTable AcChrominance { get; } = new(JpegTables.AcChrominanceBits, JpegTables.AcChrominanceValues);

    public byte[] Bits { get; }

    public byte[] Values { get; }

    /// <summary>The code of each symbol (right-aligned).</summary>
    public ushort[] Codes { get; }

    /// <summary>The code length of each symbol; 0 for a symbol the table cannot code.</summary>
    public byte[] Lengths { get; }
}
