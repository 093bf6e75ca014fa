using System.Net;
using System.Text.Json;
using Pacs.Server.Tests.Support;
using Pacs.Testing;

namespace Pacs.Server.Tests.EndToEnd;

/// <summary>The generated studies of <see cref="QidoHttpTableTests"/>, stowed once into one server per backend.</summary>
public sealed class QidoHttpTableFixture : IAsyncLifetime
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<Backend, InProcessServer> _servers = [];

    /// <summary>gen-studies.py seed 7: 5 patients × 2 studies × 2 series × 2 instances of 16×16 pixels (as the archive's table).</summary>
    public GeneratedStudies Studies { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Studies = GeneratedStudies.Generate(
            "--patients", "5", "--studies-per-patient", "2", "--series-per-study", "2", "--instances-per-series", "2",
            "--rows", "16", "--cols", "16", "--seed", "7");
        return Task.CompletedTask;
    }

    /// <summary>The server of <paramref name="backend"/>, holding every generated instance (stowed in index order on first use).</summary>
    public async Task<InProcessServer> ServerAsync(Backend backend, ServerPeers peers)
    {
        await _gate.WaitAsync();
        try
        {
            if (!_servers.TryGetValue(backend, out var server))
            {
                server = await peers.StartServerAsync(backend);
                // One instance a request, in index order: the archive lists in arrival order where no key sorts.
                foreach (var instance in Studies.Instances)
                {
                    using var stow = await server.StowAsync(await File.ReadAllBytesAsync(Studies.FullPath(instance)));
                    Assert.Equal(HttpStatusCode.OK, stow.StatusCode);
                }

                _servers[backend] = server;
            }

            return server;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var server in _servers.Values)
            await server.DisposeAsync();
        Studies?.Dispose();
        _gate.Dispose();
    }
}

