namespace Pacs.Dicom.Bench;

/// <summary>The files a run measures: every *.dcm under a folder, or the paths listed one per line in a text file.</summary>
internal static class BenchFiles
{
    /// <summary>Where bench/dicom-parse.sh caches its generated CT series unless PACS_BENCH_DATA says otherwise.</summary>
    public const string DefaultDataFolder = "/tmp/pacs-bench/ct1000";

    public static string DataFolder
    {
        get
        {
            var folder = Environment.GetEnvironmentVariable("PACS_BENCH_DATA");
            return string.IsNullOrEmpty(folder) ? DefaultDataFolder : folder;
        }
    }

    public static List<string> Expand(string folderOrList)
    {
        List<string> files;
        if (Directory.Exists(folderOrList))
        {
            files = [.. Directory.EnumerateFiles(folderOrList, "*.dcm", SearchOption.AllDirectories)];
        }
        else if (File.Exists(folderOrList))
        {
            files = [.. File.ReadAllLines(folderOrList).Where(line => line.Length > 0)];
        }
        else
        {
            throw new FileNotFoundException($"No folder or file list at '{folderOrList}'. Run bench/dicom-parse.sh once to generate the data.");
        }

        // The same order as the script hands to dcmdump and pydicom.
        files.Sort(StringComparer.Ordinal);
        return files;
    }

    /// <summary>The first CT file of the generated series, for the single-file BenchmarkDotNet cases.</summary>
    public static string FirstFile()
    {
        var folder = DataFolder;
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"No benchmark data at '{folder}'. Run bench/dicom-parse.sh once (it generates the CT series), or set PACS_BENCH_DATA.");
        }

        var files = Expand(folder);
        return files.Count > 0 ? files[0] : throw new FileNotFoundException($"No *.dcm file under '{folder}'.");
    }
}
