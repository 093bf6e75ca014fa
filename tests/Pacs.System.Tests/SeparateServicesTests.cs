using System.Globalization;
using System.Text.Json;
using Pacs.Testing;

namespace Pacs.SystemTests;

/// <summary>
/// Issue 5 section 5: PostgreSQL, RabbitMQ and Azurite, then Pacs.DicomWeb, Pacs.Indexer and Pacs.Gateway as separate
/// processes; studies stored with DCMTK storescu through the gateway and read back with QIDO-RS and WADO-RS metadata.
/// </summary>
public sealed class SeparateServicesTests(BrokeredPeers peers) : IClassFixture<BrokeredPeers>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_study_stored_through_the_gateway_is_found_by_qido_and_its_series_metadata_is_the_document_the_indexer_built()
    {
        using var studies = Generate(seed: 51, patients: 1, series: 2, instancesPerSeries: 3);
        string study = studies.Instances[0].StudyInstanceUid;
        var series = studies.Instances.GroupBy(i => i.SeriesInstanceUid).ToDictionary(g => g.Key, g => g.Select(i => i.SopInstanceUid).Order().ToList());
        await using var services = await SeparateServices.StartAsync(peers, traced: true);

        var stored = await services.StoreAsync(studies.Folder, Deadline);
        Assert.True(stored.ExitCode == 0, $"{stored}\n{services.Output}");

        // The gateway answered once the objects were in its spool; they reach the archive over STOW-RS shortly after.
        await Poll.UntilAsync(async () => await services.QidoInstanceCountAsync(study) == 6, Deadline, () => $"QIDO-RS finding the 6 instances\n{services.Output}");
        // The indexer consumed the six events from RabbitMQ and rebuilt each series' document once the series was quiet,
        // before any metadata request could have built it on demand.
        foreach (string uid in series.Keys)
        {
            SeriesRecord? record = null;
            await Poll.UntilAsync(async () => (record = await services.SeriesRecordAsync(uid)) is { Instances: 3, DocumentCurrent: true }, Deadline,
                () => $"the indexer's document of series {uid} (now {record})\n{services.Output}");
        }
        Assert.Equal(6, await services.ScalarAsync("SELECT count(*) FROM inbox WHERE consumer = 'indexer' AND message_id LIKE 'pacs.instance-stored.v1/%'"));
        // The rebuild's announcement, written by the indexer in the transaction that recorded the document.
        foreach (string uid in series.Keys)
            Assert.True(await services.ScalarAsync("SELECT count(*) FROM outbox WHERE message_type = 'pacs.series-changed.v1' AND payload LIKE '%' || @s || '%'", ("s", uid)) > 0);

        foreach (var (uid, sops) in series)
            Assert.Equal(sops, (await services.SeriesMetadataAsync(study, uid)).Order().ToList());

        // One trace across the services. The gateway's STOW-RS request carries its trace context (W3C traceparent), so the
        // DICOMweb process's request continues a trace begun in the gateway (a parent span id from elsewhere: the
        // gateway is the only client that stores in this test); ingest writes that context into each event's outbox
        // row, the dispatcher publishes under it, and the indexer's consume (its inbox insert) runs in the same trace.
        var stows = LogEntries(services.DicomWeb.Output)
            .Where(e => e.Message.StartsWith("Request starting", StringComparison.Ordinal) && e.Message.Contains("POST", StringComparison.Ordinal)
                && e.Message.Contains("/dicom-web/studies", StringComparison.Ordinal))
            .ToList();
        Assert.True(stows.Count > 0, $"no STOW-RS request in the DICOMweb log\n{services.Output}");
        Assert.All(stows, s => Assert.True(s.TraceId is not null && s.ParentId is not null && s.ParentId != new string('0', 16),
            $"the STOW-RS request does not continue the gateway's trace: {s}"));
        var consumed = LogEntries(services.Indexer.Output)
            .Where(e => e.Message.Contains("RECEIVE", StringComparison.Ordinal)).ToList();
        Assert.True(consumed.Count >= 6, $"{consumed.Count} consumes logged by the indexer\n{services.Indexer.Output}");
        var stowTraces = stows.Select(s => s.TraceId!).ToHashSet(StringComparer.Ordinal);
        Assert.All(consumed, c => Assert.True(c.TraceId is not null && stowTraces.Contains(c.TraceId),
            $"the indexer consumed an event outside the STOW-RS traces ({string.Join(", ", stowTraces)}): {c}"));
    }

    /// <summary>A JSON log entry of a service: its message and the trace context of its scope (ServiceDefaults' format).</summary>
    private sealed record LogEntry(string Message, string? TraceId, string? ParentId);

    private static List<LogEntry> LogEntries(string output)
    {
        var entries = new List<LogEntry>();
        foreach (string line in output.Split('\n'))
        {
            if (!line.StartsWith('{'))
                continue;
            JsonDocument json;
            try
            {
                json = JsonDocument.Parse(line);
            }
            catch (JsonException)
            {
                continue;
            }
            using (json)
            {
                string message = json.RootElement.TryGetProperty("Message", out var m) ? m.GetString() ?? "" : "";
                string? traceId = null, parentId = null;
                if (json.RootElement.TryGetProperty("Scopes", out var scopes) && scopes.ValueKind == JsonValueKind.Array)
                {
                    foreach (var scope in scopes.EnumerateArray().Where(s => s.ValueKind == JsonValueKind.Object))
                    {
                        if (scope.TryGetProperty("TraceId", out var t))
                            traceId = t.GetString();
                        if (scope.TryGetProperty("ParentId", out var p))
                            parentId = p.GetString();
                    }
                }
                entries.Add(new LogEntry(message, traceId, parentId));
            }
        }
        return entries;
    }

    internal static GeneratedStudies Generate(int seed, int patients, int series, int instancesPerSeries) => GeneratedStudies.Generate(
        "--patients", patients.ToString(CultureInfo.InvariantCulture), "--studies-per-patient", "1",
        "--series-per-study", series.ToString(CultureInfo.InvariantCulture),
        "--instances-per-series", instancesPerSeries.ToString(CultureInfo.InvariantCulture),
        "--rows", "8", "--cols", "8", "--seed", seed.ToString(CultureInfo.InvariantCulture));
}
