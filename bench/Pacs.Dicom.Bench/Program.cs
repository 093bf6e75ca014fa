using BenchmarkDotNet.Running;

namespace Pacs.Dicom.Bench;

/// <summary>
/// Ways in: `headers …` is the plain timed loop that bench/dicom-parse.sh runs over a folder of files; `jpeg-prepare`
/// and `jpeg-decode` are the .NET halves of bench/jpeg-decode.sh;
/// anything else goes to BenchmarkDotNet (e.g. `-- --filter '*Header*'`).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "headers")
        {
            return HeaderParseRun.Run(args[1..], Console.Out, Console.Error);
        }

        if (args.Length > 0 && args[0] == "breakdown")
        {
            return HeaderParseBreakdown.Run(args[1..], Console.Out, Console.Error);
        }

        if (args.Length > 0 && args[0] == "jpeg-prepare")
        {
            return JpegDecodeRun.Prepare(args[1..], Console.Out, Console.Error);
        }

        if (args.Length > 0 && args[0] == "jpeg-decode")
        {
            return JpegDecodeRun.Decode(args[1..], Console.Out, Console.Error);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
