namespace Pacs.Messaging.Contracts;

/// <summary>
/// What every event Pacs publishes carries besides its content. Events are delivered at least once (a dispatcher that
/// dies between publishing and recording it publishes again, a consumer that dies before acknowledging gets it again),
/// so every consumer applies an event at most once by recording <see cref="DedupeKey"/> in its inbox in the same
/// transaction as its effect (<see cref="Inbox.InboxStore"/>).
/// </summary>
public interface IPacsEvent
{
    /// <summary>
    /// Version of the contract's shape. Additive changes (a new optional field) keep it; a change that breaks readers
    /// is a new contract with a new name in <see cref="EventCatalog"/> (both are published while readers move over).
    /// </summary>
    int ContractVersion { get; }

    /// <summary>The same for every copy of one event and different for different events (the message id is derived from it).</summary>
    string DedupeKey { get; }

    /// <summary>Events with the same ordering key are published in the order they were written (the study they concern).</summary>
    string OrderingKey { get; }
}
