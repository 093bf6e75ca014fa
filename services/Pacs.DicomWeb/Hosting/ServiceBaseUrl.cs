using System.Globalization;

namespace Pacs.DicomWeb.Hosting;

/// <summary>
/// The service root (PS3.18 8.2 {+SERVICE}) for URLs in responses, so BulkDataURI and RetrieveURL point at the
/// address the client used: a configured public base URL; else, when trusted, the X-Forwarded-* headers of a
/// reverse proxy; else the request's own scheme and Host.
/// </summary>
public static class ServiceBaseUrl
{
    /// <summary>The service root without a trailing slash, e.g. "https://pacs.example.org/dicom-web".</summary>
    public static string Resolve(HttpRequest request, PublicUrlOptions options)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        if (options.PublicBaseUrl is { } configured)
        {
            if (!configured.IsAbsoluteUri || configured.Scheme is not ("http" or "https"))
            {
                throw new InvalidOperationException($"DicomWeb:PublicBaseUrl '{configured}' must be an absolute http or https URL.");
            }

            return configured.AbsoluteUri.TrimEnd('/');
        }

        var scheme = request.Scheme;
        var host = request.Host.HasValue ? request.Host.Value! : "localhost";
        var prefix = string.Empty;
        if (options.TrustForwardedHeaders)
        {
            if (FirstValue(request.Headers["X-Forwarded-Proto"]) is { } proto && proto.ToLowerInvariant() is "http" or "https")
            {
                scheme = proto.ToLowerInvariant();
            }

            if (FirstValue(request.Headers["X-Forwarded-Host"]) is { } forwardedHost && IsHostAndPort(forwardedHost))
            {
                host = forwardedHost;
            }

            if (FirstValue(request.Headers["X-Forwarded-Prefix"]) is { } forwardedPrefix && IsPathPrefix(forwardedPrefix))
            {
                prefix = forwardedPrefix.TrimEnd('/');
            }
        }

        var servicePath = options.ServicePath.Trim('/');
        var path = $"{prefix}{request.PathBase.Value?.TrimEnd('/')}{(servicePath.Length > 0 ? "/" + servicePath : string.Empty)}";
        return $"{scheme}://{host}{path}";
    }

    /// <summary>A proxy chain appends to these lists; the first entry is what the client sent to the outermost proxy.</summary>
    private static string? FirstValue(string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }

        var comma = header.IndexOf(',', StringComparison.Ordinal);
        var first = (comma >= 0 ? header[..comma] : header).Trim();
        return first.Length > 0 ? first : null;
    }

    /// <summary>host or host:port and nothing else (no user info, path or query that would bend the URL).</summary>
    private static bool IsHostAndPort(string value)
    {
        var host = value;
        var port = string.Empty;
        if (value.StartsWith('['))
        {
            var close = value.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }

            host = value[1..close];
            port = value[(close + 1)..];
            if (port.Length > 0 && port[0] != ':')
            {
                return false;
            }
        }
        else if (value.LastIndexOf(':') is var colon and >= 0)
        {
            host = value[..colon];
            port = value[colon..];
        }

        if (port.Length > 0 && !(ushort.TryParse(port.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0))
        {
            return false;
        }

        return Uri.CheckHostName(host) != UriHostNameType.Unknown;
    }

    private static bool IsPathPrefix(string value) =>
        value.StartsWith('/') && !value.StartsWith("//", StringComparison.Ordinal) && !value.AsSpan().ContainsAny("?#\\ ")
        && Uri.IsWellFormedUriString(value, UriKind.Relative);
}
