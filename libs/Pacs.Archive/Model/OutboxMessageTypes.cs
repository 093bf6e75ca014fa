using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pacs.Archive;

/// <summary>Event types the archive writes to the outbox, and their JSON payload.</summary>
public static class OutboxMessageTypes
{
    /// <summary>A new instance is visible (<see cref="InstanceEvent"/>).</summary>
    public const string InstanceStored = "InstanceStored";

    /// <summary>A new version of an instance replaced the visible one (<see cref="InstanceEvent"/>).</summary>
    public const string InstanceReplaced = "InstanceReplaced";

    /// <summary>An instance was deleted (<see cref="InstanceEvent"/>; Watermark is the newest version deleted).</summary>
    public const string InstanceDeleted = "InstanceDeleted";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

/// <summary>Payload of the instance events.</summary>
public sealed record InstanceEvent(
    string StudyInstanceUid,
    string SeriesInstanceUid,
    string SopInstanceUid,
    string SopClassUid,
    long Watermark,
    int Version,
    long SizeBytes,
    string BlobName)
{
    public string ToJson() => JsonSerializer.Serialize(this, OutboxMessageTypes.Json);

    public static InstanceEvent FromJson(string json) =>
        JsonSerializer.Deserialize<InstanceEvent>(json, OutboxMessageTypes.Json) ?? throw new JsonException("Empty instance event.");
}
