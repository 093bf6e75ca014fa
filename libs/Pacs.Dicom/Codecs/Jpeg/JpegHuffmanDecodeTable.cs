namespace Pacs.Dicom.Codecs.Jpeg;

/// <summary>
/// A decoder's Huffman table built from a DHT segment's BITS and HUFFVAL lists (T.81 Annex C for the code
/// assignment, F.2.2.3 for MAXCODE/VALPTR). Codes of up to <see cref="LookupBits"/> bits are found with one table
/// look-up; longer codes fall back to the length-by-length search of F.2.2.3.
/// </summary>
internal sealed class JpegHuffmanDecodeTable
{
    public const int LookupBits = 9;

    /// <summary>For each 9-bit prefix: (code length &lt;&lt; 8) | symbol, or 0 when the code is longer than 9 bits.</summary>
    public readonly int[] Lookup = new int[1 << LookupBits];

    /// <summary>The largest code of each length 1..16 (right-aligned), -1 when no code has that length.</summary>
    public readonly int[] MaxCode = new int[18];

    /// <summary>For each length: index into <see cref="Values"/> of its first code, minus that code.</summary>
    public readonly int[] ValueOffset = new int[18];

    public readonly byte[] Values;

    public JpegHuffmanDecodeTable(ReadOnlySpan<byte> bits, ReadOnlySpan<byte> values)
    {
        Values = values.ToArray();
        var code = 0;
        var k = 0;
        for (var length = 1; length <= 16; length++)
        {
            int count = bits[length - 1];
            if (count == 0)
            {
                MaxCode[length] = -1;
            }
            else
            {
                // C.2: consecutive codes of one length; F.2.2.3: VALPTR(l) - MINCODE(l).
                ValueOffset[length] = k - code;
                for (var i = 0; i < count; i++, k++, code++)
                {
                    if (length <= LookupBits)
                    {
                        var first = code << (LookupBits - length);
                        var span = 1 << (LookupBits - length);
                        Lookup.AsSpan(first, span).Fill((length << 8) | Values[k]);
                    }
                }

                MaxCode[length] = code - 1;
            }

            // C.2: more codes of one length than that many bits can form is a corrupt table.
            if (code > 1 << length)
            {
                throw new DicomCodecException($"The Huffman table assigns more codes of {length} bits than exist (T.81 C.2).");
            }

            code <<= 1;
        }

        MaxCode[17] = int.MaxValue; // sentinel: a 17th bit never ends the search successfully
    }
}
