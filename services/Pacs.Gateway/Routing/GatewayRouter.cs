using System.Text.RegularExpressions;

namespace Pacs.Gateway.Routing;

/// <summary>
/// Decides which routing destinations an arriving object also goes to (<see cref="GatewayOptions.Routes"/>): a rule
/// matches when every criterion it sets matches (calling AE title, Modality (0008,0060), SOP Class UID); an empty
/// criterion matches anything. The destinations of every matching rule are united.
/// </summary>
public sealed class GatewayRouter
{
    private readonly List<CompiledRoute> _routes;

    public GatewayRouter(GatewayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _routes = [.. options.Routes.Select(r => new CompiledRoute(Patterns(r.CallingAeTitles), Patterns(r.Modalities), Patterns(r.SopClassUids), [.. r.Destinations.Select(d => d.Trim())]))];
    }

    /// <summary>Whether any rule exists at all (when none, nothing of the data set is read for routing).</summary>
    public bool HasRoutes => _routes.Count > 0;

    /// <summary>Whether some rule looks at the Modality, which has to be read from the data set.</summary>
    public bool NeedsModality => _routes.Any(r => r.Modalities.Count > 0);

    /// <summary>The destinations (AE titles) the object goes to besides the archive.</summary>
    public IReadOnlyCollection<string> Match(string callingAeTitle, string sopClassUid, string? modality)
    {
        var destinations = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var route in _routes)
        {
            if (Matches(route.CallingAeTitles, callingAeTitle) && Matches(route.SopClassUids, sopClassUid) && Matches(route.Modalities, modality))
            {
                destinations.UnionWith(route.Destinations);
            }
        }

        return destinations;
    }

    private static bool Matches(List<Regex> patterns, string? value) =>
        patterns.Count == 0 || (value is not null && patterns.Any(p => p.IsMatch(value.Trim())));

    private static List<Regex> Patterns(IEnumerable<string> values) =>
        [.. values.Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => new Regex(
            "^" + Regex.Escape(v.Trim()).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.CultureInvariant | RegexOptions.Compiled, TimeSpan.FromSeconds(1)))];

    private sealed record CompiledRoute(List<Regex> CallingAeTitles, List<Regex> Modalities, List<Regex> SopClassUids, List<string> Destinations);
}
