namespace Pacs.Archive;

/// <summary>
/// The most recently used series documents, in memory, keyed by their blob name. A name is one immutable version, so
/// an entry never goes stale: a new version has a new name and the old one simply falls out when space is needed.
/// Bounded by the bytes the documents hold (their XML too, once made); least recently used first out. Beside it, the
/// document of each series last kept with its instance objects (<see cref="SeriesMetadataDocument.Objects"/>), for the
/// next build of that series to copy them from memory.
/// </summary>
internal sealed class MetadataDocumentCache(long capacityBytes)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<(string Name, SeriesMetadataDocument Document, long Bytes)>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Name, SeriesMetadataDocument Document, long Bytes)> _recency = new();
    // Entries of _recency only: a series' entry goes when its document falls out of the cache.
    private readonly Dictionary<(string Study, string Series), LinkedListNode<(string Name, SeriesMetadataDocument Document, long Bytes)>> _latestBuilt = [];
    private long _bytes;

    public long CapacityBytes { get; } = capacityBytes;

    public int Count
    {
        get
        {
            lock (_lock)
                return _entries.Count;
        }
    }

    public bool TryGet(string name, out SeriesMetadataDocument document)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(name, out var node))
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
                document = node.Value.Document;
                return true;
            }
        }

        document = null!;
        return false;
    }

    /// <summary>The document of the series last kept with its instance objects (any version: a watermark names one immutable object).</summary>
    public bool TryGetLatestBuilt(string study, string series, out SeriesMetadataDocument document)
    {
        lock (_lock)
        {
            if (_latestBuilt.TryGetValue((study, series), out var node))
            {
                document = node.Value.Document;
                return true;
            }
        }

        document = null!;
        return false;
    }

    /// <summary>Keeps <paramref name="document"/> (or re-measures it, when its XML was made since); a document larger than the whole budget is not kept.</summary>
    public void Set(string name, SeriesMetadataDocument document)
    {
        long bytes = document.MemoryBytes;
        lock (_lock)
        {
            if (_entries.Remove(name, out var old))
                Drop(old);

            if (bytes > CapacityBytes)
                return;
            var node = _recency.AddFirst((name, document, bytes));
            _entries[name] = node;
            _bytes += bytes;
            if (document.Objects is not null)
                _latestBuilt[(document.StudyInstanceUid, document.SeriesInstanceUid)] = node;
            while (_bytes > CapacityBytes && _recency.Last is { } last)
            {
                _entries.Remove(last.Value.Name);
                Drop(last);
            }
        }
    }

    private void Drop(LinkedListNode<(string Name, SeriesMetadataDocument Document, long Bytes)> node)
    {
        _recency.Remove(node);
        _bytes -= node.Value.Bytes;
        var key = (node.Value.Document.StudyInstanceUid, node.Value.Document.SeriesInstanceUid);
        if (_latestBuilt.TryGetValue(key, out var latest) && ReferenceEquals(latest, node))
            _latestBuilt.Remove(key);
    }
}
