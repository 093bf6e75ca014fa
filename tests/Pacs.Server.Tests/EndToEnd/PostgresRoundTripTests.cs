using Pacs.Server.Tests.Support;
using Pacs.Testing;

namespace Pacs.Server.Tests.EndToEnd;

/// <summary>The same round trip with the index in a real PostgreSQL 15 (started from local binaries) instead of SQLite.</summary>
public sealed class PostgresRoundTripTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    [Fact]
    public async Task Round_trip_works_with_the_index_in_PostgreSQL()
    {
        var connectionString = await postgres.CreateDatabaseAsync("server");
        await using var server = await EmbeddedServer.StartAsync("--Pacs:Database:Provider=PostgreSql", $"--Pacs:Database:ConnectionString={connectionString}");
        await DicomWebRoundTripTests.RoundTripAsync(server);
    }
}
