using Pacs.Messaging.Contracts;

namespace Pacs.Archive;

/// <summary>Names of the events the archive writes to the outbox (the contracts are in <see cref="EventCatalog"/>).</summary>
public static class OutboxMessageTypes
{
    /// <summary>A new instance is visible (<see cref="Pacs.Messaging.Contracts.InstanceStored"/>).</summary>
    public const string InstanceStored = EventCatalog.InstanceStored;

    /// <summary>A new version of an instance replaced the visible one (<see cref="Pacs.Messaging.Contracts.InstanceReplaced"/>).</summary>
    public const string InstanceReplaced = EventCatalog.InstanceReplaced;

    /// <summary>An instance was deleted (<see cref="Pacs.Messaging.Contracts.InstanceDeleted"/>; Watermark is the version that was visible).</summary>
    public const string InstanceDeleted = EventCatalog.InstanceDeleted;
}
