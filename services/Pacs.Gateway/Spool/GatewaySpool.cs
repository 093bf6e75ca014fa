using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pacs.Dicom;
using Pacs.Storage;

namespace Pacs.Gateway.Spool;

/// <summary>
/// The gateway's durable on-disk spool. Layout under <see cref="GatewayOptions.SpoolFolder"/>:
/// <code>
/// incoming/                 objects being received ({guid}.part); never acknowledged, removed at start
/// archive/                  complete objects waiting for the archive ({sequence}_{SOP Instance UID}.dcm)
/// routes/{AE}/              complete objects waiting for a routing destination (hard links to the same file)
/// failed/archive/           objects the archive refused for good, each with {name}.reason.json
/// failed/routes/{AE}/       the same per routing destination
/// commitment/               storage commitment requests not yet reported
/// </code>
/// An object is acknowledged only after <see cref="CommitAsync"/> returned: its bytes are fsynced, it is linked into
/// every queue it belongs to, and those folders are fsynced. A crash before that leaves only a .part file in incoming/,
/// which the next start removes (the modality got no success and sends it again); a crash after it loses nothing.
/// </summary>
public sealed class GatewaySpool
{
    public const string ArchiveQueueName = "archive";
    private const string IncomingFolderName = "incoming";
    private readonly ConcurrentDictionary<string, SpoolQueue> _routeQueues = new(StringComparer.Ordinal);
    private readonly GatewayOptions _options;
    private readonly ILogger _logger;
    private long _sequence;
    private long _lastCommit;

    public GatewaySpool(GatewayOptions options, ILogger<GatewaySpool>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        Root = Path.GetFullPath(options.SpoolFolder);
        Incoming = Path.Combine(Root, IncomingFolderName);
        CommitmentFolder = Path.Combine(Root, "commitment");
        Directory.CreateDirectory(Incoming);
        Directory.CreateDirectory(CommitmentFolder);
        RemoveUnfinished();

        Archive = new SpoolQueue(ArchiveQueueName, Path.Combine(Root, ArchiveQueueName), Path.Combine(Root, "failed", ArchiveQueueName));
        var highest = Archive.Snapshot().LastOrDefault()?.Sequence ?? 0;
        foreach (var destination in options.Destinations)
        {
            var queue = RouteQueue(destination.AeTitle);
            highest = Math.Max(highest, queue.Snapshot().LastOrDefault()?.Sequence ?? 0);
        }

        // Names sort by arrival across restarts: continue after the highest sequence on disk, or from the clock.
        _sequence = Math.Max(highest, DateTime.UtcNow.Ticks);
        _logger.LogInformation("Gateway spool at {Root}: {Count} objects waiting for the archive", Root, Archive.Count);
    }

    /// <summary>The spool's root folder.</summary>
    public string Root { get; }

    /// <summary>Where objects being received are written.</summary>
    public string Incoming { get; }

    /// <summary>Where pending storage commitment requests are kept.</summary>
    public string CommitmentFolder { get; }

    /// <summary>Objects waiting for the archive.</summary>
    public SpoolQueue Archive { get; }

    /// <summary>The queues of routing destinations that exist (declared or found on disk).</summary>
    public IReadOnlyCollection<SpoolQueue> RouteQueues => [.. _routeQueues.Values];

    /// <summary>The queue of one routing destination (created on first use).</summary>
    public SpoolQueue RouteQueue(string aeTitle) =>
        _routeQueues.GetOrAdd(aeTitle.Trim(), ae => new SpoolQueue(ae, Path.Combine(Root, "routes", SafeFolderName(ae)), Path.Combine(Root, "failed", "routes", SafeFolderName(ae))));

    /// <summary>Free bytes on the spool's disk.</summary>
    public long AvailableFreeSpace
    {
        get
        {
            try
            {
                return new DriveInfo(Root).AvailableFreeSpace;
            }
            catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
            {
                // Cannot tell: do not refuse on a guess; a full disk still fails the write itself (A700).
                return long.MaxValue;
            }
        }
    }

    /// <summary>Whether the disk has room for another object beyond the configured reserve.</summary>
    public bool HasRoom => AvailableFreeSpace > _options.MinimumFreeDiskBytes;

