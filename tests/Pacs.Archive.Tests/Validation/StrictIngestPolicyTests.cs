using Pacs.Archive.Tests.Support;
using Pacs.Testing;
using Xunit.Abstractions;

namespace Pacs.Archive.Tests.Validation;

/// <summary>
/// The strict ingest policy (the default) over the shared corpus: every file of malformed/ is refused naming its defect
/// and leaves nothing behind, except the synthetic cases CASES.tsv calls valid, which are stored; the conformant corpus
/// outside malformed/ is refused only where it has one of those defects.
/// </summary>
public sealed class StrictIngestPolicyTests(ITestOutputHelper output) : ArchiveTestBase(DatabaseKind.Sqlite)
{
    // Several corpus files are transcodings of one object with one SOP Instance UID.
    protected override ArchiveOptions CreateOptions() => new() { DuplicatePolicy = DuplicatePolicy.Replace };

    /// <summary>The synthetic cases whose expected handling is a plain "accept": valid objects, unusual in form only.</summary>
    public static IReadOnlySet<string> ValidSyntheticCases()
    {
        var folder = Path.Combine(TestLocations.Corpus, "malformed", "synthetic");
        return File.ReadLines(Path.Combine(folder, "CASES.tsv")).Skip(1)
            .Select(line => line.Split('\t'))
            .Where(c => c.Length >= 3 && c[2].Trim() == "accept")
            .Select(c => Path.Combine("malformed", "synthetic", c[0]))
            .ToHashSet(StringComparer.Ordinal);
    }

    [Fact]
    public async Task Every_malformed_corpus_file_is_refused_with_a_reason_naming_its_defect_and_leaves_no_trace()
    {
        var corpus = TestLocations.Corpus;
        var valid = ValidSyntheticCases();
        Assert.Equal(3, valid.Count);
        var files = Directory.EnumerateFiles(Path.Combine(corpus, "malformed"), "*.dcm", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(corpus, f)).Order(StringComparer.Ordinal).ToList();
        Assert.True(files.Count >= 60, $"only {files.Count} malformed files");
        var accepted = new List<string>();
        foreach (var name in files)
        {
            var result = await IngestAsync(await File.ReadAllBytesAsync(Path.Combine(corpus, name)));
            output.WriteLine($"{name}: {(result.Succeeded ? "stored" : $"{result.FailureReason:X4} {result.FailureDescription}")}");
            if (valid.Contains(name))
            {
                Assert.True(result.Succeeded, $"{name} is valid but was refused: {result.FailureDescription}");
                accepted.Add(name);
                continue;
            }

            if (result.Succeeded)
                Assert.Fail($"{name} was stored; the strict policy must refuse it");
            Assert.NotEqual((ushort)0, result.FailureReason ?? 0);
            Assert.True(result.FailureDescription is { Length: > 20 }, $"{name}: no reason named");
        }

        // Only the three valid objects are in the index and the store.
        Assert.Equal(accepted.Count, (await Archive.BlobNamesAsync()).Count);
        await using var db = Archive.Database.CreateContext();
        Assert.Equal(accepted.Count, db.Instances.Count());
    }

    [Fact]
    public async Task The_strict_policy_refuses_only_the_conformant_corpus_files_with_a_known_defect_naming_it()
    {
        var corpus = TestLocations.Corpus;
        var files = Directory.EnumerateFiles(corpus, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(corpus, f).StartsWith("malformed", StringComparison.Ordinal))
            .Where(f => Path.GetExtension(f) is ".dcm" or "" && Path.GetFileName(f) != "DICOMDIR")
            .Order(StringComparer.Ordinal)
            .ToList();
        var refusedByPolicy = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in files)
        {
            var result = await IngestAsync(await File.ReadAllBytesAsync(path));
            if (!result.Succeeded && result.FailureDescription!.StartsWith("Refused by the strict ingest policy", StringComparison.Ordinal))
                refusedByPolicy[Path.GetRelativePath(corpus, path)] = $"{result.FailureReason:X4} {result.FailureDescription}";
        }

        foreach (var (name, why) in refusedByPolicy)
            output.WriteLine($"{name}: {why}");
        Assert.Equal(StrictlyDefectiveCorpusFiles.Defects.Keys.Order(StringComparer.Ordinal), refusedByPolicy.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, defect) in StrictlyDefectiveCorpusFiles.Defects)
            Assert.Contains(defect, refusedByPolicy[name], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_accept_as_is_policy_stores_the_conformant_corpus_files_the_strict_policy_refuses()
    {
        var archive = await CreateBackendAsync(new ArchiveOptions { ValidationPolicy = IngestValidationPolicy.AcceptAsIs, DuplicatePolicy = DuplicatePolicy.Replace });
        await using (archive)
        {
            foreach (var name in StrictlyDefectiveCorpusFiles.Defects.Keys)
            {
                await using var stream = File.OpenRead(Path.Combine(TestLocations.Corpus, name));
                var result = await archive.Ingest.IngestAsync(stream);
                Assert.True(result.Succeeded, $"{name}: {result.FailureDescription}");
            }
        }
    }

    [Fact]
    public async Task The_accept_as_is_policy_stores_what_the_strict_policy_refuses_for_its_content()
    {
        var archive = await CreateBackendAsync(new ArchiveOptions { ValidationPolicy = IngestValidationPolicy.AcceptAsIs });
        await using (archive)
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(TestLocations.Corpus, "malformed", "synthetic", "value_too_long.dcm"));
            var strict = await IngestAsync(bytes);
            Assert.Equal(StoreFailureReasons.DataSetDoesNotMatchSopClass, strict.FailureReason);
            Assert.Contains("PatientID", strict.FailureDescription, StringComparison.Ordinal);
            using var stream = new MemoryStream(bytes);
            var lenient = await archive.Ingest.IngestAsync(stream);
            Assert.Equal(IngestOutcome.Stored, lenient.Outcome);
        }
    }
}
