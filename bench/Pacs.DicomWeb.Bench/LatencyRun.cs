using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Pacs.DicomWeb.Bench;

/// <summary>
/// Sequential GET latency (request sent to last byte of the body read) for a list of requests against one or more
/// servers, alternating between the servers request by request so that a burst of load on a shared machine lands on
/// all of them. Each request line is "label TAB accept TAB path-and-query" (the path is appended to each server's base
/// URL). The first request of each line is reported apart (cold: caches empty), then warm-up rounds, then timed rounds.
/// Prints one tab-separated line per server and label: n, p50, p99, min, max, median of the cold requests (ms), bytes
/// and result count of one pass (JSON array elements, or multipart parts), so that the servers' answers can be compared.
/// </summary>
internal static class LatencyRun
{
    private sealed record Line(string Label, string Accept, string Path);

    public static async Task<int> RunAsync(Options o)
    {
        var targets = o.All("target").Select(t =>
        {
            int eq = t.IndexOf('=', StringComparison.Ordinal);
            return (Name: t[..eq], Url: t[(eq + 1)..].TrimEnd('/'));
        }).ToArray();
        var lines = File.ReadLines(o.Required("requests")).Where(l => l.Length > 0 && l[0] != '#').Select(l =>
        {
            var f = l.Split('\t');
            return new Line(f[0], f[1], f[2]);
        }).ToArray();
        int rounds = o.Int("rounds", 5);
        int warmup = o.Int("warmup", 1);
        using var client = Http.Client(1);

        var samples = new Dictionary<(string, string), List<double>>();
        var cold = new Dictionary<(string, string), List<double>>();
        var bytes = new Dictionary<(string, string), long>();
        var items = new Dictionary<(string, string), long>();
        int failures = 0;

        for (int round = -1; round < warmup + rounds; round++)
        {
            for (int li = 0; li < lines.Length; li++)
            {
                var line = lines[li];
                for (int k = 0; k < targets.Length; k++)
                {
                    // Rotate which server goes first, so neither always follows the other's request.
                    var target = targets[(k + li + Math.Max(round, 0)) % targets.Length];
                    var key = (target.Name, line.Label);
                    var (ms, n, count, ok) = await GetAsync(client, target.Url + line.Path, line.Accept).ConfigureAwait(false);
                    if (!ok)
                    {
                        if (failures++ < 10)
                            Console.Error.WriteLine($"latency: {target.Name} {line.Path}: {count}");
                        continue;
                    }
                    if (round == -1)
                    {
                        Add(cold, key, ms);
                        bytes[key] = bytes.GetValueOrDefault(key) + n;
                        items[key] = items.GetValueOrDefault(key) + count;
                    }
                    else if (round >= warmup)
                    {
                        Add(samples, key, ms);
                    }
                }
            }
        }

        foreach (var target in targets)
        {
            foreach (string label in lines.Select(l => l.Label).Distinct())
            {
                var key = (target.Name, label);
                var s = samples.GetValueOrDefault(key) ?? [];
                var c = cold.GetValueOrDefault(key) ?? [];
                s.Sort();
                c.Sort();
                Console.WriteLine(string.Join('\t', "latency", target.Name, label, s.Count.ToString(CultureInfo.InvariantCulture),
                    Stats.F(Stats.Percentile(s, 50)), Stats.F(Stats.Percentile(s, 99)), Stats.F(s.Count > 0 ? s[0] : double.NaN),
                    Stats.F(s.Count > 0 ? s[^1] : double.NaN), Stats.F(Stats.Percentile(c, 50)),
                    bytes.GetValueOrDefault(key).ToString(CultureInfo.InvariantCulture), items.GetValueOrDefault(key).ToString(CultureInfo.InvariantCulture)));
            }
        }
        return failures == 0 ? 0 : 1;
    }

    private static void Add(Dictionary<(string, string), List<double>> d, (string, string) key, double ms)
    {
        if (!d.TryGetValue(key, out var list))
            d[key] = list = [];
        list.Add(ms);
    }

    private static async Task<(double Ms, long Bytes, long Count, bool Ok)> GetAsync(HttpClient client, string url, string accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url, UriKind.Absolute));
        request.Headers.TryAddWithoutValidation("Accept", accept);
        var clock = Stopwatch.StartNew();
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead).ConfigureAwait(false);
        byte[] body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        double ms = clock.Elapsed.TotalMilliseconds;
        // 204 is an empty QIDO answer: a valid outcome, counted as zero results.
        if (!response.IsSuccessStatusCode)
            return (ms, body.Length, (int)response.StatusCode, false);
        return (ms, body.Length, CountResults(body, response.Content.Headers.ContentType), true);
    }

    private static long CountResults(byte[] body, MediaTypeHeaderValue? type)
    {
        if (body.Length == 0)
            return 0;
        if (type?.MediaType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true)
        {
            try
            {
                using var doc = JsonDocument.Parse(body);
                return doc.RootElement.ValueKind == JsonValueKind.Array ? doc.RootElement.GetArrayLength() : 1;
            }
            catch (JsonException)
            {
                return -1;
            }
        }
        if (type?.MediaType?.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase) == true
            && type.Parameters.FirstOrDefault(p => p.Name.Equals("boundary", StringComparison.OrdinalIgnoreCase))?.Value is { } b)
        {
            byte[] delimiter = System.Text.Encoding.ASCII.GetBytes("--" + b.Trim('"'));
            long parts = -1; // the closing delimiter is not a part
            var span = body.AsSpan();
            int at;
            while ((at = span.IndexOf(delimiter)) >= 0)
            {
                parts++;
                span = span[(at + delimiter.Length)..];
            }
            return parts;
        }
        return 1;
    }
}
