using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Pacs.Messaging.Outbox;

namespace Pacs.Archive;

/// <summary>
/// The outbox as a dispatcher sees it: read what is not yet dispatched, oldest first; mark what was published; note a
/// failed attempt. Publishing is at least once: a dispatcher that dies between publishing and marking publishes the
/// message again, so consumers are idempotent (every event carries a dedupe key; see <c>Pacs.Messaging.Inbox</c>).
/// </summary>
public sealed class OutboxStore : IOutboxStore
{
    /// <summary>Prefix of <see cref="OutboxMessageRow.LastError"/> of a row set aside as undeliverable.</summary>
    public const string UndeliverablePrefix = "undeliverable: ";

    private readonly ArchiveDatabase _database;
    private readonly TimeProvider _clock;

    public OutboxStore(ArchiveDatabase database, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _clock = clock ?? TimeProvider.System;
    }

    // The dispatcher's two statements per round, as plain commands: through EF their translation (a collection
    // parameter in MarkDispatched) and materialization cost more than the statements (docs/benchmarks.md).
    private const string ReadPendingSql =
        """
        SELECT "id", "created_at", "message_type", "payload", "attempts", "ordering_key", "trace_parent", "trace_state"
        FROM "outbox" WHERE "dispatched_at" IS NULL ORDER BY "id" LIMIT @limit
        """;

    private const string MarkDispatchedPostgresSql =
        """UPDATE "outbox" SET "dispatched_at" = @now WHERE "id" = ANY(@ids) AND "dispatched_at" IS NULL""";

    // SQLite has no array parameter: the ids travel as one JSON array.
    private const string MarkDispatchedSqliteSql =
        """UPDATE "outbox" SET "dispatched_at" = @now WHERE "id" IN (SELECT "value" FROM json_each(@ids)) AND "dispatched_at" IS NULL""";

    private static readonly DateTimeOffsetToBinaryConverter SqliteTime = new();

    /// <summary>Up to <paramref name="limit"/> undispatched messages, oldest first.</summary>
    public async Task<IReadOnlyList<OutboxMessage>> ReadPendingAsync(int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = ReadPendingSql;
        AddParameter(command, "@limit", limit);
        var messages = new List<OutboxMessage>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var createdAt = _database.IsPostgres
                ? reader.GetFieldValue<DateTimeOffset>(1)
                : SqliteTime.ConvertFromProviderTyped(reader.GetInt64(1));
            messages.Add(new OutboxMessage(reader.GetInt64(0), createdAt, reader.GetString(2), reader.GetString(3), reader.GetInt32(4))
            {
                OrderingKey = reader.IsDBNull(5) ? null : reader.GetString(5),
                TraceParent = reader.IsDBNull(6) ? null : reader.GetString(6),
                TraceState = reader.IsDBNull(7) ? null : reader.GetString(7),
            });
        }
        return messages;
    }

    /// <summary>Number of messages not yet dispatched.</summary>
    public async Task<int> CountPendingAsync(CancellationToken cancellationToken = default)
    {
        await using var db = _database.CreateContext();
        return await db.Outbox.CountAsync(o => o.DispatchedAt == null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Marks messages as published.</summary>
    public async Task MarkDispatchedAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
            return;
        var now = _clock.GetUtcNow();
        using var writer = await _database.EnterWriterAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        if (_database.IsPostgres)
        {
            command.CommandText = MarkDispatchedPostgresSql;
            AddParameter(command, "@now", now.ToUniversalTime());
            AddParameter(command, "@ids", ids.ToArray());
        }
        else
        {
            command.CommandText = MarkDispatchedSqliteSql;
            AddParameter(command, "@now", SqliteTime.ConvertToProviderTyped(now));
            AddParameter(command, "@ids", "[" + string.Join(',', ids.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]");
        }
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void AddParameter(System.Data.Common.DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    /// <summary>Records a failed publish of one message (it stays pending).</summary>
    public async Task RecordFailureAsync(long id, string error, CancellationToken cancellationToken = default)
    {
        await using var db = _database.CreateContext();
        using var writer = await _database.EnterWriterAsync(cancellationToken).ConfigureAwait(false);
        await db.Outbox.Where(o => o.Id == id)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.Attempts, o => o.Attempts + 1).SetProperty(o => o.LastError, error), cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>
    /// Sets aside a message that can never be published: it is marked dispatched (so it no longer holds up its study) with
    /// <see cref="OutboxMessageRow.LastError"/> starting <see cref="UndeliverablePrefix"/>, and kept by the purge.
    /// </summary>
    public async Task MarkUndeliverableAsync(long id, string error, CancellationToken cancellationToken = default)
    {
        var now = _clock.GetUtcNow();
        string reason = UndeliverablePrefix + error;
        await using var db = _database.CreateContext();
        using var writer = await _database.EnterWriterAsync(cancellationToken).ConfigureAwait(false);
        await db.Outbox.Where(o => o.Id == id)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.Attempts, o => o.Attempts + 1).SetProperty(o => o.LastError, reason)
                .SetProperty(o => o.DispatchedAt, now), cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>Deletes messages dispatched before <paramref name="dispatchedBefore"/>, except those set aside as undeliverable.</summary>
    public async Task<int> PurgeDispatchedAsync(DateTimeOffset dispatchedBefore, CancellationToken cancellationToken = default)
    {
        await using var db = _database.CreateContext();
        using var writer = await _database.EnterWriterAsync(cancellationToken).ConfigureAwait(false);
        return await db.Outbox
            .Where(o => o.DispatchedAt != null && o.DispatchedAt < dispatchedBefore
                && (o.LastError == null || !o.LastError.StartsWith(UndeliverablePrefix)))
            .ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// PostgreSQL: a session advisory lock on a connection of its own, held as long as the lease (the database releases
    /// it when that connection ends, so a dispatcher that died frees it at once). SQLite: one process owns the index
    /// file, so the lease is always granted.
    /// </summary>
    public async Task<IOutboxLease?> TryAcquireLeaseAsync(CancellationToken cancellationToken = default)
    {
        if (!_database.IsPostgres)
            return new LocalLease();
        // Unpooled: the lock lives exactly as long as this physical connection.
        var connection = new Npgsql.NpgsqlConnection(new Npgsql.NpgsqlConnectionStringBuilder(_database.Options.ConnectionString) { Pooling = false }.ToString());
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new Npgsql.NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection);
            command.Parameters.AddWithValue("key", DispatchLockKey);
            if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true)
                return new PostgresLease(connection);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        await connection.DisposeAsync().ConfigureAwait(false);
        return null;
    }

    // An arbitrary constant naming "the outbox dispatcher" among advisory locks of this database.
    private const long DispatchLockKey = 0x5041_4353_4F42_5831; // "PACSOBX1"

    private sealed class LocalLease : IOutboxLease
    {
        public Task<bool> IsHeldAsync(CancellationToken cancellationToken = default) => Task.FromResult(true);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class PostgresLease(Npgsql.NpgsqlConnection connection) : IOutboxLease
    {
        public async Task<bool> IsHeldAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                await using var command = new Npgsql.NpgsqlCommand("SELECT 1", connection);
                await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or InvalidOperationException or IOException)
            {
                return false; // the connection, and with it the lock, is gone
            }
        }

        public ValueTask DisposeAsync() => connection.DisposeAsync();
    }
}
