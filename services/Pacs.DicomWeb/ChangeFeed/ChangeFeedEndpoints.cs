using System.Globalization;
using System.Text.Json;
using Pacs.Archive;
using Pacs.DicomWeb.Problems;

namespace Pacs.DicomWeb.ChangeFeed;

/// <summary>
/// The change feed (not part of PS3.18): what was created, replaced or deleted, in order, so that a viewer cache or a
/// downstream system can follow the archive. GET /changefeed?after={sequence}&amp;limit={n} (since= is the same cursor
/// under the name other archives use) pages forward, oldest first, with a Link rel="next" to the following page when the
/// page is full; GET /changefeed/latest gives the newest sequence number, where a follower that only wants what comes
/// next starts.
/// </summary>
public static class ChangeFeedEndpoints
{
    private const int MaxLimit = 1000;

    public static IEndpointRouteBuilder MapChangeFeedEndpoints(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        routes.MapGet("/changefeed", ReadAsync);
        routes.MapGet("/changefeed/latest", async (ChangeFeedReader feed, CancellationToken ct) =>
            Results.Json(new { sequence = await feed.LatestAsync(ct).ConfigureAwait(false) }));
        return routes;
    }

    private static async Task ReadAsync(HttpContext context, ChangeFeedReader feed)
    {
        var query = context.Request.Query;
        if (query.ContainsKey("after") && query.ContainsKey("since"))
        {
            throw new DicomWebException(DicomWebProblem.BadRequest("Give the position as after= or since=, not both."));
        }

        var after = Number(context, query.ContainsKey("since") ? "since" : "after", 0);
        var limit = Number(context, "limit", 100);
        if (limit is < 1 or > MaxLimit)
        {
            throw new DicomWebException(DicomWebProblem.BadRequest($"limit must be between 1 and {MaxLimit}, not {limit}."));
        }

        var entries = await feed.ReadAsync(after, (int)limit, context.RequestAborted).ConfigureAwait(false);
        if (entries.Count == limit)
        {
            // RFC 8288: the next page starts after the last entry of this one.
            context.Response.Headers.Link = $"<{context.Request.PathBase}{context.Request.Path}?after={entries[^1].Sequence}&limit={limit}>; rel=\"next\"";
        }

        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        writer.WriteStartArray();
        foreach (var entry in entries)
        {
            writer.WriteStartObject();
            writer.WriteNumber("sequence", entry.Sequence);
            writer.WriteString("timestamp", entry.Timestamp);
            writer.WriteString("action", entry.Action.ToString());
            writer.WriteString("studyInstanceUid", entry.StudyInstanceUid);
            writer.WriteString("seriesInstanceUid", entry.SeriesInstanceUid);
            writer.WriteString("sopInstanceUid", entry.SopInstanceUid);
            writer.WriteNumber("watermark", entry.Watermark);
            writer.WriteNumber("version", entry.Version);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static long Number(HttpContext context, string name, long fallback)
    {
        var text = context.Request.Query[name].ToString();
        if (text.Length == 0)
        {
            return fallback;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new DicomWebException(DicomWebProblem.BadRequest($"{name} must be a whole number, not \"{text}\"."));
    }
}
