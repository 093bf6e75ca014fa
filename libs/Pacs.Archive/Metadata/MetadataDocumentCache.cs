namespace Pacs.Archive;

/// <summary>
/// The most recently used series documents, in memory, keyed by their blob name. A name is one immutable version, so
/// an entry never goes stale: a new version has a new name and the old one simply falls out when space is needed.
/// Bounded by the bytes the documents hold (their XML too, once made); least recently used first out.
/// </summary>
internal sealed class MetadataDocumentCache(long capacityBytes)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<(string Name, SeriesMetadataDocument Document, long Bytes)>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Name, SeriesMetadataDocument Document, long Bytes)> _recency = new();
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

    /// <summary>Keeps <paramref name="document"/> (or re-measures it, when its XML was made since); a document larger than the whole budget is not kept.</summary>
    public void Set(string name, SeriesMetadataDocument document)
    {
        long bytes = document.MemoryBytes;
        lock (_lock)
        {
            if (_entries.Remove(name, out var old))
            {
                _recency.Remove(old);
                _bytes -= old.Value.Bytes;
            }

            if (bytes > CapacityBytes)
                return;
            _entries[name] = _recency.AddFirst((name, document, bytes));
            _bytes += bytes;
            while (_bytes > CapacityBytes && _recency.Last is { } last)
            {
                _recency.RemoveLast();
                _entries.Remove(last.Value.Name);
                _bytes -= last.Value.Bytes;
            }
        }
    }
}
