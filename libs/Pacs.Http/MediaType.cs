using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Pacs.Http;

/// <summary>
/// A media type with its parameters (RFC 9110 8.3.1, the syntax PS3.18 8.7 builds on):
/// <c>multipart/related; type="application/dicom"; transfer-syntax=*</c>.
/// </summary>
/// <remarks>
/// Type, subtype and parameter names are compared without case (RFC 9110 8.3.1); they are kept lower-case.
/// Parameter values are unquoted and kept as sent. Parsing is lenient where clients commonly stray from the grammar:
/// an unquoted value may contain '/' (<c>type=application/dicom</c> is what many viewers send), and whitespace around
/// '=' is skipped.
/// </remarks>
public sealed class MediaType
{
    private readonly KeyValuePair<string, string>[] _parameters;

    public MediaType(string type, string subtype, IEnumerable<KeyValuePair<string, string>>? parameters = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        ArgumentException.ThrowIfNullOrWhiteSpace(subtype);
        Type = type.ToLowerInvariant();
        Subtype = subtype.ToLowerInvariant();
        _parameters = parameters?.Select(p => new KeyValuePair<string, string>(p.Key.ToLowerInvariant(), p.Value)).ToArray() ?? [];
    }

    /// <summary>"multipart" in multipart/related; "*" in a wildcard range.</summary>
    public string Type { get; }

    /// <summary>"related" in multipart/related; "*" in a wildcard range.</summary>
    public string Subtype { get; }

    /// <summary>"type/subtype" without parameters, lower-case.</summary>
    public string Essence => $"{Type}/{Subtype}";

    /// <summary>Parameters in the order sent, names lower-case, values unquoted.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Parameters => _parameters;

    /// <summary>"*/*" or "type/*" (RFC 9110 12.5.1 media ranges).</summary>
    public bool IsWildcard => Type == "*" || Subtype == "*";

    /// <summary>The first parameter of that name (case-insensitive), or null.</summary>
    public string? GetParameter(string name)
    {
        foreach (var (key, value) in _parameters)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>Same type with <paramref name="name"/> set to <paramref name="value"/> (replacing or appending).</summary>
    public MediaType WithParameter(string name, string value)
    {
        var list = _parameters.Where(p => !string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).ToList();
        list.Add(new(name, value));
        return new MediaType(Type, Subtype, list);
    }

    /// <summary>True when the essence equals <paramref name="essence"/> ("application/dicom"), ignoring case and parameters.</summary>
    public bool Is(string essence) => string.Equals(Essence, essence, StringComparison.OrdinalIgnoreCase);

    public static MediaType Parse(string text) =>
        TryParse(text, out var mediaType) ? mediaType : throw new FormatException($"'{text}' is not a media type (type/subtype; name=value …).");

    public static bool TryParse(string? text, [NotNullWhen(true)] out MediaType? mediaType)
    {
        mediaType = null;
        if (text is null)
        {
            return false;
        }

        var reader = new MediaTypeTokenizer(text);
        if (!reader.TryReadToken(out var type) || !reader.TryConsume('/') || !reader.TryReadToken(out var subtype))
        {
            return false;
        }

        var parameters = new List<KeyValuePair<string, string>>();
        while (true)
        {
            reader.SkipWhitespace();
            if (reader.AtEnd)
            {
                break;
            }

            if (!reader.TryConsume(';'))
            {
                return false;
            }

            reader.SkipWhitespace();
            if (reader.AtEnd || reader.Peek == ';')
            {
                continue; // RFC 9110 allows empty parameters between semicolons.
            }

            if (!reader.TryReadToken(out var name) || !reader.TryConsume('=') || !reader.TryReadValue(out var value))
            {
                return false;
            }

            parameters.Add(new(name, value));
        }

        mediaType = new MediaType(type, subtype, parameters);
        return true;
    }

    /// <summary>The canonical spelling: lower-case names, values quoted only where RFC 9110 requires it.</summary>
    public override string ToString()
    {
        var text = new StringBuilder(Essence);
        foreach (var (name, value) in _parameters)
        {
            text.Append("; ").Append(name).Append('=').Append(QuoteIfNeeded(value));
        }

        return text.ToString();
    }

    /// <summary>Writes <paramref name="value"/> as a token when it is one, else as a quoted-string (RFC 9110 5.6.4).</summary>
    public static string QuoteIfNeeded(string value)
    {
        if (value.Length > 0 && value.All(MediaTypeTokenizer.IsTokenChar))
        {
            return value;
        }

        var quoted = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            if (c is '"' or '\\')
            {
                quoted.Append('\\');
            }

            quoted.Append(c);
        }

        return quoted.Append('"').ToString();
    }
}
