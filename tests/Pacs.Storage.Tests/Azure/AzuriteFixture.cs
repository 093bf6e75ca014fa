using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Pacs.Storage.Tests.Azure;

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}

/// <summary>
/// A real Azurite Blob service for the Azure tests: installed once with npm into
/// <c>${XDG_CACHE_HOME:-~/.cache}/pacs-tests/azurite</c>, started on 127.0.0.1 on a free port with its data in a
/// temporary folder, stopped (the process this fixture started, by its id) and its folder deleted afterwards.
/// Fails loudly when Node.js/npm are missing or Azurite does not come up.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly StringBuilder _log = new();
    private Process? _process;
    private string? _dataFolder;

    public Uri ServiceUri { get; private set; } = null!;

    public int Port { get; private set; }

    /// <summary>Options for a store on this Azurite with the development account key.</summary>
    public AzureBlobStoreOptions Options(string containerName) => new()
    {
        ServiceUri = ServiceUri,
        AccountName = AzureBlobStoreOptions.DevelopmentAccountName,
        AccountKey = AzureBlobStoreOptions.DevelopmentAccountKey,
        ContainerName = containerName,
        RetryBaseDelay = TimeSpan.FromMilliseconds(20),
        RequestTimeout = TimeSpan.FromSeconds(30),
    };

    public static string NewContainerName() => "t" + Guid.NewGuid().ToString("N");

    public async Task InitializeAsync()
    {
        string executable = await InstallAsync();
        _dataFolder = Directory.CreateTempSubdirectory("pacs-azurite-").FullName;
        // A port found free can be taken by someone else before Azurite binds it: try a few.
        for (int attempt = 1; ; attempt++)
        {
            Port = FreePort();
            if (await TryStartAsync(executable))
                break;
            if (attempt == 3)
                throw new InvalidOperationException($"Azurite did not start:\n{Log()}");
        }
        ServiceUri = new Uri($"http://127.0.0.1:{Port}/{AzureBlobStoreOptions.DevelopmentAccountName}");
    }

    public async Task DisposeAsync()
    {
        if (_process is { } process)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await process.WaitForExitAsync(wait.Token);
            }
            process.Dispose();
        }
        if (_dataFolder is not null && Directory.Exists(_dataFolder))
            Directory.Delete(_dataFolder, recursive: true);
    }

    private async Task<bool> TryStartAsync(string executable)
    {
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[]
                 {
                     "--blobHost", "127.0.0.1", "--blobPort", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--location", _dataFolder!, "--skipApiVersionCheck", "--loose", "--disableTelemetry",
                 })
        {
            info.ArgumentList.Add(arg);
        }
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            Append(e.Data);
            if (e.Data.Contains("successfully listen", StringComparison.OrdinalIgnoreCase))
                listening.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                Append(e.Data);
        };
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("Azurite exited."));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await listening.Task.WaitAsync(StartTimeout);
            _process = process;
            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
            process.Dispose();
            return false;
        }
    }

    /// <summary>The azurite-blob command from the cache folder, installing it with npm the first time.</summary>
    private static async Task<string> InstallAsync()
    {
        string cacheHome = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        string folder = Path.Combine(cacheHome, "pacs-tests", "azurite");
        string executable = Path.Combine(folder, "node_modules", ".bin", "azurite-blob");
        if (File.Exists(executable))
            return executable;

        Directory.CreateDirectory(folder);
        // Test runs of several projects may start at once: one installs, the others wait on the lock file.
        using var deadline = new CancellationTokenSource(InstallTimeout);
        await using var gate = await LockAsync(Path.Combine(folder, ".install.lock"), deadline.Token);
        if (File.Exists(executable))
            return executable;
        var npm = new ProcessStartInfo("npm")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", folder, "azurite@3" })
            npm.ArgumentList.Add(arg);
        Process process;
        try
        {
            process = Process.Start(npm)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("The Azure tests need Node.js and npm on PATH to install Azurite.", e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(deadline.Token);
            var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
            await process.WaitForExitAsync(deadline.Token);
            if (process.ExitCode != 0 || !File.Exists(executable))
            {
                throw new InvalidOperationException(
                    $"npm install azurite@3 failed (exit {process.ExitCode}):\n{await stdout}\n{await stderr}");
            }
        }
        return executable;
    }

    private static async Task<FileStream> LockAsync(string path, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException)
            {
                await Task.Delay(200, cancellationToken);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Append(string line)
    {
        lock (_log)
            _log.AppendLine(line);
    }

    private string Log()
    {
        lock (_log)
            return _log.ToString();
    }
}
