using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Pacs.Testing;

/// <summary>The outcome of a DCMTK tool run to completion.</summary>
public sealed record DcmtkResult(int ExitCode, string Output)
{
    public override string ToString() => $"exit {ExitCode}\n{Output}";
}

/// <summary>
/// Runs DCMTK's network tools as real peers: always with TCP_NODELAY=1 (Debian's build leaves Nagle on otherwise,
/// ../shared/PEERS.md), on loopback, bounded in time, and stopped by PID.
/// </summary>
public static class Dcmtk
{
    /// <summary>Runs a tool to completion; kills it (by PID, with its children) when it exceeds <paramref name="timeout"/>.</summary>
    public static async Task<DcmtkResult> RunAsync(string tool, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null)
    {
        using var process = Start(tool, arguments, workingDirectory, out var output);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"{tool} did not finish within {timeout.TotalSeconds} s. Output so far:\n{output}");
        }

        process.WaitForExit();
        lock (output)
        {
            return new DcmtkResult(process.ExitCode, output.ToString());
        }
    }

    /// <summary>Starts a long-running tool (an SCP); dispose the handle to stop it.</summary>
    public static DcmtkProcess StartServer(string tool, IEnumerable<string> arguments, int port, string? workingDirectory = null)
    {
        var process = Start(tool, arguments, workingDirectory, out var output);
        var handle = new DcmtkProcess(process, output);

        // Ready once the port accepts connections (bounded; a tool that fails to start shows its output).
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                probe.Connect("127.0.0.1", port);
                return handle;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                Thread.Sleep(20);
            }
            catch (SocketException)
            {
                handle.Dispose();
                throw new InvalidOperationException($"{tool} did not start listening on {port}:\n{output}");
            }
        }
    }

    private static Process Start(string tool, IEnumerable<string> arguments, string? workingDirectory, out StringBuilder output)
    {
        var info = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["TCP_NODELAY"] = "1";
        var buffer = new StringBuilder();
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (buffer)
                {
                    buffer.AppendLine(e.Data);
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (buffer)
                {
                    buffer.AppendLine(e.Data);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        output = buffer;
        return process;
    }
}

/// <summary>A running DCMTK process, killed (by PID) on dispose.</summary>
public sealed class DcmtkProcess(Process process, StringBuilder output) : IDisposable
{
    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }

        process.Dispose();
    }
}
