using System.Globalization;
using System.Text.Json;
using Pacs.Storage;

namespace Pacs.Gateway.Spool;

/// <summary>
/// One spooled object waiting in a queue: a complete PS3.10 file named <c>{sequence}_{SOP Instance UID}.dcm</c>, so the
/// folder listing alone gives the order of arrival and the instance.
/// </summary>
public sealed record SpoolEntry(string Path, long Sequence, string SopInstanceUid, long Length)
{
    public string FileName => System.IO.Path.GetFileName(Path);
}

/// <summary>Why an object left a queue without being delivered (written beside it in the quarantine folder).</summary>
public sealed record QuarantineReason(string Queue, string SopInstanceUid, ushort? FailureReason, string Description, int Attempts, DateTimeOffset Time);

/// <summary>
/// A folder of spooled objects waiting for one destination (the archive, or one routing destination), and its
/// quarantine folder. An entry is removed only by <see cref="Complete"/> (the destination confirmed it) or
/// <see cref="Quarantine"/> (moved aside with the reason); both make the change durable before returning.
/// </summary>
public sealed class SpoolQueue
{
    private const string Extension = ".dcm";
    private static readonly JsonSerializerOptions ReasonJson = new() { WriteIndented = true };
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly Dictionary<string, int> _pendingByInstance = new(StringComparer.Ordinal);
    private readonly SortedDictionary<long, SpoolEntry> _waiting = [];
    private readonly Dictionary<long, SpoolEntry> _inFlight = [];
    private readonly Lock _gate = new();
    private long _bytes;

    internal SpoolQueue(string name, string folder, string quarantineFolder)
    {
        Name = name;
        Folder = folder;
        QuarantineFolder = quarantineFolder;
        Directory.CreateDirectory(folder);
        foreach (var entry in ScanFolder())
        {
            Add(entry);
        }
    }

    /// <summary>"archive", or the AE title of a routing destination.</summary>
    public string Name { get; }

    public string Folder { get; }

    public string QuarantineFolder { get; }

