using System.Data.Common;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

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
    /// Records, in <paramref name="db"/>'s current transaction, that <paramref name="consumer"/> applied each of
    /// <paramref name="messageIds"/>, in one multi-row statement, and returns those that were new: the caller applies
    /// the effects of exactly these. An id recorded before (or twice in the list) is left out, so its copy changes
    /// nothing. A record another transaction inserted and has not committed yet makes this statement wait for it (the
    /// primary key): if that commits, the id counts as recorded before; if it rolls back, the id is new here.
    /// The statement runs at once (no SaveChanges); the context must be in a transaction (the effect's).
    /// </summary>
    public static async Task<IReadOnlySet<string>> RecordNewAsync(DbContext db, string consumer, IReadOnlyCollection<string> messageIds,
        DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentException.ThrowIfNullOrEmpty(consumer);
        ArgumentNullException.ThrowIfNull(messageIds);
        var recorded = new HashSet<string>(StringComparer.Ordinal);
        var distinct = new List<string>(messageIds.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string id in messageIds)
        {
            ArgumentException.ThrowIfNullOrEmpty(id, nameof(messageIds));
            if (seen.Add(id))
                distinct.Add(id);
        }
        if (distinct.Count == 0)
            return recorded;
        // Inserted in one order by every consumer, so two transactions recording overlapping sets wait for each other
        // instead of deadlocking (each holding a key the other wants).
        distinct.Sort(StringComparer.Ordinal);

        var names = Names.For(db.Model);
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("The inbox records go into the transaction of the effect; begin one first.");
        await using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        // Both SQLite (3.35+) and PostgreSQL take ON CONFLICT DO NOTHING with RETURNING: the rows returned are exactly
        // those inserted, one round trip for the whole batch instead of a lookup and an insert per message.
        var sql = new StringBuilder(128 + distinct.Count * 24);
        sql.Append("INSERT INTO ").Append(names.Table).Append(" (").Append(names.Consumer).Append(", ").Append(names.MessageId)
            .Append(", ").Append(names.ProcessedAt).Append(") VALUES ");
        AddParameter(command, "@c", consumer);
        AddParameter(command, "@t", names.ProcessedAtConverter?.ConvertToProvider(now) ?? now);
        for (int i = 0; i < distinct.Count; i++)
        {
            string name = "@m" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            sql.Append(i == 0 ? "" : ", ").Append("(@c, ").Append(name).Append(", @t)");
            AddParameter(command, name, distinct[i]);
        }
        sql.Append(" ON CONFLICT DO NOTHING RETURNING ").Append(names.MessageId);
        command.CommandText = sql.ToString();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                recorded.Add(reader.GetString(0));
        }
        return recorded;
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    /// <summary>The inbox's table and column names and the time's storage conversion, as the context's model maps them.</summary>
    private sealed record Names(string Table, string Consumer, string MessageId, string ProcessedAt, Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter? ProcessedAtConverter)
    {
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IModel, Names> Cache = new();

        public static Names For(IModel model) => Cache.GetValue(model, Build);

        private static Names Build(IModel model)
        {
            var entity = model.FindEntityType(typeof(InboxRow))
                ?? throw new InvalidOperationException("The context's model has no inbox (ModelBuilder.AddPacsInbox).");
            var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
            string Column(string property) => Quote(entity.FindProperty(property)!.GetColumnName(table)!);
            var processedAt = entity.FindProperty(nameof(InboxRow.ProcessedAt))!;
            string tableName = entity.GetSchema() is { } schema ? Quote(schema) + "." + Quote(entity.GetTableName()!) : Quote(entity.GetTableName()!);
            return new Names(tableName, Column(nameof(InboxRow.Consumer)), Column(nameof(InboxRow.MessageId)), Column(nameof(InboxRow.ProcessedAt)),
                processedAt.GetTypeMapping().Converter);
        }

        private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
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
