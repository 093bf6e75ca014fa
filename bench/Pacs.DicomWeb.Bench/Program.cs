// The load client of bench/dicomweb-orthanc.sh (see docs/benchmarks.md): one process drives a DICOMweb server the same
// way whichever server it is, so the two sides of the comparison differ only in the server.
//   stow    --url BASE --list FILES.txt [--concurrency 4] [--per-request 1] [--pid SERVER_PID] [--progress]
//   latency --target NAME=BASE [--target NAME=BASE ...] --requests REQUESTS.tsv [--rounds 5] [--warmup 1]
using Pacs.DicomWeb.Bench;

if (args.Length == 0)
{
    Console.Error.WriteLine("usage: Pacs.DicomWeb.Bench stow|latency --option value ... (see Program.cs)");
    return 2;
}
try
{
    var options = new Options(args.Skip(1));
    return args[0] switch
    {
        "stow" => await StowRun.RunAsync(options),
        "latency" => await LatencyRun.RunAsync(options),
        _ => throw new ArgumentException($"unknown command '{args[0]}'"),
    };
}
catch (ArgumentException e)
{
    Console.Error.WriteLine("Pacs.DicomWeb.Bench: " + e.Message);
    return 2;
}
