using System.Globalization;

namespace Pacs.ServiceDefaults;

/// <summary>
/// <c>dotnet Service.dll probe [URL]</c>: one GET of the service's readiness endpoint, exit code 0 on a 2xx answer
/// and 1 otherwise. The runtime images carry no curl or wget; this is what their Docker HEALTHCHECK runs.
/// </summary>
public static class HealthProbe
{
    public const string Command = "probe";

    public static bool IsRequested(string[] args) => args is [Command, ..];

    /// <summary>
    /// The URL given, else <c>http://127.0.0.1:PORT/health/ready</c> with the first port of
    /// <c>ASPNETCORE_HTTP_PORTS</c> (8080 in the .NET images).
    /// </summary>
    public static Uri DefaultUri(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var ports = environment("ASPNETCORE_HTTP_PORTS");
        var first = ports?.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        int port = int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and < 65536 ? p : 8080;
        return new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}{ServiceHealth.ReadyPath}"));
    }

    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        output ??= Console.Out;
        Uri uri;
        if (args.Length > 1)
        {
            if (!Uri.TryCreate(args[1], UriKind.Absolute, out var given) || given.Scheme is not ("http" or "https"))
            {
                await output.WriteLineAsync($"probe: '{args[1]}' is not an absolute http or https URL").ConfigureAwait(false);
                return 2;
            }
            uri = given;
        }
        else
        {
            uri = DefaultUri();
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            using var response = await http.GetAsync(uri, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync($"probe: {uri} answered {(int)response.StatusCode}").ConfigureAwait(false);
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            await output.WriteLineAsync($"probe: {uri} did not answer: {e.Message}").ConfigureAwait(false);
            return 1;
        }
    }
}
