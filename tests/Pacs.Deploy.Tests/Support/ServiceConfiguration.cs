using System.Collections;
using System.Reflection;
using Pacs.Archive;
using Pacs.DicomWeb.Hosting;
using Pacs.Gateway;
using Pacs.Indexer;
using Pacs.Messaging.Bus;
using Pacs.Messaging.Outbox;
using Pacs.ServiceDefaults;
using Pacs.Storage;

namespace Pacs.Deploy.Tests.Support;

/// <summary>
/// The configuration keys each service image reads, derived from the options classes its host binds (section prefix
/// and type, walked by reflection as the configuration binder walks them), so a variable the deployment sets that no
/// service reads — a typo, a renamed option — is found.
/// </summary>
internal static class ServiceConfiguration
{
    /// <summary>Environment variables read by the runtime or OpenTelemetry rather than a Pacs options class.</summary>
    private static readonly string[] PlatformPrefixes = ["ASPNETCORE_", "DOTNET_", "OTEL_", "TMPDIR"];

    /// <summary>The bus and the outbox dispatcher (libs/Pacs.Messaging): read by every service on the bus.</summary>
    private static readonly (string Section, Type Options)[] Bus =
    [
        (BusOptions.ConfigurationSection, typeof(BusOptions)),
        (OutboxDispatcherOptions.ConfigurationSection, typeof(OutboxDispatcherOptions)),
    ];

    private static readonly (string Section, Type Options)[] Defaults = [(ServiceOptions.ConfigurationSection, typeof(ServiceOptions))];

    /// <summary>What a host of the archive binds (<see cref="ArchiveHosting.AddArchiveFromConfiguration"/>).</summary>
    private static readonly (string Section, Type Options)[] Archive =
    [
        (ArchiveHostOptions.ConfigurationSection, typeof(ArchiveHostOptions)),
        ("Pacs:Database", typeof(ArchiveDatabaseOptions)),
        ("Pacs:Archive", typeof(ArchiveOptions)),
        (PacsStorageOptions.ConfigurationSection, typeof(PacsStorageOptions)),
    ];

    /// <summary>Image name → the keys its service reads.</summary>
    public static IReadOnlyDictionary<string, IReadOnlySet<string>> ByImage { get; } = new Dictionary<string, IReadOnlySet<string>>
    {
        ["pacs-dicomweb"] = Keys(
            [.. Defaults, .. Archive, .. Bus, (DicomWebHosting.ConfigurationSection, typeof(PublicUrlOptions)), ("DicomWeb:Cors", typeof(DicomWebCorsOptions))],
            ["DicomWeb:MetadataCacheBytes"]),
        ["pacs-gateway"] = Keys([.. Defaults, (GatewayOptions.ConfigurationSection, typeof(GatewayOptions))], []),
        // The indexer owns the same archive and listens on the bus.
        ["pacs-indexer"] = Keys([.. Defaults, .. Archive, (BusOptions.ConfigurationSection, typeof(BusOptions)),
            (IndexerOptions.ConfigurationSection, typeof(IndexerOptions))], []),
    };

    /// <summary>The service names the images are built from: services/Pacs.X/Dockerfile builds pacs-x.</summary>
    public static IReadOnlyDictionary<string, string> ProjectByImage { get; } = new Dictionary<string, string>
    {
        ["pacs-dicomweb"] = "Pacs.DicomWeb",
        ["pacs-gateway"] = "Pacs.Gateway",
        ["pacs-indexer"] = "Pacs.Indexer",
    };

    /// <summary>Whether <paramref name="variable"/> (an environment variable name) is read by the service of <paramref name="image"/>.</summary>
    public static bool Reads(string image, string variable)
    {
        if (PlatformPrefixes.Any(p => variable.StartsWith(p, StringComparison.Ordinal)))
            return true;
        var segments = variable.Split("__");
        return ByImage[image].Any(key => Matches(key.Split(':'), segments));
    }

    /// <summary>A key pattern's segments against a variable's: '#' is a list index, '*' a dictionary key; names ignore case as configuration does.</summary>
    private static bool Matches(string[] pattern, string[] segments) =>
        pattern.Length == segments.Length && pattern.Zip(segments).All(p => p.First switch
        {
            "#" => int.TryParse(p.Second, out var i) && i >= 0,
            "*" => p.Second.Length > 0,
            _ => string.Equals(p.First, p.Second, StringComparison.OrdinalIgnoreCase),
        });

    private static HashSet<string> Keys((string Section, Type Options)[] sections, string[] extra)
    {
        var keys = new HashSet<string>(extra, StringComparer.OrdinalIgnoreCase);
        foreach (var (section, type) in sections)
            Walk(section, type, keys, depth: 0);
        return keys;
    }

    private static void Walk(string prefix, Type type, HashSet<string> keys, int depth)
    {
        if (depth > 6)
            return;
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.GetMethod is null)
                continue;
            string key = $"{prefix}:{property.Name}";
            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (IsScalar(propertyType))
            {
                if (property.SetMethod is { IsPublic: true })
                    keys.Add(key);
            }
            else if (DictionaryValueType(propertyType) is { } valueType)
            {
                AddElement($"{key}:*", valueType, keys, depth);
            }
            else if (ElementType(propertyType) is { } elementType)
            {
                AddElement($"{key}:#", elementType, keys, depth);
            }
            else if (propertyType.IsClass)
            {
                Walk(key, propertyType, keys, depth + 1);
            }
        }
    }

    private static void AddElement(string key, Type element, HashSet<string> keys, int depth)
    {
        if (IsScalar(Nullable.GetUnderlyingType(element) ?? element))
            keys.Add(key);
        else
            Walk(key, element, keys, depth + 1);
    }

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(Uri)
        || type == typeof(TimeSpan) || type == typeof(DateTimeOffset) || type == typeof(DateTime) || type == typeof(Guid);

    private static Type? ElementType(Type type)
    {
        if (type.IsArray)
            return type.GetElementType();
        if (type == typeof(string) || !typeof(IEnumerable).IsAssignableFrom(type))
            return null;
        return type.GetInterfaces().Append(type)
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];
    }

    private static Type? DictionaryValueType(Type type) =>
        type.GetInterfaces().Append(type)
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>) && i.GetGenericArguments()[0] == typeof(string))
            ?.GetGenericArguments()[1];
}
