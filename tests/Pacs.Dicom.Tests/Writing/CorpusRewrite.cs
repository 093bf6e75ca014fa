using System.Buffers.Binary;
using System.Text;

namespace Pacs.Dicom.Tests.Writing;

/// <summary>Reading, rewriting and reading back the shared corpus files.</summary>
internal static class CorpusRewrite
{
    public static readonly DicomReadOptions LoadEverything = new() { BulkDataThresholdBytes = long.MaxValue };

    /// <summary>The DICOM files of the corpus outside malformed/ (the JSON samples are not DICOM).</summary>
    public static List<string> Files()
    {
        var files = TestPaths.WellFormedCorpusFiles().Where(f => !f.EndsWith(".json", StringComparison.Ordinal)).ToList();
        Assert.True(files.Count > 250, $"The corpus lists only {files.Count} well-formed DICOM files; it should have about 280.");
        return files;
    }

    /// <summary>PS3.10 requires the SOP UIDs in the meta group; objects without them (C-FIND identifiers) are written bare.</summary>
    public static bool CanBeFile(DicomFile file) =>
        HasValue(file.Dataset, new DicomTag(0x0008, 0x0016), file.FileMetaInformation, new DicomTag(0x0002, 0x0002))
        && HasValue(file.Dataset, new DicomTag(0x0008, 0x0018), file.FileMetaInformation, new DicomTag(0x0002, 0x0003));

    public static byte[] Write(DicomFile file, DicomTransferSyntax syntax)
    {
        using var stream = new MemoryStream();
        if (CanBeFile(file))
        {
            file.Write(stream, new DicomWriteOptions { TransferSyntax = syntax });
        }
        else
        {
            DicomWriter.WriteDataset(stream, file.Dataset, syntax);
        }

        return stream.ToArray();
    }

    /// <summary>Reads what <see cref="Write"/> produced, loading every value.</summary>
    public static DicomFile Read(byte[] bytes, bool asFile, DicomTransferSyntax syntax)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return asFile
            ? DicomFile.Read(stream, LoadEverything)
            : new DicomFile(new DicomDataset(), DicomFile.ReadDataset(stream, syntax, LoadEverything)) { TransferSyntax = syntax };
    }

    /// <summary>The bytes after the meta group of a file we wrote (all of them for a bare data set).</summary>
    public static ReadOnlySpan<byte> Body(byte[] written, bool asFile) =>
        asFile ? written.AsSpan(132 + 12 + (int)BinaryPrimitives.ReadUInt32LittleEndian(written.AsSpan(140))) : written;

    private static bool HasValue(DicomDataset dataset, DicomTag tag, DicomDataset meta, DicomTag metaTag) =>
        dataset.Get(tag) is { Length: > 0 } || meta.Get(metaTag) is { Length: > 0 };

    /// <summary>
    /// Why a rewrite in the same syntax may differ from the source bytes: each cause found in the source, compared with
    /// what we wrote and read back. Empty when the source is one the writer should reproduce byte for byte.
    /// </summary>
    public static List<string> KnownCauses(DicomFile source, byte[] sourceBytes, DicomFile rewritten)
    {
        var causes = new List<string>();
        if (source.Dataset.Contains(WritingSamples.TrailingPadding))
        {
            causes.Add("Data Set Trailing Padding (FFFC,FFFC) is dropped");
        }

        if (source.TransferSyntax.IsDeflated)
        {
            causes.Add("the deflated stream is compressed anew");
        }

        foreach (var warning in source.Warnings)
        {
            causes.Add("the reader repaired a defect: " + warning);
        }

        WalkGroupLengths(source.Dataset, rewritten.Dataset, "", causes);
        if (!source.TransferSyntax.IsDeflated && source.TransferSyntax.IsExplicitVR)
        {
            WalkUnSequences(source.Dataset, sourceBytes, causes);
        }

        if (source.Dataset.Get(WritingSamples.PixelData) is DicomFragmentSequence fragments && fragments.Fragments.Any(f => (f.Length & 1) != 0))
        {
            causes.Add("an odd-length fragment is padded to even length");
        }

        if (source.Dataset.Get(new DicomTag(0x0008, 0x0018)) is { } instance && source.FileMetaInformation.Get(new DicomTag(0x0002, 0x0003)) is { } metaInstance
            && Trim(instance.Value) != Trim(metaInstance.Value))
        {
            causes.Add("Media Storage SOP Instance UID (0002,0003) differed from SOP Instance UID (0008,0018); the data set's is written");
        }

        if (source.FileMetaInformation.Get(new DicomTag(0x0002, 0x0001)) is { } version && !version.Value.Span.SequenceEqual(new byte[] { 0, 1 }))
        {
            causes.Add($"File Meta Information Version (0002,0001) was {Convert.ToHexString(version.Value.Span)}; 0001 is written (PS3.10 7.1)");
        }

        return causes;
    }

    private static void WalkGroupLengths(DicomDataset source, DicomDataset rewritten, string path, List<string> causes)
    {
        foreach (var element in source.Elements)
        {
            if (element.Tag.IsGroupLength && rewritten.Get(element.Tag) is { } ours && !element.Value.Span.SequenceEqual(ours.Value.Span))
            {
                causes.Add($"group length {path}{element.Tag} was {Read32(element)}, the content is {Read32(ours)} bytes");
            }

            if (element is DicomSequence sequence && rewritten.Get(element.Tag) is DicomSequence ourSequence)
            {
                for (var i = 0; i < Math.Min(sequence.Items.Count, ourSequence.Items.Count); i++)
                {
                    WalkGroupLengths(sequence.Items[i], ourSequence.Items[i], $"{path}{element.Tag}[{i}].", causes);
                }
            }
        }
    }

    private static void WalkUnSequences(DicomDataset dataset, byte[] sourceBytes, List<string> causes)
    {
        foreach (var element in dataset.Elements)
        {
            if (element is not DicomSequence sequence)
            {
                continue;
            }

            // The VR sits 8 bytes before the value of a long-form explicit header (PS3.5 7.1.2).
            var vrAt = sequence.ValueOffset - 8;
            if (vrAt >= 0 && vrAt + 2 <= sourceBytes.Length && sourceBytes[vrAt] == 'U' && sourceBytes[vrAt + 1] == 'N')
            {
                causes.Add($"{sequence.Tag} was a UN element holding an implicit VR sequence; it is written as SQ");
            }

            foreach (var item in sequence.Items)
            {
                WalkUnSequences(item, sourceBytes, causes);
            }
        }
    }

    private static uint Read32(DicomElement element) =>
        element.Value.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(element.Value.Span) : 0;

    private static string Trim(ReadOnlyMemory<byte> value) => Encoding.ASCII.GetString(value.Span).TrimEnd('\0', ' ');
}
