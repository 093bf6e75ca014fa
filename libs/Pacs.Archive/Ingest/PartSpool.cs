using System.Buffers;
using System.Security.Cryptography;
using Pacs.Dicom;

namespace Pacs.Archive;

/// <summary>
/// One STOW-RS part copied once from the request, hashed (SHA-256) on the way, held in pooled memory while it is
/// small and in a temporary file (deleted on dispose, also if the process dies: it is unlinked when closed) once it
/// outgrows <see cref="ArchiveOptions.SpoolMemoryThresholdBytes"/>. Memory use per part is therefore bounded by the
/// threshold plus one copy buffer, whatever the part's size.
/// <para>
/// Why a spool and not a tee into the blob put: the header must be parsed, validated and the index rows reserved
/// before the blob is written (so a refused or duplicate part never writes a blob, and a crash after the put always
/// leaves a row naming the blob), and the blob store's put must be retryable; both need the bytes again after the
/// header is known. The cost is one sequential local write and read per part, small against the store's fsyncs.
/// </para>
/// </summary>
internal sealed class PartSpool : IDisposable
{
    private const int CopyBufferBytes = 64 * 1024;
    private const int PreambleLength = 128;

    private byte[] _memory;
    private int _memoryLength;
    private FileStream? _file;
    private string? _filePath;

    private PartSpool(byte[] memory)
    {
        _memory = memory;
    }

    /// <summary>Bytes spooled.</summary>
    public long Length { get; private set; }

    /// <summary>SHA-256 of the spooled bytes (after the preamble was zeroed).</summary>
    public byte[] Sha256 { get; private set; } = [];

    /// <summary>True when the part had a non-zero preamble that was zeroed (PS3.10 7.1 allows content there; Pacs keeps none).</summary>
    public bool PreambleZeroed { get; private set; }

    public bool IsInMemory => _file is null;

    /// <summary>Copies <paramref name="source"/> to its end into a new spool.</summary>
    /// <exception cref="PartTooLargeException">The part exceeds <paramref name="maxBytes"/>.</exception>
    public static async Task<PartSpool> CreateAsync(Stream source, long memoryThresholdBytes, string folder, long maxBytes,
        bool zeroPreamble, CancellationToken cancellationToken)
    {
        var spool = new PartSpool(ArrayPool<byte>.Shared.Rent(CopyBufferBytes));
        try
        {
            await spool.FillAsync(source, Math.Max(memoryThresholdBytes, 4096), folder, maxBytes, zeroPreamble, cancellationToken).ConfigureAwait(false);
            return spool;
        }
        catch
        {
            spool.Dispose();
            throw;
        }
    }

