using Microsoft.EntityFrameworkCore;

namespace Pacs.Archive;

/// <summary>A message waiting in the outbox.</summary>
public sealed record OutboxMessage(long Id, DateTimeOffset CreatedAt, string MessageType, string Payload, int Attempts);

/// <summary>
/// The outbox as a dispatcher sees it: read what is not yet dispatched, oldest first; mark what was published; note a
/// failed attempt. Publishing is at least once: a dispatcher that dies between publishing and marking publishes the
/// message again, so consumers are idempotent (every event names its watermark).
/// </summary>
public sealed class OutboxStore
{
    private readonly ArchiveDatabase _database;
    private readonly TimeProvider _clock;

    public OutboxStore(ArchiveDatabase database, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>Up to <paramref name="limit"/> undispatched messages, oldest first.</summary>
    public async Task<IReadOnlyList<OutboxMessage>> ReadPendingAsync(int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var db = _database.CreateContext();
        return await db.Outbox.AsNoTracking()
            .Where(o => o.DispatchedAt == null)
            .OrderBy(o => o.Id)
            .Take(limit)
            .Select(o => new OutboxMessage(o.Id, o.CreatedAt, o.MessageType, o.Payload, o.Attempts))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Marks messages as published.</summary>
    public async Task MarkDispatchedAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var now = _clock.GetUtcNow();
        var list = ids.ToArray();
        await using var db = _database.CreateContext();
        using var writer = await _database.EnterWriterAsync(cancellationToken).ConfigureAwait(false);
        await db.Outbox.Where(o => list.Contains(o.Id) && o.DispatchedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.DispatchedAt, now), cancellationToken).ConfigureAwait(false);
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
}
