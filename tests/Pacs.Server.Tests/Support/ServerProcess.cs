using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Pacs.Server.Tests.Support;

/// <summary>The embedded server as its own process (the built Pacs.Server.dll), so a test can SIGKILL it and start it again on the same data folder.</summary>
public sealed class ServerProcess : IDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, Uri serviceRoot)
    {
        _process = process;
        ServiceRoot = serviceRoot;
    }

    public Uri ServiceRoot { get; }

    public static async Task<ServerProcess> StartAsync(string dataFolder, params string[] settings)
    {
        var port = Pacs.Testing.FreePort.Next();
        var dll = Path.Combine(AppContext.BaseDirectory, "Pacs.Server.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])[dll, $"--Pacs:DataFolder={dataFolder}", $"--Pacs:Url=http://127.0.0.1:{port}", "--Pacs:Gateway:Port=0", .. settings])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var server = new ServerProcess(process, new Uri($"http://127.0.0.1:{port}/dicom-web/"));

        // The server prints where it listens once migrations and the start-up sweep are done.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("Pacs DICOMweb listening at", StringComparison.Ordinal))
            {
                // Keep draining the output so the child never blocks on a full pipe.
                _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                _ = process.StandardError.ReadToEndAsync(CancellationToken.None);
                return server;
            }
        }

        var error = await process.StandardError.ReadToEndAsync(CancellationToken.None);
        server.Dispose();
        throw new InvalidOperationException($"The server exited before listening: {error}");
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a crash or power cut of the process.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.WaitForExit(TimeSpan.FromSeconds(30));
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
