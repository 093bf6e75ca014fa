using Xunit.Abstractions;

namespace Pacs.Dicom.Tests.Writing;

/// <summary>read → write → read over the shared corpus (every file outside malformed/).</summary>
public sealed class CorpusRoundTripTests(ITestOutputHelper output)
{
    [Fact]
    public void Every_corpus_file_reads_back_as_the_same_data_set_after_a_rewrite_in_its_own_syntax()
    {
        var failures = new List<string>();
        foreach (var name in CorpusRewrite.Files())
        {
            var path = TestPaths.CorpusFile(name);
            try
            {
                // Values above 64 KiB stay in the source file: the rewrite copies them from there.
                var source = DicomFile.Open(path);
                var expected = DicomFile.Open(path, CorpusRewrite.LoadEverything);
                var asFile = CorpusRewrite.CanBeFile(source);
                var back = CorpusRewrite.Read(CorpusRewrite.Write(source, source.TransferSyntax), asFile, source.TransferSyntax);

                var differences = DatasetComparer.Differences(expected.Dataset, back.Dataset, compareVR: true);
                if (differences.Count > 0)
                {
                    failures.Add($"{name}: {string.Join("; ", differences.Take(3))}");
                }
                else if (!back.TransferSyntax.Equals(source.TransferSyntax))
                {
                    failures.Add($"{name}: written as {source.TransferSyntax}, read back as {back.TransferSyntax}");
                }
            }
            catch (DicomException ex)
            {
                failures.Add($"{name}: {ex.Message}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} files changed:\n{string.Join("\n", failures)}");
    }

    [Fact]
    public void A_rewrite_in_the_same_syntax_is_byte_identical_unless_a_known_cause_applies()
    {
        var unexplained = new List<string>();
        var identical = 0;
        foreach (var name in CorpusRewrite.Files())
        {
            var path = TestPaths.CorpusFile(name);
            var sourceBytes = File.ReadAllBytes(path);
            var source = DicomFile.Open(path);
            var asFile = CorpusRewrite.CanBeFile(source);
            var written = CorpusRewrite.Write(source, source.TransferSyntax);
            var back = CorpusRewrite.Read(written, asFile, source.TransferSyntax);

            // The meta group is rebuilt (our Implementation Class UID and Version Name, a recomputed group length), so the
            // bytes compared are the data set's; the meta elements we keep are compared one by one.
            var sameBody = sourceBytes.AsSpan((int)source.DatasetOffset).SequenceEqual(CorpusRewrite.Body(written, asFile));
            var sameMeta = !asFile || source.FileMetaInformation.Elements
                .Where(e => e.Tag.Element is not (0x0000 or 0x0012 or 0x0013))
                .All(e => back.FileMetaInformation.Get(e.Tag) is { } ours && ours.Value.Span.SequenceEqual(e.Value.Span));
            if (sameBody && sameMeta)
            {
                identical++;
                continue;
            }

            var causes = CorpusRewrite.KnownCauses(source, sourceBytes, back);
            output.WriteLine($"{name}: {(causes.Count == 0 ? "NO KNOWN CAUSE" : string.Join("; ", causes))}");
            if (causes.Count == 0)
            {
                unexplained.Add(name);
            }
        }

        output.WriteLine($"{identical} files byte-identical.");
        Assert.True(unexplained.Count == 0, $"Rewritten differently with no known cause: {string.Join(", ", unexplained)}");
        Assert.True(identical > 200, $"Only {identical} corpus files were rewritten byte for byte.");
    }

    [Fact]
    public void Transcoding_round_trips_between_the_uncompressed_syntaxes_keep_the_data_set()
    {
        DicomTransferSyntax[] chain =
        [
            DicomTransferSyntax.ExplicitVRLittleEndian,
            DicomTransferSyntax.ImplicitVRLittleEndian,
            DicomTransferSyntax.ExplicitVRBigEndian,
            DicomTransferSyntax.DeflatedExplicitVRLittleEndian,
            DicomTransferSyntax.ExplicitVRLittleEndian,
        ];
        var failures = new List<string>();
        var tried = 0;
        foreach (var name in CorpusRewrite.Files())
        {
            var path = TestPaths.CorpusFile(name);
            var current = DicomFile.Open(path);
            if (current.TransferSyntax.IsEncapsulated)
            {
                continue;
            }

            tried++;
            var expected = DicomFile.Open(path, CorpusRewrite.LoadEverything);
            var asFile = CorpusRewrite.CanBeFile(current);
            var sourceImplicit = !current.TransferSyntax.IsExplicitVR;
            var throughImplicit = false;
            try
            {
                foreach (var syntax in chain.Append(current.TransferSyntax))
                {
                    current = CorpusRewrite.Read(CorpusRewrite.Write(current, syntax), asFile, syntax);
                    throughImplicit |= !syntax.IsExplicitVR;

                    // Implicit VR drops the VR: after it, VRs come from the dictionary (or UN) and only values are compared.
                    var differences = DatasetComparer.Differences(expected.Dataset, current.Dataset, compareVR: sourceImplicit || !throughImplicit);
                    if (differences.Count > 0)
                    {
                        failures.Add($"{name} after {syntax.Name}: {string.Join("; ", differences.Take(3))}");
                        break;
                    }
                }
            }
            catch (DicomException ex)
            {
                failures.Add($"{name}: {ex.Message}");
            }
        }

        Assert.True(tried > 150, $"Only {tried} corpus files are in an uncompressed syntax.");
        Assert.True(failures.Count == 0, $"{failures.Count} files changed:\n{string.Join("\n", failures)}");
    }
}
