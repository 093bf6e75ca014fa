using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Pacs.Dicom.Tests;
using Pacs.Server.Tests.Support;
using Pacs.Testing;
using Xunit.Abstractions;

namespace Pacs.Server.Tests.EndToEnd;

/// <summary>
/// The whole corpus outside malformed/ goes in by STOW-RS (issue 3, section 5): every composite object that is a PS3.10
/// file and carries its identifying UIDs comes back by WADO-RS byte-identical, and what is refused (exactly the files
/// listed here, and under the strict policy the defective ones) is refused with a reason that names the defect. MANIFEST.tsv decides what
/// each file is: a composite object has a storage SOP Class (PS3.4 B.5, 1.2.840.10008.5.1.4.…); DICOMDIRs, the worklist
/// entries and query identifiers of dimse/ and a bare data set fragment are not, and are refused whatever the policy.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class CorpusRoundTripTests(ITestOutputHelper output, ServerPeers peers)
{
    /// <summary>PS3.4 B.5: the Storage SOP Classes of composite objects.</summary>
    private const string StorageSopClassRoot = "1.2.840.10008.5.1.4.";

    /// <summary>
    /// Composite objects of the corpus that are not PS3.10 files (no preamble, no File Meta Information): an
    /// application/dicom body is a PS3.10 file (PS3.18 8.7.3.1), so they are refused under either policy, naming that.
    /// </summary>
    private static readonly Dictionary<string, string> NotPart10Files = new(StringComparer.Ordinal)
    {
        ["non-image/ExplVR_BigEndNoMeta.dcm"] = "File Meta Information",
        ["non-image/ExplVR_LitEndNoMeta.dcm"] = "File Meta Information",
        ["non-image/rtstruct.dcm"] = "File Meta Information",
        ["pixel-formats/OT-PAL-8-face.dcm"] = "File Meta Information",
    };

    /// <summary>
    /// Files MANIFEST.tsv lists under a storage SOP Class that lack an attribute the archive identifies every object by
    /// (SOP Class, SOP Instance, Study and Series Instance UID, Type 1; PS3.18 addresses an instance through its study
    /// and series), refused under either policy with 0xA900 naming it: test fragments of a few elements (the character
    /// set and private sequence samples), codec samples written without a study, and the two Color Palettes, whose IOD
    /// (PS3.3 A.58) has no study or series at all, so a studies-based archive has nowhere to put them.
    /// </summary>
    private static readonly Dictionary<string, string> UnidentifiedObjects = new(StringComparer.Ordinal)
    {
        ["charsets/chrSQEncoding.dcm"] = "SOP Class UID (0008,0016) is missing",
        ["charsets/chrSQEncoding1.dcm"] = "SOP Class UID (0008,0016) is missing",
        ["private-tags/UN_sequence.dcm"] = "SOP Class UID (0008,0016) is missing",
        ["private-tags/priv_SQ.dcm"] = "SOP Class UID (0008,0016) is missing",
        ["non-image/palette_hotiron.dcm"] = "Study Instance UID (0020,000D) is missing",
        ["non-image/palette_pet.dcm"] = "Study Instance UID (0020,000D) is missing",
        ["transfer-syntaxes/HTJ2KLossless_08_RGB.dcm"] = "Study Instance UID (0020,000D) is missing",
        ["transfer-syntaxes/HTJ2K_08_RGB.dcm"] = "Study Instance UID (0020,000D) is missing",
        ["transfer-syntaxes/JLSL_08_07_0_1F.dcm"] = "Study Instance UID (0020,000D) is missing",
        ["transfer-syntaxes/JLSL_16_15_1_1F.dcm"] = "Study Instance UID (0020,000D) is missing",
        ["transfer-syntaxes/JLSL_RGB_ILV0.dcm"] = "SOP Instance UID (0008,0018) is missing",
        ["transfer-syntaxes/JLSL_RGB_ILV1.dcm"] = "SOP Instance UID (0008,0018) is missing",
        ["transfer-syntaxes/JLSL_RGB_ILV2.dcm"] = "SOP Instance UID (0008,0018) is missing",
        ["transfer-syntaxes/JLSN_RGB_ILV0.dcm"] = "SOP Instance UID (0008,0018) is missing",
    };

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Every_composite_corpus_object_is_stored_and_retrieved_byte_identical_when_accepted_as_is(Backend backend)
    {
        // Several corpus files are transcodings of one object under one SOP Instance UID: each replaces the previous.
        await using var server = await peers.StartServerAsync(backend, "--Pacs:Archive:DuplicatePolicy=Replace",
            "--Pacs:Archive:ValidationPolicy=AcceptAsIs");
        var refused = await SendCorpusAsync(server);

        var expected = Corpus().Where(f => !f.IsComposite || NotPart10Files.ContainsKey(f.File) || UnidentifiedObjects.ContainsKey(f.File)).Select(f => f.File);
        Assert.Equal(expected.Order(StringComparer.Ordinal), refused.Keys.Order(StringComparer.Ordinal));
        foreach (var (file, defect) in NotPart10Files.Concat(UnidentifiedObjects))
            Assert.Contains(defect, refused[file], StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Backends.All), MemberType = typeof(Backends))]
    public async Task Under_the_strict_policy_exactly_the_defective_and_non_composite_files_are_refused_each_naming_its_defect(Backend backend)
    {
        await using var server = await peers.StartServerAsync(backend, "--Pacs:Archive:DuplicatePolicy=Replace");
        var refused = await SendCorpusAsync(server);

        var expected = Corpus()
            .Where(f => !f.IsComposite || NotPart10Files.ContainsKey(f.File) || UnidentifiedObjects.ContainsKey(f.File) || StrictlyDefectiveCorpusFiles.Defects.ContainsKey(f.File))
            .Select(f => f.File);
        Assert.Equal(expected.Order(StringComparer.Ordinal), refused.Keys.Order(StringComparer.Ordinal));
        foreach (var (file, defect) in NotPart10Files.Concat(UnidentifiedObjects).Concat(StrictlyDefectiveCorpusFiles.Defects))
            Assert.Contains(defect, refused[file], StringComparison.Ordinal);
    }

    private sealed record CorpusFile(string File, bool IsComposite);

    /// <summary>The files outside malformed/ (and the JSON samples), with what MANIFEST.tsv says they are.</summary>
    private static List<CorpusFile> Corpus()
    {
        var rows = File.ReadLines(Path.Combine(TestPaths.Corpus, "MANIFEST.tsv")).Skip(1).Select(l => l.Split('\t')).Where(c => c.Length > 7)
            .ToDictionary(c => c[0], c => c[7], StringComparer.Ordinal);
        var files = TestPaths.WellFormedCorpusFiles()
            .Select(f => new CorpusFile(f, rows[f].StartsWith(StorageSopClassRoot, StringComparison.Ordinal)))
            .ToList();
        // The corpus as its README describes it: a change in it should be looked at, not absorbed silently.
        Assert.True(files.Count(f => f.IsComposite) >= 260, $"only {files.Count(f => f.IsComposite)} composite objects in the corpus");
        Assert.True(files.Count(f => !f.IsComposite) >= 30, $"only {files.Count(f => !f.IsComposite)} other files in the corpus");
        return files;
    }

    /// <summary>
    /// Sends every file as one application/dicom request; each stored one must come back byte-identical (as stored: a
    /// non-zero preamble is zeroed). Returns the refused files with the reason the server gave (status code, failure
    /// reason, Warning text); a refusal without a reason fails the test.
    /// </summary>
    private async Task<Dictionary<string, string>> SendCorpusAsync(InProcessServer server)
    {
        var refused = new Dictionary<string, string>(StringComparer.Ordinal);
        int stored = 0;
        foreach (var file in Corpus().Select(f => f.File))
        {
            var sent = await File.ReadAllBytesAsync(TestPaths.CorpusFile(file));
            var content = new ByteArrayContent(sent);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/dicom");
            using var stow = await server.Client.PostAsync("studies", content);
            var body = await stow.Content.ReadAsStringAsync();
            // 202: stored with a warning (a preamble zeroed, a Media Storage SOP Instance UID that differs).
            if (stow.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.Accepted))
            {
                Assert.True(stow.StatusCode == HttpStatusCode.Conflict, $"{file}: {(int)stow.StatusCode} {body}");
                using var failed = JsonDocument.Parse(body);
                var reason = failed.RootElement.GetProperty("00081198").GetProperty("Value")[0].GetProperty("00081197").GetProperty("Value")[0].GetInt32();
                Assert.NotEqual(0, reason);
                var why = string.Join(" | ", stow.Headers.TryGetValues("Warning", out var warnings) ? warnings : []);
                Assert.True(why.Length > 20, $"{file} was refused ({reason:X4}) without a reason naming its defect");
                refused[file] = $"{reason:X4} {why}";
                output.WriteLine($"refused {file}: {refused[file]}");
                continue;
            }

            using var json = JsonDocument.Parse(body);
            var retrieveUrl = json.RootElement.GetProperty("00081199").GetProperty("Value")[0].GetProperty("00081190").GetProperty("Value")[0].GetString()!;
            var part = Assert.Single(await server.GetPartsAsync(retrieveUrl, "multipart/related; type=\"application/dicom\"; transfer-syntax=*"));
            Assert.True(DicomWebRoundTripTests.AsStored(sent).AsSpan().SequenceEqual(part.Body), $"{file} came back different");
            stored++;
        }

        output.WriteLine($"{stored} stored, {refused.Count} refused");
        return refused;
    }
}
