// Ingest rate of the archive library (no HTTP): generated CT instances (gen-studies.py, 512×512, 16-bit) held in
// memory, ingested by P concurrent callers into SQLite + file system and PostgreSQL + file system, each in a fresh
// temporary folder (PostgreSQL started from its binaries like the test fixture, fsync on), and again with a store that
// discards the bytes (the archive's own cost). Prints instances/s and MB/s.
//   dotnet run -c Release --project bench/Pacs.Archive.Bench -- [instances=400] [parallel=8] [sqlite|postgres|both]
// and QIDO latency over an index filled with rows: ... -- query [studies=2000]  (50 instances per study)
using System.Diagnostics;
using System.Globalization;
using Pacs.Archive;
using Pacs.Storage;
using Pacs.Testing;

if (args.Length > 0 && args[0] == "query")
{
    int studyCount = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2000;
    string folder = Directory.CreateTempSubdirectory("pacs-bench-").FullName;
    var postgresServer = new PostgresServer();
    await postgresServer.InitializeAsync();
    try
    {
        var sqlite = new ArchiveDatabase(new ArchiveDatabaseOptions { ConnectionString = $"Data Source={Path.Combine(folder, "index.db")}" });
        await sqlite.MigrateAsync();
        await Pacs.Archive.Bench.QueryBench.RunAsync("SQLite", sqlite, studyCount);
        var pg = new ArchiveDatabase(new ArchiveDatabaseOptions { Provider = ArchiveDatabaseProvider.PostgreSql, ConnectionString = await postgresServer.CreateDatabaseAsync("qbench") });
        await pg.MigrateAsync();
        await Pacs.Archive.Bench.QueryBench.RunAsync("PostgreSQL 15", pg, studyCount);
    }
    finally
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Npgsql.NpgsqlConnection.ClearAllPools();
        await postgresServer.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }
    return;
}

int instances = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 400;
int parallel = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 8;
string which = args.Length > 2 ? args[2] : "both";
int perSeries = 50;
int series = Math.Max(1, instances / perSeries);

Console.WriteLine($"generating {series * perSeries} CT instances (512x512, 16-bit) ...");
using var generated = GeneratedStudies.Generate("--patients", series.ToString(CultureInfo.InvariantCulture), "--studies-per-patient", "1",
    "--series-per-study", "1", "--instances-per-series", perSeries.ToString(CultureInfo.InvariantCulture), "--modalities", "CT", "--seed", "11");
var parts = generated.Instances.Select(i => File.ReadAllBytes(generated.FullPath(i))).ToArray();
long totalBytes = parts.Sum(p => (long)p.Length);
Console.WriteLine($"{parts.Length} parts, {totalBytes / parts.Length / 1024} KiB each, {parallel} concurrent callers");

if (which is "sqlite" or "both")
{
    await RunAsync("SQLite + file system", ArchiveDatabaseProvider.Sqlite, null, discard: false);
    await RunAsync("SQLite, store discarding (index cost only)", ArchiveDatabaseProvider.Sqlite, null, discard: true);
}
if (which is "postgres" or "both")
{
    var postgres = new PostgresServer();
    await postgres.InitializeAsync();
    try
    {
        await RunAsync("PostgreSQL 15 + file system", ArchiveDatabaseProvider.PostgreSql, postgres, discard: false);
        await RunAsync("PostgreSQL 15, store discarding (index cost only)", ArchiveDatabaseProvider.PostgreSql, postgres, discard: true);
    }
    finally
    {
        await postgres.DisposeAsync();
    }
}

async Task RunAsync(string name, ArchiveDatabaseProvider provider, PostgresServer? postgres, bool discard)
{
    string folder = Directory.CreateTempSubdirectory("pacs-bench-").FullName;
    try
    {
        var database = new ArchiveDatabase(new ArchiveDatabaseOptions
        {
            Provider = provider,
            ConnectionString = provider == ArchiveDatabaseProvider.Sqlite
                ? $"Data Source={Path.Combine(folder, "index.db")}"
                : await postgres!.CreateDatabaseAsync("bench"),
        });
        await database.MigrateAsync();
        IBlobStore store = discard
            ? new Pacs.Archive.Bench.DiscardingBlobStore()
            : new FileSystemBlobStore(new FileSystemBlobStoreOptions { RootPath = Path.Combine(folder, "blobs") });
        var ingest = new IngestService(database, store, new ArchiveOptions { SpoolFolder = Path.Combine(folder, "spool") });
        int next = -1, failed = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, parallel).Select(_ => Task.Run(async () =>
        {
            for (int i = Interlocked.Increment(ref next); i < parts.Length; i = Interlocked.Increment(ref next))
            {
                using var stream = new MemoryStream(parts[i], writable: false);
                var result = await ingest.IngestAsync(stream);
                if (result.Outcome != IngestOutcome.Stored)
                    Interlocked.Increment(ref failed);
            }
        })));
        clock.Stop();
        double seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: {parts.Length} instances in {seconds:F2} s = {parts.Length / seconds:F0} instances/s, {totalBytes / seconds / 1e6:F0} MB/s, {failed} not stored"));
    }
    finally
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Npgsql.NpgsqlConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }
}
