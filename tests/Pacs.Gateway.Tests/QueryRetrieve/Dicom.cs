using Pacs.Dicom;

namespace Pacs.Gateway.Tests.QueryRetrieve;

/// <summary>Runs DCMTK's query/retrieve tools against a gateway and reads what they wrote.</summary>
internal static class QueryTools
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>findscu with the keys (<c>-k</c> values); returns the tool's result and the identifiers of the pending responses.</summary>
    public static async Task<(DcmtkResult Result, List<DicomDataset> Matches)> FindAsync(int port, string model, IEnumerable<string> keys, params string[] extra)
    {
        using var folder = new TempFolder();
        var arguments = new List<string> { "-v", "-aet", "FINDSCU", "-aec", QueryRetrieveFixture.GatewayAe, model, "-X", "-od", folder.Path };
        arguments.AddRange(extra);
        foreach (var key in keys)
        {
            arguments.Add("-k");
            arguments.Add(key);
        }

        arguments.AddRange(["127.0.0.1", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        var result = await Dcmtk.RunAsync("findscu", arguments, Timeout);
        var matches = Directory.GetFiles(folder.Path, "rsp*.dcm").Order(StringComparer.Ordinal).Select(f => DicomFile.Open(f).Dataset).ToList();
        return (result, matches);
    }

    /// <summary>The status of the last DIMSE response a tool printed with -d ("0x0000"), or the whole output when there is none.</summary>
    public static string FinalStatus(DcmtkResult result)
    {
        var statuses = System.Text.RegularExpressions.Regex.Matches(result.Output, @"DIMSE Status\s*:\s*(0x[0-9a-f]{4})");
        return statuses.Count == 0 ? result.ToString() : statuses[^1].Groups[1].Value;
    }

    public static List<string> Values(this IEnumerable<DicomDataset> matches, DicomTag tag) =>
        [.. matches.Select(m => m.GetString(tag) ?? string.Empty).Order(StringComparer.Ordinal)];
}
