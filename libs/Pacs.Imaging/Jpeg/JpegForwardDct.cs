using System.Runtime.Intrinsics;

namespace Pacs.Imaging;

/// <summary>
/// The 8×8 forward DCT of T.81 A.3.3, F(v,u) = ¼ C(u) C(v) Σ Σ f(y,x) cos((2x+1)uπ/16) cos((2y+1)vπ/16), done as two
/// matrix products F = M·B·Mᵀ with M[u][x] = ½ C(u) cos((2x+1)uπ/16), eight floats per row in one 256-bit vector
/// (128 vector multiply-adds per block), then quantised with precomputed reciprocals.
/// </summary>
internal static class JpegForwardDct
{
    /// <summary>Column x of M as a vector over u.</summary>
    private static readonly Vector256<float>[] MatrixColumns = BuildColumns();

    /// <summary>M in row-major order, M[v * 8 + y].</summary>
    private static readonly float[] Matrix = BuildMatrix();

    /// <summary>Reciprocals of a quantisation table (natural order), one vector per row of coefficients.</summary>
    public static Vector256<float>[] Reciprocals(ReadOnlySpan<byte> quantization)
    {
        var rows = new Vector256<float>[8];
        Span<float> row = stackalloc float[8];
        for (var v = 0; v < 8; v++)
        {
            for (var u = 0; u < 8; u++)
            {
                row[u] = 1f / quantization[(v * 8) + u];
            }

            rows[v] = Vector256.Create((ReadOnlySpan<float>)row);
        }

        return rows;
    }

    /// <summary>
    /// Transforms the block whose rows start at <paramref name="offset"/> of <paramref name="plane"/> (rows
    /// <paramref name="stride"/> floats apart, samples already level shifted by -128), quantises it and writes the 64
    /// quantised coefficients in zig-zag order to <paramref name="zigzag"/>.
    /// </summary>
    public static void TransformAndQuantize(ReadOnlySpan<float> plane, int stride, int offset, Vector256<float>[] reciprocals, Span<int> zigzag)
    {
        Span<Vector256<float>> t = stackalloc Vector256<float>[8];
        var columns = MatrixColumns;

        // T = B·Mᵀ: row y of T is Σx B[y][x] · (column x of M).
        for (var y = 0; y < 8; y++)
        {
            var b = plane.Slice(offset + (y * stride), 8);
            var acc = columns[0] * b[0];
            acc += columns[1] * b[1];
            acc += columns[2] * b[2];
            acc += columns[3] * b[3];
            acc += columns[4] * b[4];
            acc += columns[5] * b[5];
            acc += columns[6] * b[6];
            acc += columns[7] * b[7];
            t[y] = acc;
        }

        // F = M·T: row v of F is Σy M[v][y] · (row y of T); quantised by multiplying with the reciprocal and rounding.
        Span<int> natural = stackalloc int[64];
        var m = Matrix;
        for (var v = 0; v < 8; v++)
        {
            var i = v * 8;
            var acc = t[0] * m[i];
            acc += t[1] * m[i + 1];
            acc += t[2] * m[i + 2];
            acc += t[3] * m[i + 3];
            acc += t[4] * m[i + 4];
            acc += t[5] * m[i + 5];
            acc += t[6] * m[i + 6];
            acc += t[7] * m[i + 7];
            var quantized = Vector256.ConvertToInt32(Vector256.Round(acc * reciprocals[v]));
            quantized.CopyTo(natural.Slice(i, 8));
        }

        var order = JpegTables.ZigzagToNatural;
        for (var k = 0; k < 64; k++)
        {
            zigzag[k] = natural[order[k]];
        }
    }

    /// <summary>The exact transform without quantisation, for tests: natural order in, natural order out.</summary>
    internal static void Transform(ReadOnlySpan<float> block, Span<float> coefficients)
    {
        for (var v = 0; v < 8; v++)
        {
            for (var u = 0; u < 8; u++)
            {
                double sum = 0;
                for (var y = 0; y < 8; y++)
                {
                    for (var x = 0; x < 8; x++)
                    {
                        sum += Matrix[(u * 8) + x] * Matrix[(v * 8) + y] * block[(y * 8) + x];
                    }
                }

                coefficients[(v * 8) + u] = (float)sum;
            }
        }
    }

    private static float[] BuildMatrix()
    {
        var m = new float[64];
        for (var u = 0; u < 8; u++)
        {
            var c = u == 0 ? 1 / Math.Sqrt(2) : 1.0;
            for (var x = 0; x < 8; x++)
            {
                m[(u * 8) + x] = (float)(0.5 * c * Math.Cos(((2 * x) + 1) * u * Math.PI / 16));
            }
        }

        return m;
    }

    private static Vector256<float>[] BuildColumns()
    {
        var m = BuildMatrix();
        var columns = new Vector256<float>[8];
        Span<float> column = stackalloc float[8];
        for (var x = 0; x < 8; x++)
        {
            for (var u = 0; u < 8; u++)
            {
                column[u] = m[(u * 8) + x];
            }

            columns[x] = Vector256.Create((ReadOnlySpan<float>)column);
        }

        return columns;
    }
}
