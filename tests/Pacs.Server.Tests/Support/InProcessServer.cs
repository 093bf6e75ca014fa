using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Pacs.Archive;
using Pacs.Http.Multipart;
using Pacs.Storage;

namespace Pacs.Server.Tests.Support;

/// <summary>
/// Pacs.Server as a user runs it (Kestrel on loopback) in this process, on a free port and a temporary data folder that
/// is deleted afterwards; the index and the store are SQLite and files unless settings say otherwise (see
/// <see cref="ServerPeers"/>). An HttpClient whose base address is the service root.
/// </summary>
public sealed class InProcessServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private InProcessServer(WebApplication app, string dataFolder, Uri serviceRoot)
    {
        _app = app;
        DataFolder = dataFolder;
        Client = new HttpClient { BaseAddress = serviceRoot, Timeout = TimeSpan.FromSeconds(60) };
    }

    public string DataFolder { get; }

    public HttpClient Client { get; }

    /// <summary>The server's services (its index, its store), for checks that look behind the HTTP interface.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>The blob store the server writes to (files or Azure).</summary>
    public IBlobStore Store => _app.Services.GetRequiredService<IBlobStore>();

    /// <param name="settings">Command-line settings, e.g. "--Pacs:Archive:DuplicatePolicy=Replace".</param>
    public static async Task<InProcessServer> StartAsync(params string[] settings)
    {
        var dataFolder = Path.Combine(Path.GetTempPath(), $"pacs-server-test-{Guid.NewGuid():N}");
        var app = PacsServer.Build([$"--Pacs:DataFolder={dataFolder}", "--Pacs:Url=http://127.0.0.1:0", "--Pacs:Gateway:Port=0", .. settings]);
        await PacsServer.StartAsync(app);
        var root = new Uri(app.Urls.Single().TrimEnd('/') + "/dicom-web/");
        return new InProcessServer(app, dataFolder, root);
    }

    /// <summary>Every blob in the store, and every row of the instance table (any status).</summary>
    public async Task<(List<string> Blobs, int InstanceRows)> TracesAsync()
    {
        var blobs = new List<string>();
        await foreach (var item in Store.ListAsync(""))
            blobs.Add(item.Name);
        var database = _app.Services.GetRequiredService<ArchiveDatabase>();
        await using var db = database.CreateContext();
        return (blobs, db.Instances.Count());
    }

    /// <summary>Files left in the spool folder (spooled parts of uploads).</summary>
    public IReadOnlyList<string> SpoolFiles()
    {
        var spool = Path.Combine(DataFolder, "spool");
        return Directory.Exists(spool) ? Directory.GetFiles(spool, "*", SearchOption.AllDirectories) : [];
    }

    /// <summary>POST /studies with the files as parts of multipart/related; type="application/dicom".</summary>
    public async Task<HttpResponseMessage> StowAsync(params byte[][] parts)
    {
        var content = new MultipartContent("related", $"test-{Guid.NewGuid():N}");
        content.Headers.ContentType!.Parameters.Add(new NameValueHeaderValue("type", "\"application/dicom\""));
        foreach (var part in parts)
        {
            var body = new ByteArrayContent(part);
            body.Headers.ContentType = new MediaTypeHeaderValue("application/dicom");
            content.Add(body);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "studies") { Content = content };
        request.Headers.Accept.ParseAdd("application/dicom+json");
        return await Client.SendAsync(request);
    }

    /// <summary>GET with an Accept header; the response's multipart parts as byte arrays with their Content-Type.</summary>
    public async Task<List<(string? ContentType, byte[] Body)>> GetPartsAsync(string path, string accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        using var response = await Client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var boundary = MultipartRelatedReader.GetBoundary(response.Content.Headers.ContentType!.ToString());
        await using var reader = new MultipartRelatedReader(await response.Content.ReadAsStreamAsync(), boundary);
        var parts = new List<(string?, byte[])>();
        while (await reader.ReadNextPartAsync() is { } part)
        {
            using var buffer = new MemoryStream();
            await part.Body.CopyToAsync(buffer);
            parts.Add((part.ContentType?.ToString(), buffer.ToArray()));
        }

        return parts;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Npgsql.NpgsqlConnection.ClearAllPools();
        Directory.Delete(DataFolder, recursive: true);
    }
}