    /// <summary>
    /// Starts receiving one object: a new file in incoming/ that already holds the File Meta Information (PS3.10 7.1)
    /// built from the C-STORE command and the negotiated transfer syntax; the data set bytes follow as they arrive.
    /// </summary>
    public SpoolWriter Begin(string sopClassUid, string sopInstanceUid, DicomTransferSyntax transferSyntax)
    {
        ArgumentNullException.ThrowIfNull(transferSyntax);
        var path = Path.Combine(Incoming, Guid.NewGuid().ToString("N") + ".part");
        var stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read, bufferSize: 64 * 1024, FileOptions.None);
        try
        {
            stream.Write(FileMetaInformation(sopClassUid, sopInstanceUid, transferSyntax.Uid));
            return new SpoolWriter(stream, path, sopClassUid, sopInstanceUid);
        }
        catch
        {
            stream.Dispose();
            File.Delete(path);
            throw;
        }
    }

    /// <summary>
    /// Makes a completely received object durable and queues it: fsync the file, link it into the queue of each routing
    /// destination, rename it into the archive queue, fsync those folders. Only then may the C-STORE be answered.
    /// </summary>
    /// <remarks>
    /// Two fsyncs per object when nothing is routed (the file, the archive queue's folder), each a journal commit that
    /// a single association waits for. incoming/ is not synced after the rename: should a crash keep the old name as well
    /// as the new one, the next start removes the .part name and the queued name still holds the file.
    /// </remarks>
    public Task<SpoolEntry> CommitAsync(SpoolWriter writer, IReadOnlyCollection<string> routeDestinations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(routeDestinations);
        cancellationToken.ThrowIfCancellationRequested();

        // Synchronous on purpose: the association waits for these calls whatever thread makes them, and a hop to another
        // thread per call costs a context switch each.
        writer.FlushToDisk();
        var length = writer.Length;
        writer.CloseFile();

        var sequence = Interlocked.Increment(ref _sequence);
        var name = SpoolNames.EntryName(sequence, writer.SopInstanceUid);
        var uid = SpoolNames.Sanitize(writer.SopInstanceUid);
        var routed = new List<SpoolQueue>();
        foreach (var ae in routeDestinations.Distinct(StringComparer.Ordinal))
        {
            var queue = RouteQueue(ae);
            LinkOrCopy(writer.Path, Path.Combine(queue.Folder, name));
            NativeFileSystem.FsyncDirectory(queue.Folder);
            routed.Add(queue);
        }

        var target = Path.Combine(Archive.Folder, name);
        File.Move(writer.Path, target);
        NativeFileSystem.FsyncDirectory(Archive.Folder);
        writer.Committed = true;
        Volatile.Write(ref _lastCommit, Environment.TickCount64);

        Archive.Added(new SpoolEntry(target, sequence, uid, length));
        foreach (var queue in routed)
        {
            queue.Added(new SpoolEntry(Path.Combine(queue.Folder, name), sequence, uid, length));
        }

        return Task.FromResult(new SpoolEntry(target, sequence, uid, length));
    }

    /// <summary>
    /// When the last object was committed (<see cref="Environment.TickCount64"/>), 0 before the first: the forwarder
    /// holds back while objects keep arriving (<see cref="GatewayForwardingOptions.YieldToIncoming"/>).
    /// </summary>
    public long LastCommitTick => Volatile.Read(ref _lastCommit);

    /// <summary>Creates <paramref name="target"/> as a hard link to <paramref name="source"/>; copies (and fsyncs) where links are not possible.</summary>
    private static void LinkOrCopy(string source, string target)
    {
        if (NativeFileSystem.TryCreateHardLink(source, target))
        {
            return;
        }

        // Another file system, or one without links: a full copy, synced before it counts.
        var temporary = target + ".copy";
        File.Copy(source, temporary, overwrite: true);
        using (var stream = new FileStream(temporary, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, target, overwrite: true);
    }

    /// <summary>The object did not arrive whole: its partial file goes, and nothing of it was ever queued.</summary>
    public static async Task AbandonAsync(SpoolWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        await writer.DisposeAsync().ConfigureAwait(false);
    }

    private void RemoveUnfinished()
    {
        foreach (var file in Directory.EnumerateFiles(Incoming))
        {
            _logger.LogInformation("Removing {File}: received only partly before the last stop, never acknowledged", file);
            File.Delete(file);
        }

        NativeFileSystem.FsyncDirectory(Incoming);
    }

    private static string SafeFolderName(string aeTitle)
    {
        // AE titles may hold spaces and punctuation (PS3.5 6.2); a folder name must not hold separators.
        var builder = new StringBuilder(aeTitle.Length);
        foreach (var c in aeTitle)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : $"%{(int)c:X2}");
        }

        return builder.ToString();
    }

    /// <summary>
    /// PS3.10 7.1 File Meta Information in Explicit VR Little Endian after the 128-byte preamble and "DICM". It depends
    /// only on the object's UIDs and transfer syntax, so the same object received twice is the same file (the archive
    /// then recognizes the repeat as identical rather than as a conflicting object).
    /// </summary>
    internal static byte[] FileMetaInformation(string sopClassUid, string sopInstanceUid, string transferSyntaxUid)
    {
        using var elements = new MemoryStream();
        WriteElement(elements, 0x0001, "OB", [0x00, 0x01]);
        WriteElement(elements, 0x0002, "UI", Uid(sopClassUid));
        WriteElement(elements, 0x0003, "UI", Uid(sopInstanceUid));
        WriteElement(elements, 0x0010, "UI", Uid(transferSyntaxUid));
        WriteElement(elements, 0x0012, "UI", Uid(DicomImplementation.ClassUid));
        WriteElement(elements, 0x0013, "SH", Text(DicomImplementation.VersionName));

        using var file = new MemoryStream();
        file.Write(new byte[128]);
        file.Write("DICM"u8);
        Span<byte> groupLength = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(groupLength, (uint)elements.Length);
        WriteElement(file, 0x0000, "UL", groupLength.ToArray());
        elements.Position = 0;
        elements.CopyTo(file);
        return file.ToArray();
    }

    private static byte[] Uid(string uid)
    {
        // PS3.5 9.1: UI values are padded to even length with a NUL.
        var bytes = Encoding.ASCII.GetBytes(uid.Trim('\0', ' '));
        return bytes.Length % 2 == 0 ? bytes : [.. bytes, 0];
    }

    private static byte[] Text(string value)
    {
        var bytes = Encoding.ASCII.GetBytes(value);
        return bytes.Length % 2 == 0 ? bytes : [.. bytes, (byte)' '];
    }

    private static void WriteElement(Stream stream, ushort element, string vr, byte[] value)
    {
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt16LittleEndian(header, 0x0002);
        BinaryPrimitives.WriteUInt16LittleEndian(header[2..], element);
        header[4] = (byte)vr[0];
        header[5] = (byte)vr[1];
        if (vr is "OB")
        {
            // PS3.5 7.1.2: OB has two reserved bytes and a 32-bit length.
            header[6] = 0;
            header[7] = 0;
            BinaryPrimitives.WriteUInt32LittleEndian(header[8..], (uint)value.Length);
            stream.Write(header[..12]);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(header[6..], (ushort)value.Length);
            stream.Write(header[..8]);
        }

        stream.Write(value);
    }
}

