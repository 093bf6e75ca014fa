using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pacs.Archive;
using Pacs.Server;
using Pacs.Storage;

namespace Pacs.Gateway.Tests.Support;

/// <summary>
/// The real archive (Pacs.Server: SQLite index and files) on a fixed loopback port, so that it can be down and come
/// back at the same URL. Its own embedded gateway is off unless asked for; checks look into its index and store.
/// </summary>
public sealed class ArchiveServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ArchiveServer(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The port of the server's embedded gateway (when started with it enabled).</summary>
    public int GatewayPort => _app.Services.GetRequiredService<Pacs.Gateway.Hosting.GatewayHost>().LocalEndPoint!.Port;

    /// <summary>The DICOMweb base URL the gateway forwards to.</summary>
    public static string UrlFor(int port) => $"http://127.0.0.1:{port}/dicom-web";

    public static async Task<ArchiveServer> StartAsync(string dataFolder, int port, params string[] settings)
    {
        var app = PacsServer.Build([$"--Pacs:DataFolder={dataFolder}", $"--Pacs:Url=http://127.0.0.1:{port}", "--Pacs:Gateway:Enabled=false", .. settings]);
        await PacsServer.StartAsync(app);
        return new ArchiveServer(app, port);
    }

    /// <summary>Committed instances by SOP Instance UID: (transfer syntax, blob name).</summary>
    public async Task<Dictionary<string, (string TransferSyntaxUid, string BlobName, string SopClassUid)>> InstancesAsync()
    {
        await using var db = _app.Services.GetRequiredService<ArchiveDatabase>().CreateContext();
        return await db.Instances.AsNoTracking().Where(i => i.Status == InstanceStatus.Created)
            .ToDictionaryAsync(i => i.SopInstanceUid, i => (i.TransferSyntaxUid, i.BlobName, i.SopClassUid));
    }

    public async Task<int> CountAsync()
    {
        await using var db = _app.Services.GetRequiredService<ArchiveDatabase>().CreateContext();
        return await db.Instances.CountAsync(i => i.Status == InstanceStatus.Created);
    }

    /// <summary>SHA-256 of the data set of a stored object (what follows its File Meta Information).</summary>
    public async Task<string> DatasetSha256Async(string blobName)
    {
        var store = _app.Services.GetRequiredService<IBlobStore>();
        await using var stream = await store.OpenReadAsync(blobName);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return Part10.DatasetSha256(buffer.ToArray());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>PS3.10 file layout facts the checks need.</summary>
public static class Part10
{
    /// <summary>
    /// SHA-256 (hex) of the data set of a PS3.10 file: the bytes after the File Meta Information group, whose length is
    /// given by its group length element (0002,0000) right after the preamble and "DICM" (PS3.10 7.1).
    /// </summary>
    public static string DatasetSha256(byte[] file)
    {
        if (file.Length < 144 || file[128] != 'D' || file[131] != 'M' || file[132] != 2 || file[133] != 0 || file[134] != 0 || file[135] != 0)
        {
            throw new InvalidDataException("Not a PS3.10 file with a group length first.");
        }

        var groupLength = BitConverter.ToUInt32(file, 140);
        var start = 144 + (int)groupLength;
        return Convert.ToHexString(SHA256.HashData(file.AsSpan(start)));
    }

    public static string DatasetSha256(string path) => DatasetSha256(File.ReadAllBytes(path));
}
