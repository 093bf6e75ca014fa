using System.Buffers.Binary;
using System.Diagnostics;

namespace Pacs.Dicom.Tests.Reading;

/// <summary>
/// Seeded corruption of corpus files: flipped bytes, truncations, forged huge lengths, inserted and deleted bytes.
/// Every variant must read or fail with a <see cref="DicomReadException"/>, each within a time and allocation bound;
/// any other exception, a hang or a runaway allocation fails the test with the seed and mutation that caused it.
/// </summary>
public sealed class MutationTests
{
    // Fixed so every run checks the same variants; PACS_MUTATION_SEED explores others by hand.
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("PACS_MUTATION_SEED"), out var s) ? s : 20261124;

    // A variant of at most a few hundred KB must parse in well under this; a hang shows up as a miss by orders of magnitude.
    private static readonly TimeSpan PerVariantLimit = TimeSpan.FromSeconds(10);

    public static TheoryData<string> SourceFiles() =>
    [
        "valid/CT_small.dcm",
        "transfer-syntaxes/MR_small_implicit.dcm",
        "transfer-syntaxes/MR_small_bigendian.dcm",
        "transfer-syntaxes/CT_small_deflate.dcm",
        "transfer-syntaxes/MR_small_RLE.dcm",
        "transfer-syntaxes/JPEG2000.dcm",
        "private-tags/UN_sequence.dcm",
        "private-tags/nested_priv_SQ.dcm",
        "private-tags/priv_SQ.dcm",
        "non-image/rtplan.dcm",
        "non-image/test-SR.dcm",
        "charsets/chrH32.dcm",
        "dicomdir/pydicom-dicomdirtests/DICOMDIR",
        "multiframe/OBXXXX1A_rle_2frame.dcm",
        "dimse/worklist-queries/wlistqry0.dcm",
    ];

    [Theory]
    [MemberData(nameof(SourceFiles))]
    public void Corrupted_variants_read_or_fail_with_a_typed_error_in_bounded_time_and_memory(string file)
    {
        var path = TestPaths.CorpusFile(file);
        if (!File.Exists(path))
        {
            path = Directory.GetFiles(Path.GetDirectoryName(path)!).Order(StringComparer.Ordinal).First();
        }

        var original = File.ReadAllBytes(path);
        var random = new Random(Seed ^ StableHash(file));
        const int Variants = 2000;
        var read = 0;
        var refused = 0;
        for (var i = 0; i < Variants; i++)
        {
            var (variant, mutation) = Mutate(original, random);
            var nonSeekable = (i & 3) == 3;
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            try
            {
                using Stream stream = nonSeekable ? new NonSeekableStream(variant) : new MemoryStream(variant, writable: false);
                var dicom = DicomFile.Read(stream, new DicomReadOptions { BulkDataThresholdBytes = 4096 });
                MalformedCasesTests.ExerciseValues(dicom.Dataset);
                read++;
            }
            catch (DicomReadException)
            {
                refused++;
            }
            catch (Exception ex)
            {
                Assert.Fail($"{file} variant {i} ({mutation}, {(nonSeekable ? "non-seekable" : "seekable")}): {ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}");
            }

            clock.Stop();
            var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            Assert.True(clock.Elapsed < PerVariantLimit, $"{file} variant {i} ({mutation}) took {clock.Elapsed}");

            // Bounded by the input: a forged length must never turn into a matching allocation.
            var allowance = (16L * variant.Length) + (4L << 20);
            Assert.True(allocated < allowance, $"{file} variant {i} ({mutation}) allocated {allocated} bytes for {variant.Length} bytes of input");
        }

        Assert.Equal(Variants, read + refused);
    }

    private static (byte[] Variant, string Mutation) Mutate(byte[] original, Random random)
    {
        var data = (byte[])original.Clone();
        switch (random.Next(6))
        {
            case 0:
            {
                var flips = random.Next(1, 9);
                for (var k = 0; k < flips; k++)
                {
                    data[random.Next(data.Length)] ^= (byte)random.Next(1, 256);
                }

                return (data, $"{flips} flipped bytes");
            }

            case 1:
            {
                var length = random.Next(data.Length);
                return (data.AsSpan(0, length).ToArray(), $"truncated to {length}");
            }

            case 2:
            {
                // A huge 32-bit length at a random even position (often an element's length field).
                var at = random.Next(Math.Min(132, data.Length - 4), data.Length - 4) & ~1;
                uint[] huge = [0xFFFFFFF0, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, (uint)random.Next()];
                var value = huge[random.Next(huge.Length)];
                BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(at), value);
                return (data, $"length 0x{value:X8} at {at}");
            }

            case 3:
            {
                // A huge 16-bit length.
                var at = random.Next(Math.Min(132, data.Length - 2), data.Length - 2) & ~1;
                BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(at), 0xFFFF);
                return (data, $"16-bit length 0xFFFF at {at}");
            }

            case 4:
            {
                var at = random.Next(data.Length);
                var count = random.Next(1, 16);
                var inserted = new byte[count];
                random.NextBytes(inserted);
                return ([.. data.AsSpan(0, at), .. inserted, .. data.AsSpan(at)], $"{count} bytes inserted at {at}");
            }

            default:
            {
                var at = random.Next(data.Length);
                var count = Math.Min(random.Next(1, 64), data.Length - at);
                return ([.. data.AsSpan(0, at), .. data.AsSpan(at + count)], $"{count} bytes deleted at {at}");
            }
        }
    }

    private static int StableHash(string text)
    {
        var hash = 17;
        foreach (var c in text)
        {
            hash = (hash * 31) + c;
        }

        return hash & 0x7FFFFFFF;
    }
}
