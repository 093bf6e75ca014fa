using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using Pacs.Testing;

namespace Pacs.SystemTests;

/// <summary>
/// One Pacs service as its own OS process: <c>dotnet services/Pacs.X/bin/CONFIG/net10.0/Pacs.X.dll</c> on a free
/// loopback port with settings given as environment variables (as containers give them), its output kept for
/// failure messages. Ready once <c>/health/ready</c> answers 200. Stopped with SIGTERM (a graceful stop, as Kubernetes
/// and Docker stop containers) or SIGKILL, by its process id; killed on dispose if still running.
/// </summary>
internal sealed partial class ServiceProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(90);
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServiceProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri Address { get; }

    public HttpClient Client { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    /// <summary>Starts services/<paramref name="project"/> and waits until it is ready.</summary>
    /// <param name="urlSetting">
    /// The setting that names the address to listen on, for a service that takes it from its own configuration rather
    /// than ASPNETCORE_URLS (the embedded server's <c>Pacs:Url</c>).
    /// </param>
    public static async Task<ServiceProcess> StartAsync(string project, IDictionary<string, string> settings, string? urlSetting = null)
    {
        // The test assembly's configuration (Debug/Release) is the one the project reference built the service in.
        string configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        string dll = Path.Combine(TestLocations.RepositoryRoot, "services", project, "bin", configuration, "net10.0", project + ".dll");
        if (!File.Exists(dll))
            throw new InvalidOperationException($"{dll} is missing: build the test project (its project references build the services).");
        int port = FreePort.Next();
        var info = new ProcessStartInfo("dotnet", [dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        info.Environment["Service__Logging__Format"] = "Simple";
        foreach (var (key, value) in settings)
            info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        if (urlSetting is not null)
            info.Environment[urlSetting.Replace(":", "__", StringComparison.Ordinal)] = $"http://127.0.0.1:{port}";
        var process = Process.Start(info) ?? throw new InvalidOperationException($"{project} did not start.");
        var service = new ServiceProcess(process, new Uri($"http://127.0.0.1:{port}/"));
        try
        {
            await service.WaitUntilAsync(HttpStatusCode.OK, StartDeadline);
            return service;
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
    }

    /// <summary>Polls /health/ready until it answers <paramref name="status"/>; fails with the service's output otherwise.</summary>
    public async Task WaitUntilAsync(HttpStatusCode status, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        string last = "no answer";
        while (DateTime.UtcNow < until)
        {
            if (_process.HasExited && status == HttpStatusCode.OK)
                break;
            try
            {
                using var response = await Client.GetAsync("health/ready");
                if (response.StatusCode == status)
                    return;
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"{Address}health/ready did not answer {(int)status} within {deadline.TotalSeconds} s (last: {last}; exited: {_process.HasExited}).\n{Output}");
    }

    /// <summary>SIGTERM: the graceful stop a container runtime sends.</summary>
    public void Terminate() => Signal(15);

    /// <summary>SIGKILL: the process dies at once, as on a crash or an out-of-memory kill; nothing of it runs again.</summary>
    public async Task KillAsync(TimeSpan deadline)
    {
        Signal(9);
        await WaitForExitAsync(deadline);
    }

    /// <summary>Waits for the process to end, returning its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan deadline)
    {
        using var cancel = new CancellationTokenSource(deadline);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The service (pid {Id}) did not exit within {deadline.TotalSeconds} s.\n{Output}");
        }
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private void Signal(int signal)
    {
        if (kill(_process.Id, signal) != 0)
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
