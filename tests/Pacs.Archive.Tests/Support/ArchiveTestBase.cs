using Pacs.Dicom;
using Pacs.Testing;

namespace Pacs.Archive.Tests.Support;

/// <summary>
/// Base of the suites that run against both databases: each test gets a fresh <see cref="ArchiveBackend"/>.
/// Subclasses pick the database (and, for the Azure subset, the store).
/// </summary>
public abstract class ArchiveTestBase : IAsyncLifetime
{
    private readonly DatabaseKind _kind;
    private readonly PostgresServer? _postgres;
    private ArchiveBackend? _archive;

    protected ArchiveTestBase(DatabaseKind kind, PostgresServer? postgres = null)
    {
        _kind = kind;
        _postgres = postgres;
    }

    protected ArchiveBackend Archive => _archive ?? throw new InvalidOperationException("Not initialised.");

    protected DatabaseKind Kind => _kind;

    protected virtual ArchiveOptions CreateOptions() => new();

    protected virtual Task<ArchiveBackend> CreateBackendAsync(DatabaseKind kind, PostgresServer? postgres, ArchiveOptions options) =>
        ArchiveBackend.CreateAsync(kind, postgres, options: options);

    /// <summary>A second archive over the same index and store with other options (e.g. another duplicate policy).</summary>
    protected Task<ArchiveBackend> CreateBackendAsync(ArchiveOptions options) => CreateBackendAsync(_kind, _postgres, options);

    public async Task InitializeAsync() => _archive = await CreateBackendAsync(_kind, _postgres, CreateOptions());

    public async Task DisposeAsync()
    {
        if (_archive is not null)
            await _archive.DisposeAsync();
    }

    protected async Task<IngestResult> IngestAsync(byte[] part, IngestOptions? options = null)
    {
        using var stream = new MemoryStream(part, writable: false);
        return await Archive.Ingest.IngestAsync(stream, options);
    }

    protected async Task<byte[]> ReadStoredAsync(StoredInstance instance)
    {
        await using var stream = await Archive.Retrieve.OpenAsync(instance);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    protected Task<QidoResult> QueryAsync(QueryLevel level, params MatchCondition[] conditions) =>
        Archive.Query.QueryAsync(new QidoQuery { Level = level, Conditions = conditions });

    protected static string? Text(DicomDataset dataset, DicomTag tag) => dataset.GetString(tag);
}
