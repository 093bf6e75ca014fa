using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pacs.Archive;
using Pacs.Storage;

namespace Pacs.Indexer;

/// <summary>Where a rebuild is: blobs listed so far and what became of them.</summary>
public sealed record RebuildProgress(long BlobsSeen, long Indexed, long Skipped, long Unreadable, string? LastBlob);

/// <summary>What a rebuild did: counts per outcome and every blob it could not index, with the reason.</summary>
public sealed record RebuildReport(
    long BlobsSeen,
    IReadOnlyDictionary<StoredBlobOutcome, long> Outcomes,
    IReadOnlyList<StoredBlobResult> NotIndexed,
    TimeSpan Elapsed)
{
    public long Count(StoredBlobOutcome outcome) => Outcomes.TryGetValue(outcome, out var n) ? n : 0;

    /// <summary>The report as lines of text, for the console and logs.</summary>
    public IEnumerable<string> ToLines()
    {
        yield return $"Rebuild from the blob store: {BlobsSeen} blobs in {Elapsed.TotalSeconds:F1} s";
        foreach (var (outcome, n) in Outcomes.OrderBy(o => o.Key))
            yield return $"  {outcome}: {n}";
        foreach (var r in NotIndexed)
            yield return $"  not indexed ({r.Outcome}): {r.BlobName}: {r.Reason}";
    }
}

/// <summary>
/// Disaster recovery: rebuilds the index from the blob store alone. Lists every stored object under the archive's blob
/// prefix and indexes each one as ingest would have (<see cref="IngestService.IndexStoredBlobAsync"/>): rows, change
/// feed and outbox events, from which the indexer then derives its data as usual. Blobs are only read. Running it
/// again is safe (already indexed blobs are skipped), so a rebuild interrupted by an outage is simply started again.
/// The archive sweeper's orphan-blob scan must be off while the index is incomplete: to it every blob is an orphan.
/// </summary>
public sealed partial class IndexRebuilder
{
    private readonly IBlobStore _store;
    private readonly IngestService _ingest;
    private readonly ArchiveOptions _archive;
    private readonly ILogger _logger;

    public IndexRebuilder(IBlobStore store, IngestService ingest, ArchiveOptions archive, ILogger<IndexRebuilder>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(ingest);
        ArgumentNullException.ThrowIfNull(archive);
        _store = store;
        _ingest = ingest;
        _archive = archive;
        _logger = logger ?? NullLogger<IndexRebuilder>.Instance;
    }

    /// <summary>How many instances (distinct SOP Instance UIDs) are indexed at once. Default 4.</summary>
    public int Parallelism { get; init; } = 4;

    /// <summary>Progress is reported after every this many blobs (and at the end). Default 100.</summary>
    public int ProgressEvery { get; init; } = 100;

    public async Task<RebuildReport> RebuildAsync(IProgress<RebuildProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var outcomes = new Dictionary<StoredBlobOutcome, long>();
        var notIndexed = new List<StoredBlobResult>();
        long seen = 0, indexed = 0, skipped = 0, unreadable = 0, lastReported = 0;
        string? token = null;
        string prefix = _archive.BlobPrefix + "/";
        do
        {
            var page = await _store.ListPageAsync(prefix, token, cancellationToken: cancellationToken).ConfigureAwait(false);
            token = page.ContinuationToken;
            // Versions of one instance are named {prefix}/{SOP Instance UID}/{time-ordered id}, so name order is version
            // order. A store need not list in name order (the file store lists by hash shard), so each instance's names are
            // indexed in name order within a page, one after the other; a version seen after a newer one is reported Older
            // and left out, so the newest always ends up visible whatever the listing order.
            var byInstance = page.Items.GroupBy(b => Stem(b.Name), StringComparer.Ordinal)
                .Select(g => g.Select(b => b.Name).Order(StringComparer.Ordinal).ToList()).ToList();
            var results = new StoredBlobResult[byInstance.Count][];
            await Parallel.ForEachAsync(Enumerable.Range(0, byInstance.Count),
                new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Parallelism), CancellationToken = cancellationToken },
                async (i, ct) =>
                {
                    var names = byInstance[i];
                    var r = new StoredBlobResult[names.Count];
                    for (int j = 0; j < names.Count; j++)
                        r[j] = await IndexOneAsync(names[j], ct).ConfigureAwait(false);
                    results[i] = r;
                }).ConfigureAwait(false);

            foreach (var r in results.SelectMany(x => x))
            {
                seen++;
                outcomes[r.Outcome] = outcomes.GetValueOrDefault(r.Outcome) + 1;
                switch (r.Outcome)
                {
                    case StoredBlobOutcome.Indexed or StoredBlobOutcome.Replaced:
                        indexed++;
                        break;
                    case StoredBlobOutcome.Unreadable or StoredBlobOutcome.Busy:
                        unreadable++;
                        notIndexed.Add(r);
                        break;
                    default:
                        skipped++;
                        break;
                }
            }
            if (progress is not null && (seen - lastReported >= ProgressEvery || token is null))
            {
                lastReported = seen;
                progress.Report(new RebuildProgress(seen, indexed, skipped, unreadable, page.Items.Count > 0 ? page.Items[^1].Name : null));
            }
        }
        while (token is not null);

        var report = new RebuildReport(seen, outcomes, notIndexed, clock.Elapsed);
        LogRebuilt(seen, indexed, notIndexed.Count, clock.Elapsed);
        return report;
    }

    private async Task<StoredBlobResult> IndexOneAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await _ingest.IndexStoredBlobAsync(name, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobStoreException e)
        {
            // The store failed on this blob (unavailable, throttled): reported, and picked up by running the rebuild again.
            return new StoredBlobResult(name, StoredBlobOutcome.Unreadable, $"The blob store failed to read it: {e.Message}");
        }
    }

    private static string Stem(string name)
    {
        int slash = name.LastIndexOf('/');
        return slash < 0 ? name : name[..slash];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuild from the blob store: {Seen} blobs, {Indexed} indexed, {NotIndexed} not indexed, in {Elapsed}")]
    private partial void LogRebuilt(long seen, long indexed, int notIndexed, TimeSpan elapsed);
}
