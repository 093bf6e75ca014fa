using System.Diagnostics;
using Pacs.Http.Multipart;
using Xunit.Abstractions;

namespace Pacs.DicomWeb.Tests.Multipart;

/// <summary>Runs alone, so that the process-wide allocation count it measures is its own.</summary>
[CollectionDefinition(nameof(MultipartLargePartTests), DisableParallelization = true)]
public sealed class MultipartLargePartCollection;

[Collection(nameof(MultipartLargePartTests))]
public class MultipartLargePartTests
{
    private readonly ITestOutputHelper _output;

    public MultipartLargePartTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task A_4_GiB_part_streams_through_with_flat_memory_and_every_byte_intact()
    {
        const long bodyLength = (4L << 30) + 7; // past both int and uint lengths
        const string boundary = "pacs-large-part-boundary-0123456789abcdef";
        var block = new byte[64 * 1024 + 13]; // not a power of two, so block edges fall everywhere in the reads
        new Random(20240611).NextBytes(block);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var source = new GeneratedMultipartStream(boundary, bodyLength, block);
        await using var reader = new MultipartRelatedReader(source, boundary);

        // Growth is measured from a collected heap, so garbage other tests left behind does not count.
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);

        // The source completes every read synchronously, so all the reading runs on this thread.
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var part = await reader.ReadNextPartAsync(timeout.Token);
        Assert.NotNull(part);
        var buffer = new byte[80 * 1024];
        long total = 0;
        long reads = 0;
        long maxHeap = 0;
        int read;
        while ((read = await part.Body.ReadAsync(buffer, timeout.Token)) > 0)
        {
            AssertMatchesBlock(block, total, buffer.AsSpan(0, read));
            total += read;
            reads++;
            if ((total & ((256L << 20) - 1)) < read)
            {
                maxHeap = Math.Max(maxHeap, GC.GetTotalMemory(forceFullCollection: false));
            }
        }

        Assert.Null(await reader.ReadNextPartAsync(timeout.Token));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        _output.WriteLine(
            $"{total:N0} bytes in {reads:N0} reads, {clock.Elapsed.TotalSeconds:F1} s; allocated {allocated:N0} bytes ({allocated / reads} per read); heap grew by at most {maxHeap - heapBefore:N0} bytes");

        Assert.Equal(bodyLength, total);

        // Buffering any part of a body would allocate at least a read's worth per read; what is left is the async
        // machinery (a few hundred bytes per read in a Debug build, next to nothing in Release).
        Assert.True(allocated / reads < 1024, $"{allocated / reads} bytes allocated per read of {buffer.Length} bytes");
        Assert.True(maxHeap - heapBefore < 64L << 20, $"heap grew by {maxHeap - heapBefore:N0} bytes while reading");
    }

    private static void AssertMatchesBlock(byte[] block, long offset, ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            var inBlock = (int)(offset % block.Length);
            var n = Math.Min(block.Length - inBlock, data.Length);
            if (!data[..n].SequenceEqual(block.AsSpan(inBlock, n)))
            {
                Assert.Fail($"body differs from what was sent near offset {offset:N0}");
            }

            data = data[n..];
            offset += n;
        }
    }
}