    /// <summary>Objects waiting (including those being sent right now).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count + _inFlight.Count;
            }
        }
    }

    /// <summary>Bytes waiting.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>The waiting objects (including those being sent) in order of arrival.</summary>
    public IReadOnlyList<SpoolEntry> Snapshot()
    {
        lock (_gate)
        {
            return [.. _waiting.Values.Concat(_inFlight.Values).OrderBy(e => e.Sequence)];
        }
    }

    /// <summary>
    /// Takes the oldest waiting entries for sending, at most <paramref name="maxCount"/> and, past the first,
    /// <paramref name="maxBytes"/> in all. Each must come back through <see cref="Complete"/>, <see cref="Quarantine"/>
    /// or <see cref="Return"/>.
    /// </summary>
    public IReadOnlyList<SpoolEntry> TakeBatch(int maxCount, long maxBytes)
    {
        var batch = new List<SpoolEntry>();
        long bytes = 0;
        lock (_gate)
        {
            // One copy of a SOP Instance UID at a time, in order of arrival: the archive's answer names instances by UID,
            // so two copies in one request (a resend with other content) could not be told apart, and two in parallel
            // requests could reach the archive in either order. A later copy waits until the earlier one is settled.
            var instances = _inFlight.Values.Select(e => e.SopInstanceUid).ToHashSet(StringComparer.Ordinal);
            foreach (var entry in _waiting.Values)
            {
                if (batch.Count >= Math.Max(1, maxCount) || (batch.Count > 0 && bytes + entry.Length > maxBytes))
                {
                    break;
                }

                if (!instances.Add(entry.SopInstanceUid))
                {
                    continue;
                }

                batch.Add(entry);
                bytes += entry.Length;
            }

            foreach (var entry in batch)
            {
                _waiting.Remove(entry.Sequence);
                _inFlight[entry.Sequence] = entry;
            }
        }

        return batch;
    }

    /// <summary>Not delivered this time: back to the waiting entries, in its place.</summary>
    public void Return(SpoolEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_gate)
        {
            if (_inFlight.Remove(entry.Sequence))
            {
                _waiting[entry.Sequence] = entry;
            }
        }
    }

    /// <summary>Entries not being sent right now.</summary>
    public int WaitingCount
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count;
            }
        }
    }

    private List<SpoolEntry> ScanFolder()
    {
        var entries = new List<SpoolEntry>();
        foreach (var file in new DirectoryInfo(Folder).EnumerateFiles("*" + Extension))
        {
            if (TryParse(file.FullName, file.Length) is { } entry)
            {
                entries.Add(entry);
            }
        }

        entries.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
        return entries;
    }

    /// <summary>Whether an object with this SOP Instance UID is still waiting here.</summary>
    public bool IsPending(string sopInstanceUid)
    {
        lock (_gate)
        {
            return _pendingByInstance.ContainsKey(sopInstanceUid);
        }
    }

    /// <summary>The quarantine record of this SOP Instance UID, when one exists.</summary>
    public QuarantineReason? FindQuarantined(string sopInstanceUid)
    {
        if (!Directory.Exists(QuarantineFolder))
        {
            return null;
        }

        foreach (var reasonFile in Directory.EnumerateFiles(QuarantineFolder, "*_" + SpoolNames.Sanitize(sopInstanceUid) + Extension + ".reason.json"))
        {
            try
            {
                return JsonSerializer.Deserialize<QuarantineReason>(File.ReadAllText(reasonFile));
            }
            catch (Exception e) when (e is IOException or JsonException)
            {
                return new QuarantineReason(Name, sopInstanceUid, null, "quarantined (reason file unreadable)", 0, DateTimeOffset.MinValue);
            }
        }

        return null;
    }

    /// <summary>Objects in quarantine.</summary>
    public int QuarantinedCount => Directory.Exists(QuarantineFolder) ? Directory.EnumerateFiles(QuarantineFolder, "*" + Extension).Count() : 0;

    /// <summary>The destination confirmed the object: it leaves the spool for good.</summary>
    public void Complete(SpoolEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        File.Delete(entry.Path);
        NativeFileSystem.FsyncDirectory(Folder);
        Remove(entry);
    }

    /// <summary>
    /// The destination refuses the object for good: it moves to the quarantine folder with a reason file beside it (the
    /// reason first, so a quarantined object is never without its explanation). Never deleted.
    /// </summary>
    public void Quarantine(SpoolEntry entry, ushort? failureReason, string description, int attempts)
    {
        ArgumentNullException.ThrowIfNull(entry);
        Directory.CreateDirectory(QuarantineFolder);
        var target = Path.Combine(QuarantineFolder, entry.FileName);
        var reason = new QuarantineReason(Name, entry.SopInstanceUid, failureReason, description, attempts, DateTimeOffset.UtcNow);
        var reasonPath = target + ".reason.json";
        using (var stream = new FileStream(reasonPath, FileMode.Create, FileAccess.Write))
        {
            JsonSerializer.Serialize(stream, reason, ReasonJson);
            stream.Flush(flushToDisk: true);
        }

        File.Move(entry.Path, target, overwrite: true);
        NativeFileSystem.FsyncDirectory(QuarantineFolder);
        NativeFileSystem.FsyncDirectory(Folder);
        Remove(entry);
    }

    /// <summary>Waits until something was added (or <paramref name="timeout"/> passed).</summary>
    public async Task WaitForWorkAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _signal.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
    }

    /// <summary>An entry was linked into the folder (and made durable) by the spool.</summary>
    internal void Added(SpoolEntry entry)
    {
        Add(entry);
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: the forwarder will look at the whole folder anyway.
        }
    }

    private void Add(SpoolEntry entry)
    {
        lock (_gate)
        {
            _waiting[entry.Sequence] = entry;
            _pendingByInstance[entry.SopInstanceUid] = _pendingByInstance.GetValueOrDefault(entry.SopInstanceUid) + 1;
        }

        Interlocked.Add(ref _bytes, entry.Length);
    }

    private void Remove(SpoolEntry entry)
    {
        lock (_gate)
        {
            if (!_inFlight.Remove(entry.Sequence) && !_waiting.Remove(entry.Sequence))
            {
                return;
            }

            var count = _pendingByInstance.GetValueOrDefault(entry.SopInstanceUid) - 1;
            if (count <= 0)
            {
                _pendingByInstance.Remove(entry.SopInstanceUid);
            }
            else
            {
                _pendingByInstance[entry.SopInstanceUid] = count;
            }
        }

        Interlocked.Add(ref _bytes, -entry.Length);
    }

    internal static SpoolEntry? TryParse(string path, long length)
    {
        var name = Path.GetFileNameWithoutExtension(path);
        var separator = name.IndexOf('_', StringComparison.Ordinal);
        if (separator <= 0 || !long.TryParse(name.AsSpan(0, separator), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            return null;
        }

        return new SpoolEntry(path, sequence, name[(separator + 1)..], length);
    }
}

/// <summary>How spooled files are named.</summary>
internal static class SpoolNames
{
    /// <summary>
    /// A SOP Instance UID as it may appear in a file name: UIDs are digits and dots (PS3.5 9.1); anything else a peer
    /// sends is replaced so that no name can leave the folder or clash with the separators.
    /// </summary>
    public static string Sanitize(string uid)
    {
        var chars = uid.Trim().Take(64).Select(c => c is (>= '0' and <= '9') or '.' ? c : '-').ToArray();
        return chars.Length == 0 ? "unknown" : new string(chars);
    }

    public static string EntryName(long sequence, string sopInstanceUid) =>
        sequence.ToString("D19", CultureInfo.InvariantCulture) + "_" + Sanitize(sopInstanceUid) + ".dcm";
}
