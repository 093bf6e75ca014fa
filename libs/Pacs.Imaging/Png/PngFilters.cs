using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Pacs.Imaging;

/// <summary>
/// The five PNG row filters (PNG spec 9.2) and the adaptive heuristic's cost, 32 bytes at a time where the machine has
/// 256-bit vectors. Filtering only reads unfiltered bytes (the row and the row above), so every byte is independent.
/// </summary>
internal static class PngFilters
{
    /// <summary>Writes the filtered row for filter <paramref name="type"/> 0..4 into <paramref name="dst"/> (same length as the row).</summary>
    public static void Apply(int type, ReadOnlySpan<byte> row, ReadOnlySpan<byte> previous, int bpp, Span<byte> dst)
    {
        var length = row.Length;
        ref var r = ref MemoryMarshal.GetReference(row);
        ref var p = ref MemoryMarshal.GetReference(previous);
        ref var d = ref MemoryMarshal.GetReference(dst);
        var vectorized = Vector256.IsHardwareAccelerated;
        var i = 0;
        switch (type)
        {
            case 0:
                row.CopyTo(dst);
                return;

            case 1: // Sub: x − a
                for (; i < bpp; i++)
                {
                    Unsafe.Add(ref d, i) = Unsafe.Add(ref r, i);
                }

                if (vectorized)
                {
                    for (; i + 32 <= length; i += 32)
                    {
                        var x = Vector256.LoadUnsafe(ref r, (nuint)i);
                        var a = Vector256.LoadUnsafe(ref r, (nuint)(i - bpp));
                        (x - a).StoreUnsafe(ref d, (nuint)i);
                    }
                }

                for (; i < length; i++)
                {
                    Unsafe.Add(ref d, i) = (byte)(Unsafe.Add(ref r, i) - Unsafe.Add(ref r, i - bpp));
                }

                return;

            case 2: // Up: x − b
                if (vectorized)
                {
                    for (; i + 32 <= length; i += 32)
                    {
                        (Vector256.LoadUnsafe(ref r, (nuint)i) - Vector256.LoadUnsafe(ref p, (nuint)i)).StoreUnsafe(ref d, (nuint)i);
                    }
                }

                for (; i < length; i++)
                {
                    Unsafe.Add(ref d, i) = (byte)(Unsafe.Add(ref r, i) - Unsafe.Add(ref p, i));
                }

                return;

            case 3: // Average: x − floor((a + b) / 2)
                for (; i < bpp; i++)
                {
                    Unsafe.Add(ref d, i) = (byte)(Unsafe.Add(ref r, i) - (Unsafe.Add(ref p, i) >> 1));
                }

                if (vectorized)
                {
                    var low7 = Vector256.Create((byte)0x7F);
                    for (; i + 32 <= length; i += 32)
                    {
                        var x = Vector256.LoadUnsafe(ref r, (nuint)i);
                        var a = Vector256.LoadUnsafe(ref r, (nuint)(i - bpp));
                        var b = Vector256.LoadUnsafe(ref p, (nuint)i);

                        // floor((a + b) / 2) without overflow: (a & b) + ((a ^ b) >> 1), the shift done per byte.
                        var half = Vector256.ShiftRightLogical((a ^ b).AsUInt16(), 1).AsByte() & low7;
                        (x - ((a & b) + half)).StoreUnsafe(ref d, (nuint)i);
                    }
                }

                for (; i < length; i++)
                {
                    Unsafe.Add(ref d, i) = (byte)(Unsafe.Add(ref r, i) - ((Unsafe.Add(ref r, i - bpp) + Unsafe.Add(ref p, i)) >> 1));
                }

                return;

            default: // Paeth: x − PaethPredictor(a, b, c)
                for (; i < bpp; i++)
                {
                    Unsafe.Add(ref d, i) = (byte)(Unsafe.Add(ref r, i) - Unsafe.Add(ref p, i));
                }

                if (vectorized)
                {
                    for (; i + 32 <= length; i += 32)
                    {
                        var x = Vector256.LoadUnsafe(ref r, (nuint)i);
                        var a = Vector256.LoadUnsafe(ref r, (nuint)(i - bpp));
                        var b = Vector256.LoadUnsafe(ref p, (nuint)i);
                        var c = Vector256.LoadUnsafe(ref p, (nuint)(i - bpp));
                        var (aLow, aHigh) = Vector256.Widen(a);
                        var (bLow, bHigh) = Vector256.Widen(b);
                        var (cLow, cHigh) = Vector256.Widen(c);
                        var predicted = Vector256.Narrow(
                            Paeth(aLow.AsInt16(), bLow.AsInt16(), cLow.AsInt16()).AsUInt16(),
                            Paeth(aHigh.AsInt16(), bHigh.AsInt16(), cHigh.AsInt16()).AsUInt16());
                        (x - predicted).StoreUnsafe(ref d, (nuint)i);
                    }
                }

                for (; i < length; i++)
                {
                    Unsafe.Add(ref d, i) = (byte)(Unsafe.Add(ref r, i) - PngEncoder.Paeth(Unsafe.Add(ref r, i - bpp), Unsafe.Add(ref p, i), Unsafe.Add(ref p, i - bpp)));
                }

                return;
        }
    }

    /// <summary>PNG spec 12.8: the sum of the filtered bytes taken as signed values, in absolute value.</summary>
    public static long Cost(ReadOnlySpan<byte> data)
    {
        long sum = 0;
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref var start = ref MemoryMarshal.GetReference(data);
            var accumulator = Vector256<uint>.Zero;
            for (; i + 32 <= data.Length; i += 32)
            {
                // |−128| is 128, which the unsigned reinterpretation of Abs gives correctly.
                var magnitude = Vector256.Abs(Vector256.LoadUnsafe(ref start, (nuint)i).AsSByte()).AsByte();
                var (low, high) = Vector256.Widen(magnitude);
                var (low32, high32) = Vector256.Widen(low + high);
                accumulator += low32 + high32;
            }

            sum = Vector256.Sum(accumulator);
        }

        for (; i < data.Length; i++)
        {
            sum += Math.Abs((int)(sbyte)data[i]);
        }

        return sum;
    }

    /// <summary>PNG spec 9.4 on sixteen 16-bit lanes: the neighbour nearest to a + b − c, ties to a, then b.</summary>
    private static Vector256<short> Paeth(Vector256<short> a, Vector256<short> b, Vector256<short> c)
    {
        var pa = Vector256.Abs(b - c);
        var pb = Vector256.Abs(a - c);
        var pc = Vector256.Abs(b - c + (a - c));
        var useA = Vector256.LessThanOrEqual(pa, pb) & Vector256.LessThanOrEqual(pa, pc);
        var useB = Vector256.LessThanOrEqual(pb, pc);
        return Vector256.ConditionalSelect(useA, a, Vector256.ConditionalSelect(useB, b, c));
    }
}
