using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Pacs.Gateway.Tests.Support;

/// <summary>
/// The standalone gateway (services/Pacs.Gateway, Program.cs) as a child process, configured on its command line, for
/// tests that kill it (SIGKILL) the way a power cut or the OOM killer would. Killed by PID on dispose.
/// </summary>
public sealed class GatewayProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private GatewayProcess(int port, IEnumerable<string> settings)
    {
        Port = port;
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(GatewayAssembly());
        foreach (var setting in settings)
        {
            info.ArgumentList.Add(setting);
        }

        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.Exited += (_, _) => _listening.TrySetException(new InvalidOperationException("The gateway exited:\n" + Output));
        _process.EnableRaisingEvents = true;
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Where it listens for DIMSE.</summary>
    public int Port { get; }

    /// <summary>Its AE title (the default).</summary>
    public string AeTitle => "PACS";

    /// <summary>The child process's id (for /proc/{pid}: descriptors, threads, memory).</summary>
    public int Id => _process.Id;

    /// <summary>
    /// The gateway with its default settings: only where it listens, where it spools and the archive's URL are given.
    /// </summary>
    public static Task<GatewayProcess> StartWithDefaultsAsync(int port, string spoolFolder, int archivePort) => WaitListeningAsync(new GatewayProcess(port,
    [
        $"--Pacs:Gateway:Port={port.ToString(CultureInfo.InvariantCulture)}",
        $"--Pacs:Gateway:SpoolFolder={spoolFolder}",
        $"--Pacs:Gateway:ArchiveUrl={ArchiveServer.UrlFor(archivePort)}",
        "--Logging:LogLevel:Default=Warning",
        "--urls=http://127.0.0.1:0",
    ]));

    public static Task<GatewayProcess> StartAsync(int port, string spoolFolder, int archivePort) => WaitListeningAsync(new GatewayProcess(port,
        [
            $"--Pacs:Gateway:Port={port.ToString(CultureInfo.InvariantCulture)}",
            $"--Pacs:Gateway:SpoolFolder={spoolFolder}",
            $"--Pacs:Gateway:ArchiveUrl={ArchiveServer.UrlFor(archivePort)}",
            "--Pacs:Gateway:MinimumFreeDiskBytes=0",
            "--Pacs:Gateway:Forwarding:BatchSize=4",
            "--Pacs:Gateway:Forwarding:RetryDelay=00:00:00.100",
            "--Pacs:Gateway:Forwarding:MaxRetryDelay=00:00:00.500",
            "--Pacs:Gateway:Forwarding:BreakDuration=00:00:00.500",

            // Forward while storescu is still sending (by default the forwarder waits for a pause in arrivals): the crash
            // test kills the gateway in the middle of both.
            "--Pacs:Gateway:Forwarding:YieldToIncoming=00:00:00",
            "--Logging:LogLevel:Default=Warning",
            "--urls=http://127.0.0.1:0",
        ]));

    private static async Task<GatewayProcess> WaitListeningAsync(GatewayProcess gateway)
    {
        try
        {
            await gateway._listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch
        {
            gateway.Dispose();
            throw;
        }

        return gateway;
    }

    /// <summary>SIGKILL: no shutdown code runs, nothing is flushed.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (line.StartsWith("Pacs gateway listening", StringComparison.Ordinal))
        {
            _listening.TrySetResult();
        }
    }

    private static string GatewayAssembly()
    {
        // Copied beside the tests as a referenced project; else the project's own build output.
        var beside = Path.Combine(AppContext.BaseDirectory, "Pacs.Gateway.dll");
        if (File.Exists(beside) && File.Exists(Path.Combine(AppContext.BaseDirectory, "Pacs.Gateway.runtimeconfig.json")))
        {
            return beside;
        }

        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        return Path.Combine(TestLocations.RepositoryRoot, "services", "Pacs.Gateway", "bin", configuration, "net10.0", "Pacs.Gateway.dll");
    }
}
