using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Pacs.Deploy.Tests.Helm;

/// <summary>
/// values.yaml as the renderer sees it — maps (<see cref="Map"/>, with their paths), lists, and scalars typed as
/// Helm types them (plain true/false are booleans, plain integers longs, plain decimals doubles, null/~/empty null,
/// quoted scalars strings) — and the <c>toYaml</c> writer.
/// </summary>
internal static partial class YamlValues
{
    public static Map Load(string yaml, string path)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        if (stream.Documents.Count == 0)
            return new Map(path);
        return Convert(stream.Documents[0].RootNode, path) as Map
            ?? throw new InvalidOperationException($"{path}: the document is not a mapping");
    }

    /// <summary>Every non-empty document of a multi-document YAML text (a rendered manifest), each a map.</summary>
    public static List<Map> LoadDocuments(string yaml, string path)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var documents = new List<Map>();
        foreach (var (document, i) in stream.Documents.Select((d, i) => (d, i)))
        {
            var value = Convert(document.RootNode, $"{path}#{i}");
            if (value is null || (value is string s && s.Length == 0))
                continue;
            documents.Add(value as Map ?? throw new InvalidOperationException($"{path}#{i}: the document is not a mapping"));
        }
        return documents;
    }

    /// <summary>The values with <paramref name="overrides"/> merged in (maps merged key by key, anything else replaced), as helm --values does.</summary>
    public static Map Merge(Map values, Map overrides)
    {
        var result = new Map(values.Path);
        foreach (var (key, value) in values)
            result[key] = value;
        foreach (var (key, value) in overrides)
        {
            result[key] = result.TryGetValue(key, out var existing) && existing is Map a && value is Map b
                ? Merge(a, Rebase(b, a.Path))
                : value is Map m ? Rebase(m, $"{values.Path}.{key}") : value;
        }
        return result;
    }

    private static Map Rebase(Map map, string path)
    {
        var result = new Map(path);
        foreach (var (key, value) in map)
            result[key] = value is Map m ? Rebase(m, $"{path}.{key}") : value;
        return result;
    }

    private static object? Convert(YamlNode node, string path) => node switch
    {
        YamlMappingNode mapping => ConvertMap(mapping, path),
        YamlSequenceNode sequence => sequence.Children.Select((c, i) => Convert(c, $"{path}[{i}]")).ToList(),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new InvalidOperationException($"{path}: unsupported YAML node {node.NodeType}"),
    };

    private static Map ConvertMap(YamlMappingNode mapping, string path)
    {
        var map = new Map(path);
        foreach (var (key, value) in mapping.Children)
        {
            string name = ((YamlScalarNode)key).Value ?? "";
            map[name] = Convert(value, $"{path}.{name}");
        }
        return map;
    }

    private static object? Scalar(YamlScalarNode scalar)
    {
        string value = scalar.Value ?? "";
        if (scalar.Style is YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted
            or YamlDotNet.Core.ScalarStyle.Literal or YamlDotNet.Core.ScalarStyle.Folded)
        {
            return value;
        }
        if (value is "" or "~" or "null" or "Null" or "NULL")
            return null;
        if (value is "true" or "True" or "TRUE")
            return true;
        if (value is "false" or "False" or "FALSE")
            return false;
        if (IntegerPattern().IsMatch(value) && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
            return l;
        if (FloatPattern().IsMatch(value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
            return d;
        return value;
    }

    /// <summary>YAML for a value: maps with keys in order (as Helm's toYaml), lists, scalars quoted where they would read back differently.</summary>
    public static string Write(object? value)
    {
        var output = new StringBuilder();
        switch (value)
        {
            case Map { Count: 0 }:
                output.Append("{}\n");
                break;
            case List<object?> { Count: 0 }:
                output.Append("[]\n");
                break;
            case Map or List<object?>:
                WriteBlock(value, 0, output);
                break;
            default:
                output.Append(ScalarText(value)).Append('\n');
                break;
        }
        return output.ToString();
    }

    private static void WriteBlock(object? value, int indent, StringBuilder output)
    {
        var pad = new string(' ', indent);
        if (value is Map map)
        {
            foreach (var key in map.Keys.Order(StringComparer.Ordinal))
            {
                output.Append(pad).Append(ScalarText(key)).Append(':');
                WriteChild(map[key], indent, output, listUnderKey: true);
            }
        }
        else if (value is List<object?> list)
        {
            foreach (var item in list)
            {
                output.Append(pad).Append('-');
                if (item is Map { Count: > 0 } itemMap)
                {
                    // The first key on the dash's line, the rest aligned under it.
                    var inner = new StringBuilder();
                    WriteBlock(itemMap, indent + 2, inner);
                    output.Append(' ').Append(inner.ToString()[(indent + 2)..]);
                }
                else
                {
                    WriteChild(item, indent, output, listUnderKey: false);
                }
            }
        }
    }

    private static void WriteChild(object? value, int indent, StringBuilder output, bool listUnderKey)
    {
        switch (value)
        {
            case Map { Count: 0 }:
                output.Append(" {}\n");
                break;
            case List<object?> { Count: 0 }:
                output.Append(" []\n");
                break;
            case Map:
                output.Append('\n');
                WriteBlock(value, indent + 2, output);
                break;
            case List<object?>:
                output.Append('\n');
                // Under a key, list items sit at the key's indentation (as Helm writes them).
                WriteBlock(value, listUnderKey ? indent : indent + 2, output);
                break;
            default:
                output.Append(' ').Append(ScalarText(value)).Append('\n');
                break;
        }
    }

    private static string ScalarText(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        string s when NeedsQuotes(s) => System.Text.Json.JsonSerializer.Serialize(s),
        string s => s,
        _ => throw new TemplateException($"toYaml of {value.GetType().Name}"),
    };

    private static bool NeedsQuotes(string s) =>
        s.Length == 0 || Scalar(new YamlScalarNode(s)) is not string || s != s.Trim() || s.Contains(": ", StringComparison.Ordinal)
        || s.Contains(" #", StringComparison.Ordinal) || s.Contains('\n') || s.EndsWith(':') || "-?:,[]{}#&*!|>'\"%@`".Contains(s[0])
        || s is "yes" or "no" or "on" or "off" or "Yes" or "No" or "On" or "Off" or "y" or "n";

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}