/// <summary>
/// QIDO-RS matching over HTTP (PS3.18 8.3.4, 10.6; PS3.4 C.2.2.2) as a table of queries and expected answers over the
/// generated studies, at the study, series and instance level, at the top and nested: single values, UID lists,
/// wildcards, DA/TM/DT ranges, fuzzymatching, keywords and ggggeeee keys, includefield, limit and offset. Studies are
/// named by their accession number A07000000n (n = 1..10 in generation order): 1 Hill 20220117 123253 CT · 2 Hill
/// 20160105 070112 CT · 3 Schneider 20220731 093544 CT · 4 Schneider 20211115 133616 CT · 5 Russo 20200828 132310 MR ·
/// 6 Russo 20220328 094225 MR · 7 Adams 20160218 161015 CT · 8 Adams 20241004 130648 MR · 9 Taylor 20170220 145245 MR ·
/// 10 Taylor 20170918 103754 CT.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class QidoHttpTableTests(QidoHttpTableFixture fixture, ServerPeers peers) : IClassFixture<QidoHttpTableFixture>
{
    private static string Accession(int n) => $"A07{n:D7}";

    /// <summary>A row: the request (relative to the service root, {sN} = the UID of study N, {sN.k} of its series number k), and the expected
    /// studies (by n), or a count where the generator's index does not say which.</summary>
    private sealed record Row(string Request, int[]? Studies = null, int? Count = null, Func<GeneratedInstance, bool>? Where = null);

    private static readonly Dictionary<string, Row> Table = new()
    {
        // Study level.
        ["study: universal match"] = new("studies", Studies: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
        ["study: PatientID single value"] = new("studies?PatientID=PAT000003", Studies: [5, 6]),
        ["study: PatientID by ggggeeee key"] = new("studies?00100020=PAT000003", Studies: [5, 6]),
        ["study: PatientID wildcard *"] = new("studies?PatientID=PAT*5", Studies: [9, 10]),
        ["study: PatientID wildcard ?"] = new("studies?PatientID=PAT00000%3F", Studies: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
        ["study: PatientName exact"] = new("studies?PatientName=Russo%5EIngrid", Studies: [5, 6]),
        ["study: PatientName exact is case-sensitive"] = new("studies?PatientName=russo%5Eingrid", Studies: []),
        ["study: PatientName wildcard"] = new("studies?PatientName=Russo*", Studies: [5, 6]),
        ["study: fuzzymatching given name, lower case"] = new("studies?PatientName=ingrid&fuzzymatching=true", Studies: [5, 6]),
        ["study: fuzzymatching family name prefix"] = new("studies?PatientName=ADA&fuzzymatching=true", Studies: [7, 8]),
        ["study: fuzzymatching two prefixes"] = new("studies?PatientName=marg%20tay&fuzzymatching=true", Studies: [9, 10]),
        ["study: fuzzymatching not inside a component"] = new("studies?PatientName=ngrid&fuzzymatching=true", Studies: []),
        ["study: fuzzymatching=false is exact"] = new("studies?PatientName=ingrid&fuzzymatching=false", Studies: []),
        ["study: ReferringPhysicianName fuzzy"] = new("studies?ReferringPhysicianName=okafor&fuzzymatching=true", Studies: [8, 9]),
        ["study: StudyDate single"] = new("studies?StudyDate=20220117", Studies: [1]),
        ["study: StudyDate closed range"] = new("studies?StudyDate=20220101-20221231", Studies: [1, 3, 6]),
        ["study: StudyDate open start"] = new("studies?StudyDate=-20161231", Studies: [2, 7]),
        ["study: StudyDate open end"] = new("studies?StudyDate=20240101-", Studies: [8]),
        ["study: StudyTime range"] = new("studies?StudyTime=1300-1400", Studies: [4, 5, 8]),
        ["study: StudyDate and StudyTime as one date-time range"] = new("studies?StudyDate=20160101-20160301&StudyTime=1000-0900", Studies: [2, 7]),
        ["study: AccessionNumber single"] = new("studies?AccessionNumber=A070000004", Studies: [4]),
        ["study: ModalitiesInStudy"] = new("studies?ModalitiesInStudy=MR", Studies: [5, 6, 8, 9]),
        ["study: ModalitiesInStudy wildcard"] = new("studies?ModalitiesInStudy=M%3F", Studies: [5, 6, 8, 9]),
        ["study: StudyInstanceUID list"] = new("studies?StudyInstanceUID={s9},{s3}", Studies: [3, 9]),
        ["study: StudyInstanceUID list, backslash"] = new("studies?StudyInstanceUID={s9}%5C{s3}", Studies: [3, 9]),
        ["study: StudyDescription wildcard"] = new("studies?StudyDescription=MR%20KNEE*", Studies: [5, 8]),
        ["study: PatientBirthDate range"] = new("studies?PatientBirthDate=19300101-19351231", Studies: [7, 8]),
        ["study: two keys"] = new("studies?ModalitiesInStudy=CT&StudyDate=20220101-", Studies: [1, 3]),
        ["study: empty value is universal"] = new("studies?AccessionNumber=", Studies: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
        ["study: limit"] = new("studies?limit=3", Studies: [1, 2, 3]),
        ["study: limit and offset"] = new("studies?limit=3&offset=3", Studies: [4, 5, 6]),
        ["study: offset past the middle"] = new("studies?offset=8", Studies: [9, 10]),
        ["study: offset past the end"] = new("studies?offset=10", Studies: []),
        ["study: limit and offset after matching"] = new("studies?ModalitiesInStudy=MR&limit=2&offset=1", Studies: [6, 8]),

        // Series level.
        ["series: universal match"] = new("series", Count: 20, Where: _ => true),
        ["series: Modality"] = new("series?Modality=MR", Where: i => i.Modality == "MR"),
        ["series: SeriesNumber"] = new("series?SeriesNumber=2", Where: i => i.SeriesNumber == 2),
        ["series: SeriesNumber by ggggeeee key"] = new("series?00200011=2", Where: i => i.SeriesNumber == 2),
        ["series: SeriesDescription wildcard"] = new("series?SeriesDescription=T1*", Count: 4),
        ["series: a study key"] = new("series?PatientName=Russo%5EIngrid", Where: i => i.PatientName == "Russo^Ingrid"),
        ["series: StudyDate range"] = new("series?StudyDate=20220101-20221231", Where: i => string.CompareOrdinal(i.StudyDate, "20220101") >= 0 && string.CompareOrdinal(i.StudyDate, "20221231") <= 0),
        ["series: SeriesInstanceUID list"] = new("series?SeriesInstanceUID={s4.1},{s7.2}", Where: i => (i.AccessionNumber, i.SeriesNumber) is ("A070000004", 1) or ("A070000007", 2)),
        ["series: unknown UID"] = new("series?SeriesInstanceUID=1.2.3.4", Count: 0),
        ["series: nested in a study"] = new("studies/{s5}/series", Where: i => i.AccessionNumber == "A070000005"),
        ["series: nested with a key"] = new("studies/{s5}/series?SeriesNumber=2", Where: i => i.AccessionNumber == "A070000005" && i.SeriesNumber == 2),
        ["series: limit and offset"] = new("series?limit=5&offset=17", Count: 3),

        // Instance level.
        ["instance: universal match"] = new("instances", Count: 40, Where: _ => true),
        ["instance: InstanceNumber"] = new("instances?InstanceNumber=2", Where: i => i.InstanceNumber == 2),
        ["instance: SOPClassUID"] = new("instances?SOPClassUID=1.2.840.10008.5.1.4.1.1.2", Where: i => i.Modality == "CT"),
        ["instance: AcquisitionDateTime range of a day"] = new("instances?AcquisitionDateTime=20220117-20220117", Where: i => i.StudyDate == "20220117"),
        ["instance: AcquisitionDateTime range of years"] = new("instances?AcquisitionDateTime=2016-2017", Where: i => i.StudyDate.StartsWith("2016", StringComparison.Ordinal) || i.StudyDate.StartsWith("2017", StringComparison.Ordinal)),
        ["instance: a study key"] = new("instances?StudyDate=20220101-", Where: i => string.CompareOrdinal(i.StudyDate, "20220101") >= 0),
        ["instance: a patient key, fuzzy"] = new("instances?PatientName=russo&fuzzymatching=true", Where: i => i.PatientName == "Russo^Ingrid"),
        ["instance: nested in a study"] = new("studies/{s3}/instances", Where: i => i.AccessionNumber == "A070000003"),
        ["instance: nested in a series"] = new("studies/{s3}/series/{s3.2}/instances", Where: i => i.AccessionNumber == "A070000003" && i.SeriesNumber == 2),
        ["instance: nested with a key"] = new("studies/{s3}/series/{s3.2}/instances?InstanceNumber=1", Where: i => i.AccessionNumber == "A070000003" && i.SeriesNumber == 2 && i.InstanceNumber == 1),
        ["instance: limit and offset"] = new("instances?limit=5&offset=38", Count: 2),
    };

    public static TheoryData<Backend, string> Cases => Backends.Cross([.. Table.Keys]);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Query_answers_as_the_table_says(Backend backend, string name)
    {
        var server = await fixture.ServerAsync(backend, peers);
        var row = Table[name];
        var request = Resolve(row.Request);
        var key = request.Split('?')[0].Split('/')[^1] switch
        {
            "studies" => "0020000D",
            "series" => "0020000E",
            _ => "00080018",
        };
        var answer = await UidsAsync(server, request, key);

        if (row.Studies is { } studies)
        {
            // Study answers in the archive's stable order (arrival, here generation order).
            var expected = studies.Select(n => StudyUid(n)).ToList();
            Assert.True(expected.SequenceEqual(answer), $"{name}: expected studies [{string.Join(",", studies)}], got [{string.Join(",", answer.Select(StudyNumber))}]");
        }

        if (row.Where is { } where)
        {
            var expected = fixture.Studies.Instances.Where(where).Select(i => key switch
            {
                "0020000D" => i.StudyInstanceUid,
                "0020000E" => i.SeriesInstanceUid,
                _ => i.SopInstanceUid,
            }).Distinct().Order(StringComparer.Ordinal);
            Assert.Equal(expected, answer.Order(StringComparer.Ordinal));
        }

        if (row.Count is { } count)
            Assert.Equal(count, answer.Count);
        Assert.Equal(answer.Count, answer.Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Pages_of_limit_and_offset_join_into_the_unpaged_answer_at_every_level(Backend backend)
    {
        var server = await fixture.ServerAsync(backend, peers);
        foreach (var (level, key) in new[] { ("studies", "0020000D"), ("series", "0020000E"), ("instances", "00080018") })
        {
            var whole = await UidsAsync(server, level, key);
            var paged = new List<string>();
            for (var offset = 0; offset < whole.Count; offset += 3)
                paged.AddRange(await UidsAsync(server, $"{level}?limit=3&offset={offset}", key));
            Assert.Equal(whole, paged);
        }
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Includefield_adds_the_named_attributes_in_every_spelling_and_all_adds_every_one(Backend backend)
    {
        var server = await fixture.ServerAsync(backend, peers);

        // Not returned by default (PS3.18 Table 10.6.3-3), returned when asked for by keyword or tag.
        Assert.All(await MatchesAsync(server, "studies?AccessionNumber=A070000004"), m => Assert.False(m.TryGetProperty("00101010", out _)));
        foreach (var include in new[] { "includefield=PatientAge", "includefield=00101010" })
        {
            var match = Assert.Single(await MatchesAsync(server, $"studies?AccessionNumber=A070000004&{include}"));
            Assert.True(match.TryGetProperty("00101010", out var age), include);
            Assert.EndsWith("Y", age.GetProperty("Value")[0].GetString(), StringComparison.Ordinal);
        }

        // A list: comma-separated, %2C-encoded, or the parameter repeated.
        foreach (var include in new[] { "includefield=BodyPartExamined,Manufacturer", "includefield=BodyPartExamined%2CManufacturer",
                     "includefield=00180015&includefield=00080070" })
        {
            var matches = await MatchesAsync(server, $"series?SeriesNumber=1&{include}");
            Assert.Equal(10, matches.Count);
            Assert.All(matches, m => Assert.True(m.TryGetProperty("00180015", out _) && m.TryGetProperty("00080070", out _), include));
        }

        var all = await MatchesAsync(server, "series?SeriesNumber=1&includefield=all");
        Assert.All(all, m => Assert.True(m.TryGetProperty("00180015", out _) && m.TryGetProperty("00080070", out _)));
        var instances = await MatchesAsync(server, "instances?InstanceNumber=1&limit=1&includefield=all");
        Assert.True(Assert.Single(instances).TryGetProperty("00080008", out _), "includefield=all at the instance level lacks ImageType");
    }

    private string StudyUid(int n) => fixture.Studies.Instances.First(i => i.AccessionNumber == Accession(n)).StudyInstanceUid;

    private string StudyNumber(string uid) =>
        fixture.Studies.Instances.FirstOrDefault(i => i.StudyInstanceUid == uid)?.AccessionNumber[3..].TrimStart('0') ?? uid;

    /// <summary>{sN} → the study UID of study N; {sN.k} → the UID of its series number k.</summary>
    private string Resolve(string request)
    {
        var result = request;
        for (var n = 10; n >= 1; n--)
        {
            for (var k = 1; k <= 2; k++)
            {
                var series = fixture.Studies.Instances.First(i => i.AccessionNumber == Accession(n) && i.SeriesNumber == k).SeriesInstanceUid;
                result = result.Replace($"{{s{n}.{k}}}", series, StringComparison.Ordinal);
            }

            result = result.Replace($"{{s{n}}}", StudyUid(n), StringComparison.Ordinal);
        }

        return result;
    }

    private static async Task<List<string>> UidsAsync(InProcessServer server, string request, string key) =>
        (await MatchesAsync(server, request)).Select(m => m.GetProperty(key).GetProperty("Value")[0].GetString()!).ToList();

    private static async Task<List<JsonElement>> MatchesAsync(InProcessServer server, string request)
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, request);
        message.Headers.Accept.ParseAdd("application/dicom+json");
        using var response = await server.Client.SendAsync(message);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode == HttpStatusCode.NoContent)
            return [];
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {request}: {(int)response.StatusCode} {body}");
        using var json = JsonDocument.Parse(body);
        return json.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }
}
