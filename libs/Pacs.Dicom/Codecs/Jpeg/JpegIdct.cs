namespace Pacs.Dicom.Codecs.Jpeg;

/// <summary>
/// The 8×8 inverse DCT of T.81 A.3.3, computed in integers with the Loeffler–Ligtenberg–Moschytz factorisation
/// (12 multiplications per 1-D pass) and 13-bit fixed-point constants: columns first into a workspace scaled up by
/// <c>2^pass1Bits</c>, then rows, rounding at each descale. This is the arithmetic the widely deployed "accurate
/// integer" decoders use, so lossy frames decode to the same samples as the reference toolkits rather than to
/// values one off here and there (T.81 A.3.3 only bounds the error).
/// </summary>
internal static class JpegIdct
{
    private const int ConstBits = 13;

    private static readonly long C0298631336 = Fix(0.298631336);
    private static readonly long C0390180644 = Fix(0.390180644);
    private static readonly long C0541196100 = Fix(0.541196100);
    private static readonly long C0765366865 = Fix(0.765366865);
    private static readonly long C0899976223 = Fix(0.899976223);
    private static readonly long C1175875602 = Fix(1.175875602);
    private static readonly long C1501321110 = Fix(1.501321110);
    private static readonly long C1847759065 = Fix(1.847759065);
    private static readonly long C1961570560 = Fix(1.961570560);
    private static readonly long C2053119869 = Fix(2.053119869);
    private static readonly long C2562915447 = Fix(2.562915447);
    private static readonly long C3072711026 = Fix(3.072711026);

    /// <summary>
    /// Transforms one block of dequantised coefficients (natural order) and writes the level-shifted, clamped samples
    /// (T.81 A.3.1: + 2^(P-1), limited to 0..2^P-1) into <paramref name="output"/> at <paramref name="offset"/>.
    /// </summary>
    public static void Transform(Span<int> coefficients, ushort[] output, int offset, int stride, int precision)
    {
        var pass1Bits = precision == 8 ? 2 : 1;
        var center = 1 << (precision - 1);
        var max = (1 << precision) - 1;
        Span<long> work = stackalloc long[64];

        // Pass 1: columns.
        for (var col = 0; col < 8; col++)
        {
            if (coefficients[8 + col] == 0 && coefficients[16 + col] == 0 && coefficients[24 + col] == 0 && coefficients[32 + col] == 0
                && coefficients[40 + col] == 0 && coefficients[48 + col] == 0 && coefficients[56 + col] == 0)
            {
                // Only the DC term: the column is flat (the full computation gives exactly this value).
                long dc = (long)coefficients[col] << pass1Bits;
                for (var r = 0; r < 8; r++)
                {
                    work[(r * 8) + col] = dc;
                }

                continue;
            }

            OneDimension(
                coefficients[col], coefficients[8 + col], coefficients[16 + col], coefficients[24 + col],
                coefficients[32 + col], coefficients[40 + col], coefficients[48 + col], coefficients[56 + col],
                ConstBits - pass1Bits, work, col, 8);
        }

        // Pass 2: rows, with the final descale folding in the 1/8 of the 2-D transform.
        Span<long> row = stackalloc long[8];
        var shift = ConstBits + pass1Bits + 3;
        for (var r = 0; r < 8; r++)
        {
            var w = work.Slice(r * 8, 8);
            OneDimension(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], shift, row, 0, 1);
            var at = offset + (r * stride);
            for (var c = 0; c < 8; c++)
            {
                var v = row[c] + center;
                output[at + c] = (ushort)(v < 0 ? 0 : v > max ? max : v);
            }
        }
    }

    private static void OneDimension(long d0, long d1, long d2, long d3, long d4, long d5, long d6, long d7, int descale, Span<long> result, int start, int step)
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
        result[start] = (tmp10 + tmp3 + round) >> descale;
        result[start + (7 * step)] = (tmp10 - tmp3 + round) >> descale;
        result[start + step] = (tmp11 + tmp2 + round) >> descale;
        result[start + (6 * step)] = (tmp11 - tmp2 + round) >> descale;
        result[start + (2 * step)] = (tmp12 + tmp1 + round) >> descale;
        result[start + (5 * step)] = (tmp12 - tmp1 + round) >> descale;
        result[start + (3 * step)] = (tmp13 + tmp0 + round) >> descale;
        result[start + (4 * step)] = (tmp13 - tmp0 + round) >> descale;
    }

    private static long Fix(double x) => (long)Math.Round(x * (1 << ConstBits));
}
