using System.Security.Cryptography;

namespace Pacs.Dicom.Tests.Json;

/// <summary>
/// A data set as one line per element carrying its meaning, so two data sets that say the same thing compare
/// equal whatever their byte encoding: text as decoded, trimmed values (DS/IS as numbers, PN by component),
/// binary values by their bytes (bulk data read from the source), sequences item by item, encapsulated pixel
/// data as its fragments joined. Group lengths and (0008,0005) are left out: the models drop the first and
/// may rewrite the second.
/// </summary>
internal static class DatasetSemantics
{
    public static List<string> Flatten(DicomDataset dataset, string prefix = "")
    {
        var lines = new List<string>();
        foreach (var element in dataset)
        {
            if (element.Tag.IsGroupLength || element.Tag == DicomTag.SpecificCharacterSet)
            {
                continue;
            }

            var head = $"{prefix}{element.Tag.ToHexString()} {element.VR.Code()}";
            switch (element)
            {
                case DicomSequence sq:
                    lines.Add($"{head} {sq.Items.Count} items");
                    for (var i = 0; i < sq.Items.Count; i++)
                    {
                        lines.AddRange(Flatten(sq.Items[i], $"{prefix}{element.Tag.ToHexString()}[{i}]."));
                    }

                    break;
                case DicomFragmentSequence:
                    lines.Add($"{head} {Digest(DicomModelValues.InlineChunks(element))}");
                    break;
                default:
                    lines.Add($"{head} {Describe(dataset, element)}");
                    break;
            }
        }

        return lines;
    }

    private static string Describe(DicomDataset dataset, DicomElement element)
    {
        if (element.BulkData?.Uri is { } uri)
        {
            return $"BulkDataURI '{uri}'";
        }

        var value = DicomModelValues.LoadValue(element);
        if (!element.VR.IsString())
        {
            return Digest([value]);
        }

        var values = DicomModelValues.GetTextValues(dataset, element, value).Select(v => v switch
        {
            null => "(empty)",
            _ when element.VR is DicomVR.DS or DicomVR.IS && DicomModelValues.TryGetJsonNumber(v, out var number) => number,
            _ when element.VR == DicomVR.PN => DicomPersonName.Parse(v).ToString(),
            _ => v,
        });
        return string.Join(" | ", values);
    }

    private static string Digest(IEnumerable<ReadOnlyMemory<byte>> chunks)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long length = 0;
        foreach (var chunk in chunks)
        {
            hash.AppendData(chunk.Span);
            length += chunk.Length;
        }

        return length <= 16 ? Convert.ToHexString(Flat(chunks)) : $"{length} bytes sha256 {Convert.ToHexString(hash.GetHashAndReset())[..16]}";
    }

    private static byte[] Flat(IEnumerable<ReadOnlyMemory<byte>> chunks) => chunks.SelectMany(c => c.ToArray()).ToArray();
}
