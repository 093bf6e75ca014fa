using Pacs.Archive.Tests.Support;
using Pacs.Testing;

namespace Pacs.Archive.Tests.Query;

/// <summary>
/// Ten studies written once per test class by gen-studies.py (seed 7: 5 patients × 2 studies × 2 series × 2
/// instances of 16×16 pixels), ingested once into an archive that the class's read-only query tests share. The
/// generator is deterministic, so the expectations in the tables are fixed values.
/// </summary>
public sealed class GeneratedStudiesFixture : IAsyncLifetime
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ArchiveBackend? _archive;

    public GeneratedStudies Studies { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Studies = GeneratedStudies.Generate(
            "--patients", "5", "--studies-per-patient", "2", "--series-per-study", "2", "--instances-per-series", "2",
            "--rows", "16", "--cols", "16", "--seed", "7");
        return Task.CompletedTask;
    }

    /// <summary>The archive holding every generated instance, ingested one by one in index order on first use.</summary>
    public async Task<ArchiveBackend> ArchiveAsync(DatabaseKind kind, PostgresServer? postgres)
    {
        await _gate.WaitAsync();
        try
        {
            if (_archive is null)
            {
                var archive = await ArchiveBackend.CreateAsync(kind, postgres);
                foreach (var instance in Studies.Instances)
                {
                    await using var stream = File.OpenRead(Studies.FullPath(instance));
                    var result = await archive.Ingest.IngestAsync(stream);
                    Assert.True(result.Outcome == IngestOutcome.Stored, $"{instance.Path}: {result.FailureDescription}");
                }
                _archive = archive;
            }
            return _archive;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task DisposeAsync()
    {
        if (_archive is not null)
            await _archive.DisposeAsync();
        Studies?.Dispose();
        _gate.Dispose();
    }
}
