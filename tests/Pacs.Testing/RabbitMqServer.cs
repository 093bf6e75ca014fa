using System.Diagnostics;
using System.Globalization;
using RabbitMQ.Client;

namespace Pacs.Testing;

/// <summary>
/// A real RabbitMQ broker for tests, from the Debian package <c>rabbitmq-server</c>: a private <c>epmd</c> and a node of
/// its own, everything (Mnesia database, logs, configuration, Erlang cookie) under one temporary folder, listening on
/// 127.0.0.1 on free ports, so parallel runs never share a broker or a node registry. Ready only when an AMQP connection
/// succeeds (the port opens before the broker accepts connections). Stopped by PID and deleted on dispose.
/// <see cref="StopAsync"/> and <see cref="StartAsync"/> take the broker down and bring it back within a test, on the
/// same port with the same data, so durable queues and persistent messages survive ("RabbitMQ down for a while");
/// <see cref="KillAsync"/> is the unclean variant (SIGKILL of the Erlang VM).
/// Binaries from <c>PACS_RABBITMQ_SERVER</c> or <c>/usr/lib/rabbitmq/bin/rabbitmq-server</c>; absent binaries fail the
/// fixture loudly.
/// </summary>
public sealed class RabbitMqServer : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private readonly string _nodeName = $"pacs-test-{Guid.NewGuid():N}@localhost";
    private string? _folder;
    private Process? _epmd;
    private Process? _server;
    private int _distPort;
    private int _epmdPort;

    public string ServerScript { get; } = Environment.GetEnvironmentVariable("PACS_RABBITMQ_SERVER") is { Length: > 0 } s
        ? s : "/usr/lib/rabbitmq/bin/rabbitmq-server";

    public string Host => "127.0.0.1";

    /// <summary>The AMQP port (stays the same across <see cref="StopAsync"/> / <see cref="StartAsync"/>).</summary>
    public int Port { get; private set; }

    /// <summary>The broker's default user; RabbitMQ admits it from loopback addresses only, which is all we use.</summary>
    public string Username => "guest";

    public string Password => "guest";

    public string VirtualHost => "/";

    /// <summary>Whether the broker process is running (it may still be starting).</summary>
    public bool IsRunning => _server is { HasExited: false };

    /// <summary>The broker's log folder, for failure messages.</summary>
    public string? LogFolder => _folder is null ? null : Path.Combine(_folder, "log");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ServerScript))
            throw new InvalidOperationException(
                $"RabbitMQ is not installed: {ServerScript} is missing (Debian: apt-get install rabbitmq-server, or set PACS_RABBITMQ_SERVER).");
        _folder = Directory.CreateTempSubdirectory("pacs-rabbitmq-").FullName;
        Directory.CreateDirectory(Path.Combine(_folder, "mnesia"));
        Directory.CreateDirectory(Path.Combine(_folder, "log"));
        // No plugins: the management plugin alone doubles start time and memory, and the tests speak only AMQP.
        await File.WriteAllTextAsync(Path.Combine(_folder, "enabled_plugins"), "[].\n");
        // Loopback only (RABBITMQ_NODE_IP_ADDRESS); the disk alarm would stop publishers on a nearly full test machine,
        // which is not what these tests are about.
        await File.WriteAllTextAsync(Path.Combine(_folder, "rabbitmq.conf"), "disk_free_limit.absolute = 1MB\n");
        Port = FreePort.Next();
        _distPort = FreePort.Next();
        _epmdPort = FreePort.Next();
        StartEpmd();
        await StartAsync();
    }

    /// <summary>Starts the broker (again) and returns once it answers an AMQP connection.</summary>
    public async Task StartAsync()
    {
        if (_folder is null)
            throw new InvalidOperationException("The fixture is not initialised.");
        if (IsRunning)
            return;
        var info = new ProcessStartInfo(ServerScript)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var env = info.Environment;
        env["HOME"] = _folder;
        env["RABBITMQ_MNESIA_BASE"] = Path.Combine(_folder, "mnesia");
        env["RABBITMQ_LOG_BASE"] = Path.Combine(_folder, "log");
        env["RABBITMQ_CONFIG_FILE"] = Path.Combine(_folder, "rabbitmq.conf");
        env["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(_folder, "enabled_plugins");
        env["RABBITMQ_PID_FILE"] = Path.Combine(_folder, "rabbitmq.pid");
        env["RABBITMQ_NODENAME"] = _nodeName;
        env["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1";
        env["RABBITMQ_NODE_PORT"] = Port.ToString(CultureInfo.InvariantCulture);
        env["RABBITMQ_DIST_PORT"] = _distPort.ToString(CultureInfo.InvariantCulture);
        env["ERL_EPMD_PORT"] = _epmdPort.ToString(CultureInfo.InvariantCulture);
        // Our own epmd runs already; the node must not start (or find) the machine-wide one.
        env["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-start_epmd false";
        File.Delete(Path.Combine(_folder, "rabbitmq.pid"));
        var output = new StringWriter();
        var server = Process.Start(info) ?? throw new InvalidOperationException("rabbitmq-server did not start.");
        server.StandardInput.Close();
        server.OutputDataReceived += (_, e) => { lock (output) output.WriteLine(e.Data); };
        server.ErrorDataReceived += (_, e) => { lock (output) output.WriteLine(e.Data); };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        _server = server;

        var deadline = DateTime.UtcNow + StartTimeout;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            if (server.HasExited)
                throw new InvalidOperationException($"rabbitmq-server exited with {server.ExitCode} while starting:\n{Snapshot(output)}");
            try
            {
                await using var connection = await CreateConnectionAsync(TimeSpan.FromSeconds(2));
                return;
            }
            catch (Exception e) when (e is RabbitMQ.Client.Exceptions.BrokerUnreachableException or IOException or TimeoutException
                or OperationCanceledException or System.Net.Sockets.SocketException)
            {
                last = e;
            }
            await Task.Delay(200);
        }
        await StopAsync();
        throw new TimeoutException($"RabbitMQ did not accept an AMQP connection within {StartTimeout.TotalSeconds:0} s: {last?.Message}\n{Snapshot(output)}");
    }

    /// <summary>Stops the broker cleanly (SIGTERM to its start script, which stops the node) and waits for it.</summary>
    public async Task StopAsync()
    {
        var server = _server;
        if (server is null)
            return;
        if (!server.HasExited)
        {
            Signal(server.Id, "TERM");
            using var timeout = new CancellationTokenSource(StopTimeout);
            try
            {
                await server.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                // Did not stop in time: take it down hard.
                KillVm();
                server.Kill(entireProcessTree: true);
                await server.WaitForExitAsync();
            }
        }
        await WaitForVmExitAsync();
        server.Dispose();
        _server = null;
    }

    /// <summary>Kills the broker without warning (SIGKILL of the Erlang VM and its start script), as a crash would.</summary>
    public async Task KillAsync()
    {
        var server = _server;
        if (server is null)
            return;
        KillVm();
        if (!server.HasExited)
            server.Kill(entireProcessTree: true);
        await server.WaitForExitAsync();
        await WaitForVmExitAsync();
        server.Dispose();
        _server = null;
    }

    /// <summary>An AMQP connection to the broker (the caller disposes it).</summary>
    public async Task<IConnection> CreateConnectionAsync(TimeSpan? timeout = null)
    {
        var factory = new ConnectionFactory
        {
            HostName = Host,
            Port = Port,
            UserName = Username,
            Password = Password,
            VirtualHost = VirtualHost,
            RequestedConnectionTimeout = timeout ?? TimeSpan.FromSeconds(10),
            AutomaticRecoveryEnabled = false,
        };
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        return await factory.CreateConnectionAsync(cancel.Token);
    }

    /// <summary>Number of messages ready in a queue (0 when it does not exist).</summary>
    public async Task<uint> CountMessagesAsync(string queue)
    {
        await using var connection = await CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            var ok = await channel.QueueDeclarePassiveAsync(queue);
            return ok.MessageCount;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            return 0;
        }
    }

    public async Task DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            if (_epmd is { HasExited: false })
            {
                _epmd.Kill();
                await _epmd.WaitForExitAsync();
            }
            _epmd?.Dispose();
            if (_folder is not null && Directory.Exists(_folder))
            {
                try
                {
                    Directory.Delete(_folder, recursive: true);
                }
                catch (IOException)
                {
                    // A child of the VM may hold a log file for a moment; the temp folder is cleaned eventually.
                }
            }
        }
    }

    private void StartEpmd()
    {
        // epmd runs in the foreground (no -daemon) so that it is our child and we know its PID.
        var info = new ProcessStartInfo("epmd")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string a in new[] { "-port", _epmdPort.ToString(CultureInfo.InvariantCulture), "-address", "127.0.0.1" })
            info.ArgumentList.Add(a);
        _epmd = Process.Start(info) ?? throw new InvalidOperationException("epmd did not start.");
        _epmd.OutputDataReceived += (_, _) => { };
        _epmd.ErrorDataReceived += (_, _) => { };
        _epmd.BeginOutputReadLine();
        _epmd.BeginErrorReadLine();
    }

    /// <summary>PID of the Erlang VM (beam.smp), which the broker writes to its PID file once running.</summary>
    private int? VmPid()
    {
        string file = Path.Combine(_folder!, "rabbitmq.pid");
        if (!File.Exists(file))
            return null;
        return int.TryParse(File.ReadAllText(file).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? pid : null;
    }

    private void KillVm()
    {
        if (VmPid() is { } pid)
            Signal(pid, "KILL");
    }

    /// <summary>The start script waits for the VM, but a killed script leaves it orphaned: wait for the VM itself.</summary>
    private async Task WaitForVmExitAsync()
    {
        if (VmPid() is not { } pid)
            return;
        var deadline = DateTime.UtcNow + StopTimeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var vm = Process.GetProcessById(pid);
                if (vm.HasExited || !vm.ProcessName.StartsWith("beam", StringComparison.Ordinal))
                    break;
            }
            catch (ArgumentException)
            {
                break; // gone
            }
            await Task.Delay(50);
        }
        File.Delete(Path.Combine(_folder!, "rabbitmq.pid"));
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { $"-{signal}", pid.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false });
        kill?.WaitForExit();
    }

    private static string Snapshot(StringWriter output)
    {
        lock (output)
            return output.ToString();
    }
}
