using Pacs.Archive.Tests.Support;
using Pacs.Storage;

namespace Pacs.Archive.Tests.Ingest;

/// <summary>When the index cannot be reached, ingest refuses with a processing failure and writes no blob.</summary>
public sealed class UnreachableDatabaseTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("pacs-archive-").FullName;

    [Theory]
    [InlineData(ArchiveDatabaseProvider.Sqlite)]
    [InlineData(ArchiveDatabaseProvider.PostgreSql)]
    public async Task Ingest_with_the_index_down_is_refused_with_272_and_writes_no_blob(ArchiveDatabaseProvider provider)
    {
        var database = new ArchiveDatabase(new ArchiveDatabaseOptions
        {
            Provider = provider,
            // A SQLite file in a folder that does not exist; a PostgreSQL port nobody listens on.
            ConnectionString = provider == ArchiveDatabaseProvider.Sqlite
                ? $"Data Source={Path.Combine(_folder, "missing", "index.db")};Mode=ReadWrite"
                : "Host=127.0.0.1;Port=1;Username=postgres;Database=none;Timeout=5",
        });
        var store = new FileSystemBlobStore(new FileSystemBlobStoreOptions { RootPath = Path.Combine(_folder, "blobs") });
        var ingest = new IngestService(database, store, new ArchiveOptions { SpoolFolder = Path.Combine(_folder, "spool") });

        var result = await ingest.IngestAsync(new MemoryStream(TestDicom.Create(TestDicom.NewUid(), TestDicom.NewUid(), TestDicom.NewUid())));

        Assert.Equal((ushort)272, result.FailureReason);
        Assert.StartsWith("The index could not be updated", result.FailureDescription, StringComparison.Ordinal);
        Assert.Empty((await store.ListPageAsync("")).Items);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
