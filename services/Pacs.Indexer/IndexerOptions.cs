namespace Pacs.Indexer;

/// <summary>Settings of the indexer (configuration section <c>Pacs:Indexer</c>).</summary>
public sealed class IndexerOptions
{
    public const string ConfigurationSection = "Pacs:Indexer";

    /// <summary>Whether the embedded server hosts the indexer in its process. Default true; false when a separate indexer runs.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The consumer's name: its queue (with the bus's entity prefix) and its key in the inbox. Two indexers with the same
    /// name share one queue and one inbox (replicas); a different name is an independent copy. Default <c>indexer</c>.
    /// </summary>
    public string ConsumerName { get; set; } = "indexer";

    /// <summary>
    /// Whether each applied event's commit waits for the disk. On by default: the inbox record and the effect are
    /// acknowledged to the broker only once durable. The embedded server turns it off (its in-memory bus loses unsent
    /// messages on a crash anyway, and <see cref="ReconcileAtStart"/> repairs what was lost).
    /// </summary>
    public bool DurableCommits { get; set; } = true;

    /// <summary>
    /// At start, compare every series' aggregates with the index and refresh those that differ: catches up with events the
    /// indexer never received (an in-memory bus that died with its process, events published before its queue existed).
    /// Default true.
    /// </summary>
    public bool ReconcileAtStart { get; set; } = true;

    /// <summary>A series' metadata document is rebuilt once no event touched the series for this long. Default 1 s.</summary>
    public TimeSpan DocumentQuietPeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest a document may lag a series that keeps changing (a long ingest). Default 30 s.</summary>
    public TimeSpan DocumentMaxStaleness { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the refresher looks for stale documents. Default 250 ms.</summary>
    public TimeSpan DocumentPollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Series rebuilt per refresher round. Default 50.</summary>
    public int DocumentBatchSize { get; set; } = 50;

    /// <summary>Compute frame byte ranges for image rows that have none (reads the blob). Default true.</summary>
    public bool FillFrameTables { get; set; } = true;

    /// <summary>
    /// Most events applied in one transaction (<see cref="IndexProjector.SubmitAsync"/>). Default 128: more per batch
    /// shares the transaction, the inbox statement and the refresh of a series among more events.
    /// </summary>
    public int MaxBatchSize { get; set; } = 128;

    /// <summary>
    /// Deliveries the indexer's queue consumes at once; those waiting for the batch in progress form the next one, so
    /// this bounds a batch's size from the bus. Default 64. Overrides the bus's <c>ConcurrentMessageLimit</c> for this
    /// queue only.
    /// </summary>
    public int ConcurrentMessageLimit { get; set; } = 64;

    /// <summary>
    /// Messages the broker hands the indexer's queue before they are acknowledged (RabbitMQ prefetch). Default 128, at
    /// least <see cref="ConcurrentMessageLimit"/>: the next batch is already on hand while one commits.
    /// </summary>
    public int PrefetchCount { get; set; } = 128;

    /// <summary>
    /// How long inbox records are kept: longer than a copy of an event can still arrive (the outbox's retention of
    /// dispatched rows plus the broker's redelivery window). Default 7 days; purged about hourly.
    /// </summary>
    public TimeSpan InboxRetention { get; set; } = TimeSpan.FromDays(7);
}
