using System.Globalization;

namespace Pacs.Imaging;

/// <summary>
/// What a rendered (or thumbnail) request asks for, from the PS3.18 8.3.5.1 query parameters: <c>window</c>,
/// <c>viewport</c>, <c>quality</c>, <c>annotation</c> (accepted, not burnt in) and <c>iccprofile</c> (accepted; output is
/// always plain sRGB-like 8-bit data). Parameters this class does not know, such as <c>accept</c> and <c>charset</c>,
/// are left to the HTTP layer.
/// </summary>
public sealed record RenderingParameters
{
    /// <summary>Side of the square a thumbnail fits in when the request names no viewport, in pixels.</summary>
    public const int DefaultThumbnailSize = 128;

    /// <summary>JPEG quality used when the request gives none.</summary>
    public const int DefaultQuality = 90;

    public static RenderingParameters Default { get; } = new();

    /// <summary>An explicit window; null to use the data set's first window, else its VOI LUT, else the frame's range.</summary>
    public VoiWindow? Window { get; init; }

    /// <summary>Null to render at the frame's own size.</summary>
    public Viewport? Viewport { get; init; }

    /// <summary>1–100 for lossy media types; null for <see cref="DefaultQuality"/>.</summary>
    public int? Quality { get; init; }

    /// <summary>The annotation values asked for ("patient", "technique"); recorded, not drawn.</summary>
    public IReadOnlyList<string> Annotations { get; init; } = [];

    /// <summary>The iccprofile value asked for ("no", "yes", "srgb", "adobergb", "rommrgb"); recorded, not embedded.</summary>
    public string? IccProfile { get; init; }

    /// <summary>The quality to encode with.</summary>
    public int EffectiveQuality => Quality ?? DefaultQuality;

    /// <summary>The same parameters with the thumbnail's default viewport when none was asked for.</summary>
    public RenderingParameters AsThumbnail() =>
        Viewport is null ? this with { Viewport = new Viewport(DefaultThumbnailSize, DefaultThumbnailSize) } : this;

    private static readonly string[] KnownNames = ["window", "viewport", "quality", "annotation", "iccprofile"];

    /// <summary>
    /// Reads the rendering parameters from a query (names case-sensitive as PS3.18 spells them; other names ignored).
    /// On failure <paramref name="error"/> names the parameter, the value and what was expected.
    /// </summary>
    public static bool TryParse(IEnumerable<KeyValuePair<string, string?>> query, out RenderingParameters parameters, out string error)
    {
        ArgumentNullException.ThrowIfNull(query);
        parameters = Default;
        error = string.Empty;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = Default;
        foreach (var (name, rawValue) in query)
        {
            if (Array.IndexOf(KnownNames, name) < 0)
            {
                continue;
            }

            var value = rawValue ?? string.Empty;
            if (!seen.Add(name) && name != "annotation")
            {
                error = $"{name}: given more than once; give it once.";
                return false;
            }

            string? problem;
            switch (name)
            {
                case "window":
                    problem = ParseWindow(value, out var window);
                    result = result with { Window = window };
                    break;
                case "viewport":
                    problem = ParseViewport(value, out var viewport);
                    result = result with { Viewport = viewport };
                    break;
                case "quality":
                    problem = ParseQuality(value, out var quality);
                    result = result with { Quality = quality };
                    break;
                case "annotation":
                    problem = ParseAnnotation(value, out var annotations);
                    result = result with { Annotations = [.. result.Annotations, .. annotations] };
                    break;
                default:
                    problem = ParseIccProfile(value, out var profile);
                    result = result with { IccProfile = profile };
                    break;
            }

            if (problem is not null)
            {
                error = $"{name}={value}: {problem}";
                return false;
            }
        }

        parameters = result;
        return true;
    }

    /// <summary>Reads the rendering parameters from a raw query string such as <c>window=40,400,linear&amp;viewport=256,256</c> (percent-encoding allowed).</summary>
    public static bool TryParse(string? queryString, out RenderingParameters parameters, out string error)
    {
        var pairs = new List<KeyValuePair<string, string?>>();
        var text = queryString ?? string.Empty;
        if (text.StartsWith('?'))
        {
            text = text[1..];
        }

        foreach (var part in text.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? part : part[..eq];
            var value = eq < 0 ? string.Empty : part[(eq + 1)..];
            pairs.Add(new(Uri.UnescapeDataString(name.Replace('+', ' ')), Uri.UnescapeDataString(value.Replace('+', ' '))));
        }

        return TryParse(pairs, out parameters, out error);
    }

    /// <summary>Like <see cref="TryParse(string?, out RenderingParameters, out string)"/>, throwing <see cref="FormatException"/> with the error.</summary>
    public static RenderingParameters Parse(string? queryString) =>
        TryParse(queryString, out var parameters, out var error) ? parameters : throw new FormatException(error);