/// <summary>
/// The stream a C-STORE data set is written to: a file in the spool's incoming/ folder whose File Meta Information is
/// already written. The DIMSE library writes the data set's bytes into it as they arrive and disposes it afterwards.
/// </summary>
public sealed class SpoolWriter : Stream
{
    private FileStream? _file;
    private long _length;

    internal SpoolWriter(FileStream file, string path, string sopClassUid, string sopInstanceUid)
    {
        _file = file;
        _length = file.Length;
        Path = path;
        SopClassUid = sopClassUid;
        SopInstanceUid = sopInstanceUid;
    }

    public string Path { get; }

    public string SopClassUid { get; }

    public string SopInstanceUid { get; }

    /// <summary>Set once the spool took the file over; a later dispose leaves it alone.</summary>
    internal bool Committed { get; set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => _file is not null;

    public override long Length => _length;

    public override long Position
    {
        get => _length;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        File().Write(buffer);
        _length += buffer.Length;
    }

    /// <remarks>
    /// Written on the calling thread: a write into the page cache takes microseconds, whereas FileStream's asynchronous
    /// path on a handle opened without <see cref="FileOptions.Asynchronous"/> hands every write past its buffer to the
    /// thread pool and back, a context switch per 64 KiB that the association's next PDU waits for.
    /// </remarks>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => _file?.Flush();

    /// <summary>Hands the buffered bytes to the page cache on the calling thread (see <see cref="WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/>).</summary>
    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Flush();
        return Task.CompletedTask;
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Writes the buffered bytes and fsyncs the file: its data is on disk when this returns.</summary>
    internal void FlushToDisk() => File().Flush(flushToDisk: true);

    internal void CloseFile()
    {
        var file = _file;
        _file = null;
        file?.Dispose();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // Disposed by the DIMSE library: after a commit there is nothing left to do; otherwise the object was never
            // acknowledged (aborted, or the commit failed), so its partial file goes.
            var file = _file;
            _file = null;
            file?.Dispose();
            if (!Committed)
            {
                try
                {
                    System.IO.File.Delete(Path);
                }
                catch (IOException)
                {
                    // incoming/ is emptied at the next start.
                }
            }
        }

        base.Dispose(disposing);
    }

    private FileStream File() => _file ?? throw new ObjectDisposedException(nameof(SpoolWriter), $"The spool file of {SopInstanceUid} is closed.");
}
