using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using Pacs.Archive.Tests.Support;
using Pacs.Dicom;
using Xunit.Abstractions;

namespace Pacs.Archive.Tests.Ingest;

/// <summary>A 1 GiB part streams through ingest with flat memory: it is never held whole.</summary>
public sealed class LargePartTests(ITestOutputHelper output) : ArchiveTestBase(DatabaseKind.Sqlite)
{
    private const int Rows = 1024, Columns = 1024, Frames = 512;
    private const long FrameBytes = Rows * Columns * 2;
    private const long PixelBytes = FrameBytes * Frames; // 1 GiB

    [Fact]
    public async Task One_GiB_part_is_stored_with_memory_that_does_not_grow_with_its_size()
    {
        string study = TestDicom.NewUid();
        var part = new GeneratedPartStream(Header(study), PixelBytes);
        using var sampling = new CancellationTokenSource();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long baseline = WorkingSet();
        long peak = baseline;
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, WorkingSet());
                try
                {
                    await Task.Delay(20, sampling.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });

        var result = await Archive.Ingest.IngestAsync(part).WaitAsync(TimeSpan.FromMinutes(3));
        await sampling.CancelAsync();
        await sampler;

        long growthMiB = (peak - baseline) / (1024 * 1024);
        output.WriteLine($"working set grew by {growthMiB} MiB while ingesting {(part.Length >> 20)} MiB");
        Assert.Equal(IngestOutcome.Stored, result.Outcome);
        Assert.True(growthMiB < 192, $"working set grew by {growthMiB} MiB for a {(part.Length >> 20)} MiB part");
        var stored = Assert.Single(await Archive.Retrieve.FindInstancesAsync(study));
        Assert.Equal(part.Length, stored.SizeBytes);
        Assert.Equal(part.Sha256, stored.Sha256);
        Assert.Equal(Frames, stored.Frames!.Count);
        Assert.Equal(GeneratedPartStream.Pixels(part.HeaderLength + (300 - 1) * FrameBytes, (int)FrameBytes),
            await Archive.Retrieve.ReadFrameAsync(stored, 300));
        Assert.Empty(Directory.EnumerateFiles(Archive.Options.SpoolFolder!));
    }

    private static long WorkingSet()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }

    /// <summary>A PS3.10 header whose data set ends with the header of a Pixel Data element of <see cref="PixelBytes"/> bytes.</summary>
    private static byte[] Header(string study)
    {
        byte[] full = TestDicom.Create(study, TestDicom.NewUid(), TestDicom.NewUid(), edit: ds =>
        {
            ds.SetValues(DicomTag.Rows, (ushort)Rows);
            ds.SetValues(DicomTag.Columns, (ushort)Columns);
            ds.Set(DicomTag.NumberOfFrames, Frames.ToString(System.Globalization.CultureInfo.InvariantCulture));
            ds.Remove(DicomTag.PixelData);
        });
        var header = new byte[full.Length + 12];
        full.CopyTo(header, 0);
        // (7FE0,0010) OW, reserved, 32-bit length (PS3.5 7.1.2).
        Span<byte> element = header.AsSpan(full.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(element, 0x7FE0);
        BinaryPrimitives.WriteUInt16LittleEndian(element[2..], 0x0010);
        "OW"u8.CopyTo(element[4..]);
        BinaryPrimitives.WriteUInt32LittleEndian(element[8..], (uint)PixelBytes);
        return header;
    }

    /// <summary>Header bytes, then pixel bytes made on the fly (byte at absolute offset p is a function of p), hashed as handed out.</summary>
    private sealed class GeneratedPartStream(byte[] header, long pixelBytes) : Stream
    {
        private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long _position;
        private string? _sha256;

        public long HeaderLength => header.Length;

        public override long Length => header.Length + pixelBytes;

        public string Sha256 => _sha256 ??= Convert.ToHexStringLower(_sha.GetHashAndReset());

        public static byte[] Pixels(long offset, int count)
        {
            var bytes = new byte[count];
            Fill(bytes, offset);
            return bytes;
        }

        private static void Fill(Span<byte> buffer, long offset)
        {
            for (int i = 0; i < buffer.Length; i++)
            {
                long p = offset + i;
                buffer[i] = (byte)((p >> 3) ^ (p * 131));
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            long remaining = Length - _position;
            int n = (int)Math.Min(buffer.Length, remaining);
            if (n == 0)
                return 0;
            var target = buffer[..n];
            int fromHeader = (int)Math.Max(0, Math.Min(n, header.Length - _position));
            if (fromHeader > 0)
                header.AsSpan((int)_position, fromHeader).CopyTo(target);
            Fill(target[fromHeader..], _position + fromHeader);
            _sha.AppendData(target);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                _sha.Dispose();
            base.Dispose(disposing);
        }
    }
}