    // PS3.18 8.3.5.1.4: window=center,width,function with function linear, linear-exact or sigmoid. The function may be
    // left out here (then linear), which asks nothing the standard forbids a server to accept.
    private static string? ParseWindow(string value, out VoiWindow? window)
    {
        window = null;
        var parts = value.Split(',');
        if (parts.Length is < 2 or > 3)
        {
            return "expected center,width,function (for example 40,400,linear).";
        }

        if (!TryNumber(parts[0], out var center))
        {
            return $"the center '{parts[0]}' is not a number.";
        }

        if (!TryNumber(parts[1], out var width))
        {
            return $"the width '{parts[1]}' is not a number.";
        }

        var function = VoiLutFunction.Linear;
        if (parts.Length == 3)
        {
            switch (parts[2].Trim().ToLowerInvariant())
            {
                case "linear": function = VoiLutFunction.Linear; break;
                case "linear-exact" or "linear_exact": function = VoiLutFunction.LinearExact; break;
                case "sigmoid": function = VoiLutFunction.Sigmoid; break;
                default: return $"the function '{parts[2]}' is not one of linear, linear-exact, sigmoid.";
            }
        }

        if (!VoiWindow.IsValidWidth(width, function))
        {
            return function == VoiLutFunction.Linear
                ? $"the width {parts[1]} must be at least 1 for the linear function."
                : $"the width {parts[1]} must be greater than 0.";
        }

        window = new VoiWindow(center, width, function);
        return null;
    }

    // PS3.18 8.3.5.1.3: viewport=vw,vh[,sx,sy,sw,sh]; vw and vh positive; sx, sy, sw, sh each may be left empty.
    private static string? ParseViewport(string value, out Viewport? viewport)
    {
        viewport = null;
        var parts = value.Split(',');
        if (parts.Length is not (2 or 6))
        {
            return "expected vw,vh or vw,vh,sx,sy,sw,sh (for example 256,256 or 512,512,0,0,256,256).";
        }

        if (!TryInteger(parts[0], out var vw) || vw <= 0)
        {
            return $"the viewport width '{parts[0]}' is not a positive integer.";
        }

        if (!TryInteger(parts[1], out var vh) || vh <= 0)
        {
            return $"the viewport height '{parts[1]}' is not a positive integer.";
        }

        var result = new Viewport(vw, vh);
        if (parts.Length == 6)
        {
            int? sx = null, sy = null, sw = null, sh = null;
            string[] names = ["sx", "sy", "sw", "sh"];
            for (var i = 0; i < 4; i++)
            {
                var text = parts[2 + i].Trim();
                if (text.Length == 0)
                {
                    continue;
                }

                if (!TryInteger(text, out var n))
                {
                    return $"{names[i]} '{text}' is not an integer.";
                }

                if (i < 2 && n < 0)
                {
                    return $"{names[i]} {n} must not be negative.";
                }

                if (i >= 2 && n == 0)
                {
                    return $"{names[i]} must not be 0.";
                }

                switch (i)
                {
                    case 0: sx = n; break;
                    case 1: sy = n; break;
                    case 2: sw = n; break;
                    default: sh = n; break;
                }
            }

            result = result with { SourceX = sx, SourceY = sy, SourceWidth = sw, SourceHeight = sh };
        }

        viewport = result;
        return null;
    }

    // PS3.18 8.3.5.1.2: quality is an integer 1..100.
    private static string? ParseQuality(string value, out int? quality)
    {
        quality = null;
        if (!TryInteger(value, out var q) || q is < 1 or > 100)
        {
            return "expected an integer from 1 to 100.";
        }

        quality = q;
        return null;
    }

    // PS3.18 8.3.5.1.1: annotation is a comma-separated list of "patient" and "technique".
    private static string? ParseAnnotation(string value, out string[] annotations)
    {
        annotations = value.Split(',', StringSplitOptions.TrimEntries);
        foreach (var a in annotations)
        {
            if (a is not ("patient" or "technique"))
            {
                return $"'{a}' is not one of patient, technique.";
            }
        }

        return null;
    }

    // PS3.18 8.3.5.1.5: iccprofile is one of no, yes, srgb, adobergb, rommrgb.
    private static string? ParseIccProfile(string value, out string? profile)
    {
        profile = value.Trim().ToLowerInvariant();
        return profile is "no" or "yes" or "srgb" or "adobergb" or "rommrgb"
            ? null
            : "expected one of no, yes, srgb, adobergb, rommrgb.";
    }

    private static bool TryNumber(string text, out double value) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    private static bool TryInteger(string text, out int value) =>
        int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
}
