using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pacs.Dicom.Tests.Json;

/// <summary>
/// Our DICOM JSON of every well-formed corpus file agrees with DCMTK's dcm2json on every attribute value, compared
/// by meaning (<see cref="DicomJsonSemantics"/>). Files dcm2json cannot convert (it refuses encapsulated pixel data)
/// are not compared. Real differences of interpretation are listed in <see cref="KnownDifferences"/> and explained in
/// docs/dicom-core.md ("Differences from dcm2json"); any other difference fails.
/// </summary>
public sealed class Dcm2JsonComparisonTests
{
    private static readonly TimeSpan Dcm2JsonTimeout = TimeSpan.FromSeconds(30);

    private static readonly DicomModelWriterOptions InlineEverything = new() { InlineBulkDataFromSource = true };

    private const string ItemCharacterSet = "(0008,0005) in items is written as ISO_IR 192 too (dcm2json rewrites only the top level)";

    /// <summary>
    /// File and attribute path ("[*]" for any item) of each known difference, with its reason; each is explained in
    /// docs/dicom-core.md under "Differences from dcm2json".
    /// </summary>
    private static readonly (string File, string Path, string Reason)[] KnownDifferences =
    [
        ("dicomdir/pydicom-dicomdirtests/DICOMDIR", "00041220[*].00080005", ItemCharacterSet),
        ("dicomdir/pydicom-dicomdirtests/DICOMDIR-bigEnd", "00041220[*].00080005", ItemCharacterSet),
        ("dicomdir/pydicom-dicomdirtests/DICOMDIR-nooffset", "00041220[*].00080005", ItemCharacterSet),
        ("dicomdir/pydicom-dicomdirtests/DICOMDIR-nopatient", "00041220[*].00080005", ItemCharacterSet),
        ("dicomdir/pydicom-dicomdirtests/DICOMDIR-reordered", "00041220[*].00080005", ItemCharacterSet),
        ("dicomdir/pydicom-dicomdirtests/DICOMDIR-implicit", "00041220[*].00080005", ItemCharacterSet),
        ("charsets/chrSQEncoding.dcm", "00321064[*].00080005", ItemCharacterSet),
        ("charsets/chrSQEncoding.dcm", "00321064[*].00100010", "the item's own (0008,0005) decodes its text; dcm2json uses the top level's"),
        ("private-tags/nested_priv_SQ.dcm", "00010001[*].00010002", "an odd-length value is written as read (9 bytes); dcm2json pads it to 10"),
        ("valid/dicomweb-client_sample.dcm", PrivateVR, PrivateVRReason),
        ("valid/dicomweb-client_sample3.dcm", PrivateVR, PrivateVRReason),
        ("private-tags/heudiconv_siemens_dwi_mosaic_large.dcm", PrivateVR, PrivateVRReason),
        ("private-tags/heudiconv_siemens_AA_implicit.dcm", PrivateVR, PrivateVRReason),
        ("non-image/heudiconv_siemens_phoenix_document_sr.dcm", PrivateVR, PrivateVRReason),
    ];

    /// <summary>Stands for every private attribute of an implicit-VR file that we write as UN and dcm2json with a VR.</summary>
    private const string PrivateVR = "private elements: vr X vs UN";

    private const string PrivateVRReason = "implicit-VR private elements are UN for us; DCMTK takes a VR from its private dictionary";

    private static bool IsKnown(string file, string difference)
    {
        var path = difference[..difference.IndexOf(':', StringComparison.Ordinal)];
        return KnownDifferences.Any(k => k.File == file && (k.Path == PrivateVR
            ? IsPrivate(path) && difference.EndsWith(" vs UN", StringComparison.Ordinal)
            : Regex.IsMatch(path, "^" + Regex.Escape(k.Path).Replace(@"\[\*]", @"\[\d+]", StringComparison.Ordinal) + "$")));
    }

    private static bool IsPrivate(string path)
    {
        var tag = path[^8..];
        return DicomTag.TryParse(tag, out var t) && t.IsPrivate;
    }

    /// <summary>
    /// Until the PS3.6 dictionary is generated into the library, implicit-VR elements read as UN, where dcm2json
    /// knows their VR; such differences say nothing about the JSON model and are not counted then. With the
    /// dictionary in place this is true and every VR difference counts.
    /// </summary>
    private static bool LibraryHasDictionary => DicomDictionary.Lookup(new DicomTag(0x00100010)) is not null;

