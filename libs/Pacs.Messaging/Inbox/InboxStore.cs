using Microsoft.EntityFrameworkCore;

namespace Pacs.Messaging.Inbox;

/// <summary>One message one consumer has applied: the dedupe record of an idempotent consumer.</summary>
public sealed class InboxRow
{
    /// <summary>The consumer's stable name (a queue's worth of work, e.g. <c>indexer</c>).</summary>
    public required string Consumer { get; set; }

    /// <summary>The event's dedupe key (<see cref="Contracts.IPacsEvent.DedupeKey"/>).</summary>
    public required string MessageId { get; set; }

    public DateTimeOffset ProcessedAt { get; set; }
}

/// <summary>
/// The inbox of idempotent consumers. A consumer applies an event in one database transaction that also records
/// (consumer, dedupe key) here; a copy of the event (re-published by the outbox dispatcher, redelivered by the broker)
/// finds the record and changes nothing. Two copies applied at the same moment cannot both commit: the primary key
/// refuses the second, whose whole transaction — effect included — rolls back, and its retry finds the record.
/// The table lives in the consumer's own database; a DbContext includes it with <see cref="AddPacsInbox"/>.
/// </summary>
public static class InboxStore
{
    public const string TableName = "inbox";

    /// <summary>Adds the inbox table to a model (key: consumer and message id; an index on the time for purging).</summary>
    public static ModelBuilder AddPacsInbox(this ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.Entity<InboxRow>(e =>
        {
            e.ToTable(TableName);
            // The dedupe check and the guarantee that one consumer applies one message once.
            e.HasKey(i => new { i.Consumer, i.MessageId });
            e.Property(i => i.Consumer).HasMaxLength(200);
            e.Property(i => i.MessageId).HasMaxLength(300);
            // Purge of old records.
            e.HasIndex(i => i.ProcessedAt);
        });
        return modelBuilder;
    }

    /// <summary>
    /// Adds the record that <paramref name="consumer"/> applied <paramref name="messageId"/> to <paramref name="db"/>'s
    /// pending changes, to be saved in the caller's transaction with the effect. Returns false — and adds nothing — when
    /// the record exists already: the caller skips its effect.
    /// </summary>
    public static async Task<bool> TryRecordAsync(DbContext db, string consumer, string messageId, DateTimeOffset now,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentException.ThrowIfNullOrEmpty(consumer);
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        var set = db.Set<InboxRow>();
        if (await set.AnyAsync(i => i.Consumer == consumer && i.MessageId == messageId, cancellationToken).ConfigureAwait(false))
            return false;
        set.Add(new InboxRow { Consumer = consumer, MessageId = messageId, ProcessedAt = now });
        return true;
    }

    /// <summary>Whether <paramref name="consumer"/> has applied <paramref name="messageId"/>.</summary>
    public static Task<bool> ContainsAsync(DbContext db, string consumer, string messageId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Set<InboxRow>().AnyAsync(i => i.Consumer == consumer && i.MessageId == messageId, cancellationToken);
    }

    /// <summary>
    /// Deletes records older than <paramref name="before"/>. Keep them longer than a copy can still arrive: the outbox's
    /// retention plus the broker's redelivery window.
    /// </summary>
    public static Task<int> PurgeAsync(DbContext db, DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Set<InboxRow>().Where(i => i.ProcessedAt < before).ExecuteDeleteAsync(cancellationToken);
    }
}
