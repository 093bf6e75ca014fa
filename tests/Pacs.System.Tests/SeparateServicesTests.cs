using System.Globalization;
using System.Text.Json;
using Pacs.Testing;
using Xunit.Abstractions;

namespace Pacs.SystemTests;

/// <summary>
/// Issue 5 section 5: PostgreSQL, RabbitMQ and Azurite, then Pacs.DicomWeb, Pacs.Indexer and Pacs.Gateway as separate
/// processes; studies stored with DCMTK storescu through the gateway and read back with QIDO-RS and WADO-RS metadata.
/// </summary>
public sealed class SeparateServicesTests(BrokeredPeers peers, ITestOutputHelper log) : IClassFixture<BrokeredPeers>
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

    [Fact]
    public async Task During_a_2000_instance_ingest_a_stopped_broker_and_a_killed_indexer_lose_no_event_and_apply_none_twice()
    {
        // Twenty studies (one series of 100 instances each), stored in four batches of five studies, one storescu run
        // (one association) per batch. Several studies per batch let the indexer work on several at once (it applies the
        // events of one study one after another).
        var generating = System.Diagnostics.Stopwatch.StartNew();
        using var studies = Generate(seed: 52, patients: 20, series: 1, instancesPerSeries: 100);
        var folders = studies.Instances.Select(i => i.Path.Split('/')[0]).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(20, folders.Count);
        var batches = folders.Chunk(5).Select(chunk => chunk.Select(f => Path.Combine(studies.Folder, f)).ToArray()).ToList();
        var studyOf = studies.Instances.GroupBy(i => i.Path.Split('/')[0]).ToDictionary(g => Path.Combine(studies.Folder, g.Key), g => g.First().StudyInstanceUid);
        log.WriteLine($"generated in {generating.Elapsed.TotalSeconds:0.0} s");
        // No reconcile at start: after the restart every event must come from the broker (a reconcile would repair
        // the summaries from the index and hide a lost event), and each series' revision counts the events applied.
        await using var services = await SeparateServices.StartAsync(peers, new Dictionary<string, string> { ["Pacs:Indexer:ReconcileAtStart"] = "false" });
        var rabbit = peers.Rabbit;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Step(string what) => log.WriteLine($"{clock.Elapsed.TotalSeconds,6:0.0} s  {what}");
        Step("services ready");

        // 1. Everything up.
        await StoreAllAsync(services, batches[0]);
        Step("batch 1 stored");

        // 2. RabbitMQ down for as long as a whole batch takes: every C-STORE succeeds and the DICOMweb process has
        //    stored all 500 before the broker comes back (ingest never waits on the broker); their events wait in the outbox.
        await rabbit.StopAsync();
        try
        {
            await StoreAllAsync(services, batches[1]);
            Step("batch 2 stored (broker down)");
            foreach (string folder in batches[1])
            {
                await Poll.UntilAsync(async () => await services.QidoInstanceCountAsync(studyOf[folder]) == 100, Deadline,
                    () => $"the second batch visible in QIDO-RS while RabbitMQ is down\n{services.Output}");
            }
            Assert.True(await PendingInstanceEventsAsync(services) > 0, "the events of the batch stored while the broker was down wait in the outbox");
            Assert.True(await AppliedInstanceEventsAsync(services) <= 500, "the indexer cannot have applied events that were never published");
            Step("batch 2 stored and visible with the broker down");
        }
        finally
        {
            await rabbit.StartAsync();
        }

        // 3. The indexer killed (SIGKILL) while it applies the third batch's events; the fourth batch is stored while it
        //    is dead; then it starts again and catches up from its durable queue.
        Step($"broker back, {await AppliedInstanceEventsAsync(services)} applied, {await PendingInstanceEventsAsync(services)} pending");
        var third = services.StoreAsync(batches[2], Deadline);
        // MassTransit reconnects with a backoff that grows to 30 s: the indexer may take that long to consume again.
        long atReturn = await AppliedInstanceEventsAsync(services);
        await Poll.UntilAsync(async () => await AppliedInstanceEventsAsync(services) > atReturn, TimeSpan.FromSeconds(150),
            () => $"the indexer consuming again after the broker returned\n{services.Output}");
        Step("indexer consuming again");
        await Poll.UntilAsync(async () => await AppliedInstanceEventsAsync(services) >= 1050, TimeSpan.FromSeconds(150),
            () => $"the indexer applying the third batch's events\n{services.Output}");
        Step($"{await AppliedInstanceEventsAsync(services)} applied, {await PendingInstanceEventsAsync(services)} pending");
        await services.Indexer.KillAsync(Deadline);
        long appliedAtKill = await AppliedInstanceEventsAsync(services);
        Step($"indexer killed, {appliedAtKill} applied");
        Assert.True(appliedAtKill < 1500, $"the indexer had applied {appliedAtKill} events: killed after the third batch rather than during it");
        AssertStored(await third);
        await StoreAllAsync(services, batches[3]);
        long appliedBeforeRestart = await AppliedInstanceEventsAsync(services);
        Assert.True(appliedBeforeRestart < 2000, $"{appliedBeforeRestart} events applied with the indexer dead");
        await services.Indexer.DisposeAsync();
        Step($"batches 3 and 4 stored, {appliedBeforeRestart} events applied");
        await services.StartIndexerAsync(new Dictionary<string, string> { ["Pacs:Indexer:ReconcileAtStart"] = "false" });
        Step("indexer restarted");

        // 4. Nothing lost: 2,000 instances in QIDO-RS; every series' document lists its 100 instances.
        foreach (string study in studyOf.Values)
        {
            await Poll.UntilAsync(async () => await services.QidoInstanceCountAsync(study) == 100, Deadline,
                () => $"study {study} complete in QIDO-RS\n{services.Output}");
        }
        Step("2,000 instances in QIDO-RS");
        var series = studies.Instances.GroupBy(i => (i.StudyInstanceUid, i.SeriesInstanceUid))
            .ToDictionary(g => g.Key, g => g.Select(i => i.SopInstanceUid).Order(StringComparer.Ordinal).ToList());
        Assert.Equal(20, series.Count);
        foreach (var ((study, uid), sops) in series)
        {
            SeriesRecord? record = null;
            await Poll.UntilAsync(async () => (record = await services.SeriesRecordAsync(uid)) is { Instances: 100, DocumentCurrent: true },
                TimeSpan.FromSeconds(120), () => $"series {uid} indexed with its 100 instances and its document rebuilt (now {record})\n{services.Output}");
            // Nothing applied twice: without a reconcile the revision counts the events applied to the series (a copy
            // redelivered after the kill that got past the inbox would count again).
            Assert.Equal(100L, record!.Revision);
            Assert.Equal(sops, (await services.SeriesMetadataAsync(study, uid)).Order(StringComparer.Ordinal).ToList());
        }
        Step("every series document current");
        Assert.Equal(2000L, await AppliedInstanceEventsAsync(services));
        Assert.Equal(0L, await PendingInstanceEventsAsync(services));
    }

    private static async Task StoreAllAsync(SeparateServices services, IEnumerable<string> folders) => AssertStored(await services.StoreAsync(folders, Deadline));

    /// <summary>storescu stored every file: exit 0 and no failed or refused C-STORE in its output.</summary>
    private static void AssertStored(DcmtkResult result) =>
        Assert.True(result.ExitCode == 0 && !result.Output.Contains("E:", StringComparison.Ordinal) && !result.Output.Contains("Failed", StringComparison.OrdinalIgnoreCase),
            result.ToString());

    /// <summary>Instance events the indexer applied: its inbox records them in the transaction of their effect.</summary>
    private static Task<long> AppliedInstanceEventsAsync(SeparateServices services) =>
        services.ScalarAsync("SELECT count(*) FROM inbox WHERE consumer = 'indexer' AND message_id LIKE 'pacs.instance-stored.v1/%'");

    /// <summary>Instance events written by ingest that the dispatcher has not published yet.</summary>
    private static Task<long> PendingInstanceEventsAsync(SeparateServices services) =>
        services.ScalarAsync("SELECT count(*) FROM outbox WHERE message_type = 'pacs.instance-stored.v1' AND dispatched_at IS NULL");

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