    private async Task FillAsync(Stream source, long threshold, string folder, long maxBytes, bool zeroPreamble, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        bool headerSettled = false;
        byte[] chunk = ArrayPool<byte>.Shared.Rent(CopyBufferBytes);
        try
        {
            while (true)
            {
                int n = await source.ReadAsync(chunk.AsMemory(0, CopyBufferBytes), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                    break;
                if (maxBytes > 0 && Length + n > maxBytes)
                    throw new PartTooLargeException(maxBytes);
                if (_file is null && _memoryLength + n <= threshold)
                {
                    AppendToMemory(chunk.AsSpan(0, n), threshold);
                    Length += n;
                    // The preamble is decided once its 132 bytes are in (they always are in memory: threshold ≥ 4096).
                    if (!headerSettled && _memoryLength >= PreambleLength + 4)
                    {
                        SettleHeader(zeroPreamble, hash);
                        headerSettled = true;
                    }
                    else if (headerSettled)
                    {
                        hash.AppendData(chunk, 0, n);
                    }
                    continue;
                }
                if (_file is null)
                {
                    if (!headerSettled)
                    {
                        SettleHeader(zeroPreamble, hash);
                        headerSettled = true;
                    }
                    await SpillToFileAsync(folder, cancellationToken).ConfigureAwait(false);
                }
                await _file!.WriteAsync(chunk.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                hash.AppendData(chunk, 0, n);
                Length += n;
            }
            if (!headerSettled)
                SettleHeader(zeroPreamble, hash);
            if (_file is not null)
                await _file.FlushAsync(cancellationToken).ConfigureAwait(false);
            Sha256 = hash.GetHashAndReset();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>Zeroes a non-zero preamble before "DICM" and hashes everything in memory so far.</summary>
    private void SettleHeader(bool zeroPreamble, IncrementalHash hash)
    {
        var head = _memory.AsSpan(0, _memoryLength);
        if (zeroPreamble && head.Length >= PreambleLength + 4 && head.Slice(PreambleLength, 4).SequenceEqual("DICM"u8)
            && head[..PreambleLength].IndexOfAnyExcept((byte)0) >= 0)
        {
            head[..PreambleLength].Clear();
            PreambleZeroed = true;
        }
        hash.AppendData(head);
    }

    private void AppendToMemory(ReadOnlySpan<byte> data, long threshold)
    {
        if (_memoryLength + data.Length > _memory.Length)
        {
            // Grown fourfold (not twofold) up to the threshold: a 512 KB part is copied over twice instead of four times
            // on its way from 64 KB to 1 MB, and the memory held never exceeds what the threshold allows anyway.
            int needed = _memoryLength + data.Length;
            int size = (int)Math.Max(needed, Math.Min((long)_memory.Length * 4, threshold));
            var bigger = ArrayPool<byte>.Shared.Rent(size);
            _memory.AsSpan(0, _memoryLength).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_memory);
            _memory = bigger;
        }
        data.CopyTo(_memory.AsSpan(_memoryLength));
        _memoryLength += data.Length;
    }

    private async Task SpillToFileAsync(string folder, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        _filePath = Path.Combine(folder, $"pacs-part-{Guid.NewGuid():N}.spool");
        // DeleteOnClose: the file disappears with the handle, also when the process is killed.
        _file = new FileStream(_filePath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete,
            bufferSize: 0, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        await _file.WriteAsync(_memory.AsMemory(0, _memoryLength), cancellationToken).ConfigureAwait(false);
        ArrayPool<byte>.Shared.Return(_memory);
        _memory = [];
        _memoryLength = 0;
    }

    /// <summary>A new seekable read-only stream over the spooled bytes; the caller disposes it.</summary>
    public Stream OpenRead()
    {
        if (_file is null)
        {
            // Visible buffer: a reader that can take the bytes whole (the file blob store's put) skips a copy.
            return new MemoryStream(_memory, 0, _memoryLength, writable: false, publiclyVisible: true);
        }
        return new FileStream(_filePath!, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete,
            bufferSize: CopyBufferBytes, FileOptions.SequentialScan | FileOptions.Asynchronous);
    }

    /// <summary>The spool as a bulk data source for the parser (fragment heads of encapsulated pixel data).</summary>
    public IDicomBulkDataSource AsBulkDataSource() => new SpoolBulkDataSource(this);

    public void Dispose()
    {
        _file?.Dispose();
        _file = null;
        if (_memory.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_memory);
            _memory = [];
        }
    }

    private sealed class SpoolBulkDataSource(PartSpool spool) : IDicomBulkDataSource
    {
        public Stream OpenRange(long offset, long length)
        {
            if (offset < 0 || length < 0 || offset + length > spool.Length)
                throw new DicomException($"Range {offset}+{length} lies outside the {spool.Length}-byte part.");
            var stream = spool.OpenRead();
            stream.Position = offset;
            var bytes = new byte[length];
            stream.ReadExactly(bytes);
            stream.Dispose();
            return new MemoryStream(bytes, writable: false);
        }
    }
}

/// <summary>A part was larger than <see cref="ArchiveOptions.MaxPartSizeBytes"/>.</summary>
public sealed class PartTooLargeException : IOException
{
    public PartTooLargeException() { }

    public PartTooLargeException(string message) : base(message) { }

    public PartTooLargeException(string message, Exception innerException) : base(message, innerException) { }

    public PartTooLargeException(long maxBytes) : base($"The part is larger than the {maxBytes}-byte limit.")
    {
        MaxBytes = maxBytes;
    }

    public long MaxBytes { get; }
}
