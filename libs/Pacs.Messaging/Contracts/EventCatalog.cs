using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pacs.Messaging.Contracts;

/// <summary>
/// Every event contract in one place: its name (the outbox's message type, the exchange it is published to, the
/// message URN), its CLR type and its JSON form. A name ends in the contract's version; a breaking change adds a new
/// name (and type) instead of changing an old one, so a message written by an older process is always readable.
/// </summary>
public static class EventCatalog
{
    public const string InstanceStored = "pacs.instance-stored.v1";
    public const string InstanceReplaced = "pacs.instance-replaced.v1";
    public const string InstanceDeleted = "pacs.instance-deleted.v1";
    public const string SeriesChanged = "pacs.series-changed.v1";
    public const string StudyChanged = "pacs.study-changed.v1";

    private static readonly FrozenDictionary<string, Type> TypesByName = new Dictionary<string, Type>(StringComparer.Ordinal)
    {
        [InstanceStored] = typeof(InstanceStored),
        [InstanceReplaced] = typeof(InstanceReplaced),
        [InstanceDeleted] = typeof(InstanceDeleted),
        [SeriesChanged] = typeof(SeriesChanged),
        [StudyChanged] = typeof(StudyChanged),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<Type, string> NamesByType = TypesByName.ToFrozenDictionary(p => p.Value, p => p.Key);

    // Namespace of the name-based message ids (RFC 9562 5.5): a fixed random UUID chosen for Pacs events.
    private static readonly Guid MessageIdNamespace = new("6f3c1e52-9a4b-4c0e-8d77-2b5a1f0c9e31");

    /// <summary>JSON of the outbox payloads: camelCase, nulls left out (the same shape the bus serializer writes).</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The contracts, by name.</summary>
    public static IReadOnlyDictionary<string, Type> Contracts => TypesByName;

    /// <summary>The contract name of an event type.</summary>
    /// <exception cref="ArgumentException">The type is not a Pacs event contract.</exception>
    public static string NameOf(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return NamesByType.TryGetValue(type, out var name) ? name : throw new ArgumentException($"{type} is not a Pacs event contract.", nameof(type));
    }

    public static bool TryGetName(Type type, out string? name) => NamesByType.TryGetValue(type, out name);

    public static bool TryGetType(string name, out Type? type) => TypesByName.TryGetValue(name, out type);

    /// <summary>The event as the outbox stores it.</summary>
    public static string Serialize(IPacsEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return JsonSerializer.Serialize(e, e.GetType(), Json);
    }

    /// <summary>Reads an outbox payload back.</summary>
    /// <exception cref="UnreadableEventException">No contract has that name, or the payload does not fit it.</exception>
    public static IPacsEvent Deserialize(string name, string json)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(json);
        if (!TypesByName.TryGetValue(name, out var type))
            throw new UnreadableEventException($"No event contract is named '{name}'.");
        try
        {
            return JsonSerializer.Deserialize(json, type, Json) as IPacsEvent
                ?? throw new UnreadableEventException($"The payload of a '{name}' event is empty.");
        }
        catch (JsonException e)
        {
            throw new UnreadableEventException($"The payload of a '{name}' event does not fit the contract: {e.Message}", e);
        }
    }

    /// <summary>
    /// The bus message id of an event: a name-based UUID (version 5) of its dedupe key, so every copy of one event has
    /// the same id wherever and however often it is published.
    /// </summary>
    public static Guid MessageIdOf(IPacsEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return NameBasedGuid(e.DedupeKey);
    }

    internal static Guid NameBasedGuid(string name)
    {
        // RFC 9562 5.5: SHA-1 over the namespace (network byte order) and the name; version 5, variant 10.
        Span<byte> input = stackalloc byte[16];
        MessageIdNamespace.TryWriteBytes(input, bigEndian: true, out _);
        byte[] nameBytes = Encoding.UTF8.GetBytes(name);
        byte[] all = new byte[16 + nameBytes.Length];
        input.CopyTo(all);
        nameBytes.CopyTo(all, 16);
        Span<byte> hash = stackalloc byte[20];
#pragma warning disable CA5350 // SHA-1 is what RFC 9562 prescribes for version 5 UUIDs; no security depends on it.
        SHA1.HashData(all, hash);
#pragma warning restore CA5350
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }
}

/// <summary>An outbox row names no known contract or its payload does not fit one (a defect, never a transient failure).</summary>
public sealed class UnreadableEventException : Exception
{
    public UnreadableEventException()
    {
    }

    public UnreadableEventException(string message) : base(message)
    {
    }

    public UnreadableEventException(string message, Exception inner) : base(message, inner)
    {
    }
}
