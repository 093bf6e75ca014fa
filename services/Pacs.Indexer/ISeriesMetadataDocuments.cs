namespace Pacs.Indexer;

/// <summary>
/// The per-series metadata documents WADO-RS metadata serves. The indexer calls <see cref="RebuildAsync"/> once a series
/// has gone quiet after changes; the archive's document builder implements it. Kept behind this interface so the
/// indexer does not depend on how (or where) documents are stored.
/// </summary>
public interface ISeriesMetadataDocuments
{
    /// <summary>
    /// Brings the document of the series up to date with the index: rebuilt from the series' visible instances, or
    /// removed when it has none. Must be idempotent (it may run again for the same state).
    /// </summary>
    Task RebuildAsync(string studyInstanceUid, string seriesInstanceUid, CancellationToken cancellationToken = default);
}

/// <summary>
/// Used until a document store is registered: WADO-RS metadata then builds per-instance JSON on demand, and the indexer
/// still tracks which series changed and announces them.
/// </summary>
public sealed class NoSeriesMetadataDocuments : ISeriesMetadataDocuments
{
    public Task RebuildAsync(string studyInstanceUid, string seriesInstanceUid, CancellationToken cancellationToken = default) => Task.CompletedTask;
}
