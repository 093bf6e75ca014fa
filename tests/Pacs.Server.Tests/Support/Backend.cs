using Pacs.Storage.Tests.Azure;
using Pacs.Testing;

namespace Pacs.Server.Tests.Support;

/// <summary>The two configurations every end-to-end test runs in (issue 3, section 5).</summary>
public enum Backend
{
    /// <summary>SQLite index and file system store in the data folder: the one-command default.</summary>
    Embedded,

    /// <summary>PostgreSQL index and Azure Blob Storage (Azurite), real servers started by <see cref="ServerPeers"/>.</summary>
    Production,
}

/// <summary>Theory data: each test once per backend.</summary>
public static class Backends
{
    public static TheoryData<Backend> All => new() { Backend.Embedded, Backend.Production };

    /// <summary>Each value once per backend.</summary>
    public static TheoryData<Backend, T> Cross<T>(params T[] values)
    {
        var data = new TheoryData<Backend, T>();
        foreach (var backend in new[] { Backend.Embedded, Backend.Production })
        {
            foreach (var value in values)
                data.Add(backend, value);
        }

        return data;
    }
}

/// <summary>Every end-to-end class shares one <see cref="ServerPeers"/>: one PostgreSQL and one Azurite per test run.</summary>
[CollectionDefinition(Name)]
public sealed class EndToEndCollection : ICollectionFixture<ServerPeers>
{
    public const string Name = "EndToEnd";
}

/// <summary>
/// The production peers, started on first use (a run filtered to the embedded backend starts none) and stopped, by the
/// processes' ids, when the run ends. Each server gets its own database and its own container, so tests stay independent.
/// </summary>
public sealed class ServerPeers : IAsyncLifetime
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private PostgresServer? _postgres;
    private AzuriteFixture? _azurite;

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>The command-line settings that put a server on fresh production peers (empty for the embedded backend).</summary>
    public async Task<string[]> SettingsAsync(Backend backend)
    {
        if (backend == Backend.Embedded)
            return [];
        var (postgres, azurite) = await StartAsync();
        var connectionString = await postgres.CreateDatabaseAsync("server");
        return
        [
            "--Pacs:Database:Provider=PostgreSql",
            $"--Pacs:Database:ConnectionString={connectionString}",
            "--Pacs:Storage:Provider=AzureBlob",
            $"--Pacs:Storage:Endpoint={azurite.ServiceUri}",
            $"--Pacs:Storage:AccountKey={Pacs.Storage.AzureBlobStoreOptions.DevelopmentAccountKey}",
            $"--Pacs:Storage:Container={AzuriteFixture.NewContainerName()}",
        ];
    }

    /// <summary>A server of <paramref name="backend"/> in this process, with further settings.</summary>
    public async Task<InProcessServer> StartServerAsync(Backend backend, params string[] settings)
    {
        var server = await InProcessServer.StartAsync([.. await SettingsAsync(backend), .. settings]);
        // A test that believes it runs on the production peers must not silently run on the embedded ones.
        Assert.IsType(backend == Backend.Production ? typeof(Pacs.Storage.AzureBlobStore) : typeof(Pacs.Storage.FileSystemBlobStore), server.Store);
        return server;
    }

    private async Task<(PostgresServer, AzuriteFixture)> StartAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_postgres is null)
            {
                var postgres = new PostgresServer();
                await postgres.InitializeAsync();
                _postgres = postgres;
            }

            if (_azurite is null)
            {
                var azurite = new AzuriteFixture();
                await azurite.InitializeAsync();
                _azurite = azurite;
            }

            return (_postgres, _azurite);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task DisposeAsync()
    {
        if (_azurite is not null)
            await _azurite.DisposeAsync();
        if (_postgres is not null)
            await _postgres.DisposeAsync();
        _gate.Dispose();
    }
}
