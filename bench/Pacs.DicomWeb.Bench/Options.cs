using System.Globalization;

namespace Pacs.DicomWeb.Bench;

/// <summary>"--name value" pairs (a name may repeat) and bare "--flag"s.</summary>
internal sealed class Options
{
    private readonly List<(string Name, string? Value)> _items = [];

    public Options(IEnumerable<string> args)
    {
        string? pending = null;
        foreach (string a in args)
        {
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                if (pending is not null)
                    _items.Add((pending, null));
                pending = a[2..];
            }
            else if (pending is not null)
            {
                _items.Add((pending, a));
                pending = null;
            }
            else
            {
                throw new ArgumentException($"unexpected argument '{a}'");
            }
        }
        if (pending is not null)
            _items.Add((pending, null));
    }

    public bool Has(string name) => _items.Any(i => i.Name == name);

    public string Required(string name) =>
        _items.LastOrDefault(i => i.Name == name).Value ?? throw new ArgumentException($"--{name} is required");

    public string? Get(string name) => _items.LastOrDefault(i => i.Name == name).Value;

    public int Int(string name, int fallback) => Get(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public IEnumerable<string> All(string name) => _items.Where(i => i.Name == name && i.Value is not null).Select(i => i.Value!);
}
