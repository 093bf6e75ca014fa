using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Pacs.Testing;

/// <summary>
/// A real PostgreSQL 15 server for tests: <c>initdb</c> into a temporary folder, started with <c>pg_ctl</c> on
/// 127.0.0.1 on a free port (its socket in the same folder), stopped (by its data folder, so only this server) and
/// deleted on dispose. Run as the <c>postgres</c> user when the tests run as root (PostgreSQL refuses to run as root).
/// Binaries from <c>PACS_POSTGRES_BIN</c> or <c>/usr/lib/postgresql/15/bin</c> (Debian package <c>postgresql</c>);
/// absent binaries fail the fixture loudly.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);
    private string? _folder;
    private string? _dataFolder;
    private int _databaseCounter;

    public int Port { get; private set; }

    public string BinFolder { get; } = Environment.GetEnvironmentVariable("PACS_POSTGRES_BIN") is { Length: > 0 } bin ? bin : "/usr/lib/postgresql/15/bin";

    /// <summary>Connection string of the server's <c>postgres</c> database (superuser, trust authentication).</summary>
    public string AdminConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=false";

    public async Task InitializeAsync()
    {
        string initdb = Path.Combine(BinFolder, "initdb");
        if (!File.Exists(initdb))
            throw new InvalidOperationException($"PostgreSQL is not installed: {initdb} is missing (Debian: apt-get install postgresql, or set PACS_POSTGRES_BIN).");
        _folder = Directory.CreateTempSubdirectory("pacs-pg-").FullName;
        _dataFolder = Path.Combine(_folder, "data");
        bool root = OperatingSystem.IsLinux() && Environment.UserName == "root";
        if (root && OperatingSystem.IsLinux())
        {
            // The postgres user must reach and own the folder (mktemp folders are 0700).
            File.SetUnixFileMode(_folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            await RunAsync("chown", ["postgres:postgres", _folder], asPostgres: false);
        }
        await RunAsync(initdb, ["-D", _dataFolder, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"], root);
        for (int attempt = 1; ; attempt++)
        {
            Port = Testing.FreePort.Next();
            string options = string.Create(CultureInfo.InvariantCulture,
                $"-c listen_addresses=127.0.0.1 -p {Port} -k {_folder} -c max_connections=200");
            var (code, output) = await TryRunAsync(Path.Combine(BinFolder, "pg_ctl"),
                ["-D", _dataFolder, "-l", Path.Combine(_folder, "server.log"), "-o", options, "-w", "-t", "60", "start"], root);
            if (code == 0)
                break;
            if (attempt == 3)
                throw new InvalidOperationException($"PostgreSQL did not start: {output}\n{ReadLog()}");
        }
    }

    /// <summary>Creates a new empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "t")
    {
        string name = $"{prefix}_{Interlocked.Increment(ref _databaseCounter)}_{Guid.NewGuid():N}".ToLowerInvariant();
        if (name.Length > 60)
            name = name[..60];
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        return $"Host=127.0.0.1;Port={Port};Username=postgres;Database={name}";
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_dataFolder is not null && File.Exists(Path.Combine(_dataFolder, "postmaster.pid")))
            await TryRunAsync(Path.Combine(BinFolder, "pg_ctl"), ["-D", _dataFolder, "-m", "immediate", "-w", "stop"], Environment.UserName == "root");
        if (_folder is not null && Directory.Exists(_folder))
            Directory.Delete(_folder, recursive: true);
    }

    private string ReadLog()
    {
        string log = Path.Combine(_folder!, "server.log");
        return File.Exists(log) ? File.ReadAllText(log) : "(no server log)";
    }

    private static async Task RunAsync(string program, string[] args, bool asPostgres)
    {
        var (code, output) = await TryRunAsync(program, args, asPostgres);
        if (code != 0)
            throw new InvalidOperationException($"{Path.GetFileName(program)} failed (exit {code}): {output}");
    }

    private static async Task<(int Code, string Output)> TryRunAsync(string program, string[] args, bool asPostgres)
    {
        var info = new ProcessStartInfo(asPostgres ? "runuser" : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgres)
        {
            foreach (string a in new[] { "-u", "postgres", "--", program })
                info.ArgumentList.Add(a);
        }
        foreach (string a in args)
            info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        using var timeout = new CancellationTokenSource(CommandTimeout);
        // pg_ctl -l sends the server's output to the log file, so the pipes close when pg_ctl exits.
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, ((await stdout) + "\n" + (await stderr)).Trim());
    }
}