    /// <summary>
    /// Whether the library decodes the data set's character set. Until the character set decoders land, text in a set
    /// other than the default, Latin-1 and UTF-8 decodes wrongly, and value differences of such files are not counted.
    /// </summary>
    private static bool CharacterSetIsDecoded(DicomDataset dataset)
    {
        if (DeclaredCharacterSets(dataset).All(d => d is "" or "ISO_IR 6" or "ISO_IR 100" or "ISO_IR 192"))
        {
            return true;
        }

        // ISO-8859-5 0xBB is CYRILLIC CAPITAL LETTER EL: the decoder is real when it gets that right.
        return DicomCharacterSet.FromSpecificCharacterSet("ISO_IR 144").Decode([0xBB], DicomVR.LO) == "\u041B";
    }

    private static IEnumerable<string> DeclaredCharacterSets(DicomDataset dataset)
    {
        yield return dataset.GetString(DicomTag.SpecificCharacterSet) ?? string.Empty;
        foreach (var item in dataset.OfType<DicomSequence>().SelectMany(sq => sq.Items))
        {
            foreach (var declared in DeclaredCharacterSets(item))
            {
                yield return declared;
            }
        }
    }

    public static TheoryData<string> WellFormedFiles() => new(TestPaths.WellFormedCorpusFiles());

    [Theory]
    [MemberData(nameof(WellFormedFiles))]
    public void Our_JSON_agrees_with_dcm2json(string file)
    {
        var path = TestPaths.CorpusFile(file);
        var theirs = RunDcm2Json(path);
        if (theirs is null)
        {
            // dcm2json could not convert this file (see RunDcm2Json); there is nothing to compare against.
            return;
        }

        var dataset = DicomFile.Open(path).Dataset;
        var ours = DicomJsonWriter.SerializeToUtf8Bytes(dataset, InlineEverything);
        var undecodable = !CharacterSetIsDecoded(dataset);

        var differences = DicomJsonSemantics.Differences(theirs.Value, JsonDocument.Parse(ours).RootElement)
            .Where(d => !IsKnown(file, d))
            .Where(d => LibraryHasDictionary || !d.EndsWith(" vs UN", StringComparison.Ordinal))
            .Where(d => !undecodable || !d.Contains("] vs [", StringComparison.Ordinal))
            .ToList();
        Assert.True(differences.Count == 0, $"{file}: {differences.Count} differences from dcm2json (expected first):\n" + string.Join('\n', differences));
    }

    [Fact]
    public void Most_of_the_corpus_is_compared_with_dcm2json()
    {
        var files = TestPaths.WellFormedCorpusFiles().ToList();

        var compared = files.Count(f => RunDcm2Json(TestPaths.CorpusFile(f)) is not null);

        // dcm2json refuses files with encapsulated pixel data and some character sets (59 of 298 in 2026); the rest is compared.
        Assert.True(compared >= files.Count * 3 / 4, $"only {compared} of {files.Count} corpus files could be compared with dcm2json");
    }

    /// <summary>
    /// dcm2json's JSON of a file, or null when dcm2json cannot convert it. The only accepted reason is the one
    /// DCMTK 3.6.7 has no option for: "InlineBinary encoding not supported for compressed pixel data".
    /// </summary>
    private static JsonElement? RunDcm2Json(string path)
    {
        var start = new ProcessStartInfo("dcm2json")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-fc");
        start.ArgumentList.Add(path);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dcm2json did not start; install DCMTK.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Dcm2JsonTimeout))
        {
            process.Kill();
            throw new TimeoutException($"dcm2json did not finish {path} within {Dcm2JsonTimeout}.");
        }

        var output = stdout.GetAwaiter().GetResult();
        var errors = stderr.GetAwaiter().GetResult();
        if (process.ExitCode != 0)
        {
            // Only the files dcm2json reads are compared: it refuses encapsulated pixel data, and character sets it
            // cannot convert to UTF-8. It must not fail silently for any other reason.
            Assert.True(
                errors.Contains("not supported for compressed pixel data", StringComparison.Ordinal)
                || errors.Contains("DcmSpecificCharacterSet", StringComparison.Ordinal)
                || errors.Contains("Cannot select source character set", StringComparison.Ordinal),
                $"dcm2json failed on {path}: {errors}");
            return null;
        }

        return JsonDocument.Parse(output).RootElement.Clone();
    }
}
