using System.Diagnostics;

namespace Pacs.Dicom.Tests.Writing;

/// <summary>Runs DCMTK's dcmdump (installed on every machine and in CI) as an independent reader of what we write.</summary>
internal static class Dcmtk
{
    public sealed record Result(int ExitCode, string Output, string Errors);

    public static Result Dump(string path, params string[] options)
    {
        var start = new ProcessStartInfo("dcmdump")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var option in options)
        {
            start.ArgumentList.Add(option);
        }

        start.ArgumentList.Add(path);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dcmdump did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill();
            throw new TimeoutException($"dcmdump {path} did not finish in 60 s");
        }

        return new Result(process.ExitCode, output.GetAwaiter().GetResult(), errors.GetAwaiter().GetResult());
    }

    /// <summary>Dumps a file and asserts DCMTK read it without an error or a warning.</summary>
    public static string DumpClean(string path, params string[] options)
    {
        var result = Dump(path, options);
        Assert.True(result.ExitCode == 0, $"dcmdump exited {result.ExitCode}: {result.Errors}");
        Assert.True(result.Errors.Length == 0, $"dcmdump complained: {result.Errors}");
        return result.Output;
    }
}
