namespace Pacs.Dicom.Codecs.Jpeg;

/// <summary>
/// The 8×8 inverse DCT of T.81 A.3.3, computed in integers with the Loeffler–Ligtenberg–Moschytz factorisation
/// (12 multiplications per 1-D pass) and 13-bit fixed-point constants: columns first into a workspace scaled up by
/// <c>2^pass1Bits</c>, then rows, rounding at each descale. This is the arithmetic the widely deployed "accurate
/// integer" decoders use, so lossy frames decode to the same samples as the reference toolkits rather than to
/// values one off here and there (T.81 A.3.3 only bounds the error).
/// </summary>
[System.Runtime.CompilerServices.SkipLocalsInit] // both work buffers are written in full before they are read
internal static class JpegIdct
{
    private const int ConstBits = 13;

    // The factorisation's multipliers, round(x · 2^13).
    private const long C0298631336 = 2446;
    private const long C0390180644 = 3196;
    private const long C0541196100 = 4433;
    private const long C0765366865 = 6270;
    private const long C0899976223 = 7373;
    private const long C1175875602 = 9633;
    private const long C1501321110 = 12299;
    private const long C1847759065 = 15137;
    private const long C1961570560 = 16069;
    private const long C2053119869 = 16819;
    private const long C2562915447 = 20995;
    private const long C3072711026 = 25172;

    /// <summary>
    /// Transforms one block of dequantised coefficients (natural order) and writes the level-shifted, clamped samples
    /// (T.81 A.3.1: + 2^(P-1), limited to 0..2^P-1) into <paramref name="output"/> at <paramref name="offset"/>.
    /// </summary>
    /// <param name="hasAc">False when the caller knows every AC coefficient is zero (the entropy decoder saw none).</param>
    public static unsafe void Transform(Span<int> coefficients, ushort[] output, int offset, int stride, int precision, bool hasAc = true)
    {
        // The one bounds check for the whole block; the loops below then run on pointers (this is the decoder's hot spot).
        if (coefficients.Length < 64 || offset < 0 || stride < 8 || (long)offset + (7L * stride) + 8 > output.Length)
        {
            throw new DicomCodecException("A JPEG 8×8 block lies outside its component plane; the stream's sizes are inconsistent.");
        }

        var pass1Bits = precision == 8 ? 2 : 1;
        var center = 1 << (precision - 1);
        var max = (1 << precision) - 1;
        fixed (int* coef = coefficients)
        fixed (ushort* plane = output)
        {
            var target = plane + offset;
            if (!hasAc)
            {
                // Only the DC term, the commonest block of all: every sample is the same, and equal to what both passes
                // below would compute (their descales are exact for flat input).
                var flat = ((((long)coef[0] << pass1Bits) + (1L << (pass1Bits + 2))) >> (pass1Bits + 3)) + center;
                var sample = (ushort)(flat < 0 ? 0 : flat > max ? max : flat);
                for (var r = 0; r < 8; r++)
                {
                    new Span<ushort>(target + (r * stride), 8).Fill(sample);
                }

                return;
            }

            var work = stackalloc long[64];

            // Pass 1: columns.
            for (var col = 0; col < 8; col++)
            {
                var c = coef + col;
                if ((c[8] | c[16] | c[24] | c[32] | c[40] | c[48] | c[56]) == 0)
                {
                    // Only the DC term: the column is flat (the full computation gives exactly this value).
                    var dc = (long)c[0] << pass1Bits;
                    for (var r = 0; r < 8; r++)
                    {
                        work[(r * 8) + col] = dc;
                    }

                    continue;
                }

                OneDimension(c[0], c[8], c[16], c[24], c[32], c[40], c[48], c[56], ConstBits - pass1Bits, work + col, 8);
            }

            // Pass 2: rows, with the final descale folding in the 1/8 of the 2-D transform.
            var row = stackalloc long[8];
            var shift = ConstBits + pass1Bits + 3;
            for (var r = 0; r < 8; r++)
            {
                var w = work + (r * 8);
                var at = target + (r * stride);
                if ((w[1] | w[2] | w[3] | w[4] | w[5] | w[6] | w[7]) == 0)
                {
                    // A row with no AC terms is flat; this descale gives exactly what the full pass would.
                    var v = ((w[0] + (1L << (pass1Bits + 2))) >> (pass1Bits + 3)) + center;
                    new Span<ushort>(at, 8).Fill((ushort)(v < 0 ? 0 : v > max ? max : v));
                    continue;
                }

                OneDimension(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], shift, row, 1);
                for (var c = 0; c < 8; c++)
                {
                    var v = row[c] + center;
                    at[c] = (ushort)(v < 0 ? 0 : v > max ? max : v);
                }
            }
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static unsafe void OneDimension(long d0, long d1, long d2, long d3, long d4, long d5, long d6, long d7, int descale, long* result, int step)
    {
        // Even part: rotation of inputs 2 and 6, butterflies with 0 and 4.
        var z1 = (d2 + d6) * C0541196100;
        var tmp2 = z1 + (d6 * -C1847759065);
        var tmp3 = z1 + (d2 * C0765366865);
        var tmp0 = (d0 + d4) << ConstBits;
        var tmp1 = (d0 - d4) << ConstBits;
        var tmp10 = tmp0 + tmp3;
        var tmp13 = tmp0 - tmp3;
        var tmp11 = tmp1 + tmp2;
        var tmp12 = tmp1 - tmp2;

        // Odd part: inputs 7, 5, 3, 1.
        tmp0 = d7;
        tmp1 = d5;
        tmp2 = d3;
        tmp3 = d1;
        z1 = tmp0 + tmp3;
        var z2 = tmp1 + tmp2;
        var z3 = tmp0 + tmp2;
        var z4 = tmp1 + tmp3;
        var z5 = (z3 + z4) * C1175875602;
        tmp0 *= C0298631336;
        tmp1 *= C2053119869;
        tmp2 *= C3072711026;
        tmp3 *= C1501321110;
        z1 *= -C0899976223;
        z2 *= -C2562915447;
        z3 = (z3 * -C1961570560) + z5;
        z4 = (z4 * -C0390180644) + z5;
        tmp0 += z1 + z3;
        tmp1 += z2 + z4;
        tmp2 += z2 + z3;
        tmp3 += z1 + z4;

        var round = 1L << (descale - 1);
        result[0] = (tmp10 + tmp3 + round) >> descale;
        result[7 * step] = (tmp10 - tmp3 + round) >> descale;
        result[step] = (tmp11 + tmp2 + round) >> descale;
        result[6 * step] = (tmp11 - tmp2 + round) >> descale;
        result[2 * step] = (tmp12 + tmp1 + round) >> descale;
        result[5 * step] = (tmp12 - tmp1 + round) >> descale;
        result[3 * step] = (tmp13 + tmp0 + round) >> descale;
        result[4 * step] = (tmp13 - tmp0 + round) >> descale;
    }
}
