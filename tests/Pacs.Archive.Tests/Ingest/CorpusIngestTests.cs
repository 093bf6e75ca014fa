using Pacs.Archive.Tests.Support;
using Pacs.Dicom;
using Pacs.Testing;
using Xunit.Abstractions;

namespace Pacs.Archive.Tests.Ingest;

/// <summary>The shared corpus goes in and comes back byte-identical; what is refused is refused with a reason and leaves no trace.</summary>
public sealed class CorpusIngestTests(ITestOutputHelper output) : ArchiveTestBase(DatabaseKind.Sqlite)
{
    // Several corpus files are transcodings of one object with one SOP Instance UID: each replaces the previous.
    protected override ArchiveOptions CreateOptions() => new() { DuplicatePolicy = DuplicatePolicy.Replace };

    [Fact]
    public async Task Every_corpus_object_is_stored_and_retrieved_byte_identical_or_refused_with_a_reason()
    {
        string corpus = TestLocations.Corpus;
        var files = Directory.EnumerateFiles(corpus, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(corpus, f).StartsWith("malformed", StringComparison.Ordinal))
            .Where(f => Path.GetExtension(f) is ".dcm" or "" && Path.GetFileName(f) != "DICOMDIR")
            .Order(StringComparer.Ordinal)
            .ToList();
        int stored = 0, refused = 0, framesChecked = 0;
        foreach (string path in files)
        {
            byte[] sent = await File.ReadAllBytesAsync(path);
            var result = await IngestAsync(sent);
            string name = Path.GetRelativePath(corpus, path);
            if (!result.Succeeded)
            {
                refused++;
                Assert.NotNull(result.FailureReason);
                Assert.False(string.IsNullOrEmpty(result.FailureDescription), name);
                output.WriteLine($"refused {name}: {result.FailureReason:X4} {result.FailureDescription}");
                continue;
            }
            if (result.Outcome == IngestOutcome.AlreadyStored)
                continue;
            stored++;
            var instance = Assert.Single(await Archive.Retrieve.FindInstancesAsync(result.StudyInstanceUid!, result.SeriesInstanceUid, result.SopInstanceUid));
            byte[] expected = (byte[])sent.Clone();
            if (expected.Length >= 132 && expected.AsSpan(128, 4).SequenceEqual("DICM"u8))
                expected.AsSpan(0, 128).Clear();
            byte[] back = await ReadStoredAsync(instance);
            Assert.True(expected.AsSpan().SequenceEqual(back), $"{name} came back different");
            framesChecked += await CheckFramesAsync(path, instance, name);
        }
        output.WriteLine($"{stored} stored, {refused} refused of {files.Count}; frames of {framesChecked} compared");
        Assert.True(framesChecked > 50, $"frames of only {framesChecked} objects compared");
        Assert.True(stored >= files.Count * 3 / 4, $"only {stored} of {files.Count} corpus files were stored");
        // Refusals left nothing: every blob belongs to a stored instance.
        Assert.Equal(stored, (await Archive.BlobNamesAsync()).Count);
        await using var db = Archive.Database.CreateContext();
        Assert.Equal(stored, db.Instances.Count(i => i.Status == InstanceStatus.Created || i.Status == InstanceStatus.Replaced));
    }

    [Fact]
    public async Task Names_in_any_character_set_come_back_from_a_query_as_the_DICOM_core_decodes_them()
    {
        int compared = 0;
        foreach (string path in Directory.EnumerateFiles(Path.Combine(TestLocations.Corpus, "charsets"), "*.dcm").Order(StringComparer.Ordinal))
        {
            var result = await IngestAsync(await File.ReadAllBytesAsync(path));
            if (result.Outcome != IngestOutcome.Stored)
                continue;
            string? expected = DicomFile.Open(path).Dataset.GetString(DicomTag.PatientName);
            var match = Assert.Single((await Archive.Query.QueryAsync(new QidoQuery
            {
                Level = QueryLevel.Instance,
                Conditions = [MatchCondition.Single(DicomTag.SOPInstanceUID, result.SopInstanceUid!)],
            })).Matches);
            Assert.Equal(expected ?? "", match.GetString(DicomTag.PatientName) ?? "");
            if (!string.IsNullOrEmpty(expected) && !expected.All(char.IsAscii))
                compared++;
        }
        Assert.True(compared >= 5, $"only {compared} non-ASCII names compared");
    }

    /// <summary>The first and last frame as retrieved equal what the DICOM core reads from the original file.</summary>
    private async Task<int> CheckFramesAsync(string path, StoredInstance instance, string name)
    {
        DicomPixelData pixels;
        var original = DicomFile.Open(path);
        try
        {
            pixels = DicomPixelData.FromDataset(original.Dataset, original.TransferSyntax);
        }
        catch (DicomException)
        {
            return 0;
        }
        foreach (int index in new[] { 0, pixels.NumberOfFrames - 1 }.Distinct())
        {
            byte[] expected;
            try
            {
                expected = pixels.ReadFrame(index);
            }
            catch (DicomException)
            {
                continue;
            }
            byte[] actual = await Archive.Retrieve.ReadFrameAsync(instance, index + 1);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{name} frame {index + 1} differs");
        }
        return 1;
    }

    [Fact]
    public async Task Malformed_corpus_objects_that_are_refused_leave_no_trace()
    {
        string folder = Path.Combine(TestLocations.Corpus, "malformed");
        int refused = 0, stored = 0;
        foreach (string path in Directory.EnumerateFiles(folder, "*.dcm", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var result = await IngestAsync(await File.ReadAllBytesAsync(path));
            if (result.Succeeded)
            {
                stored++;
                output.WriteLine($"stored (read leniently) {Path.GetRelativePath(folder, path)}");
            }
            else
            {
                refused++;
                Assert.False(string.IsNullOrEmpty(result.FailureDescription));
                output.WriteLine($"refused {Path.GetRelativePath(folder, path)}: {result.FailureReason:X4} {result.FailureDescription}");
            }
        }
        Assert.True(refused > 0, "no malformed corpus object was refused");
        Assert.Equal(stored, (await Archive.BlobNamesAsync()).Count);
        Assert.Equal(stored, (await Archive.CountRowsAsync()).Instances);
    }
}
