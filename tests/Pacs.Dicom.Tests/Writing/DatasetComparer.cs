namespace Pacs.Dicom.Tests.Writing;

/// <summary>
/// Compares two data sets as the writer promises to keep them: the same elements in the same order with the same value
/// bytes (odd values compared with their padding), the same sequence and fragment structure. Group lengths and trailing
/// padding are left out (the writer recomputes the first and drops the second).
/// </summary>
internal static class DatasetComparer
{
    /// <param name="compareVR">False after a trip through Implicit VR, where the VR comes back from the dictionary.</param>
    public static List<string> Differences(DicomDataset expected, DicomDataset actual, bool compareVR)
    {
        var differences = new List<string>();
        Compare(expected, actual, compareVR, "", differences);
        return differences;
    }

    public static void AssertEqual(DicomDataset expected, DicomDataset actual, bool compareVR, string context)
    {
        var differences = Differences(expected, actual, compareVR);
        Assert.True(differences.Count == 0, $"{context}: {differences.Count} differences, first: {string.Join("; ", differences.Take(5))}");
    }

    private static void Compare(DicomDataset expected, DicomDataset actual, bool compareVR, string path, List<string> differences)
    {
        var left = Comparable(expected);
        var right = Comparable(actual);
        var i = 0;
        var j = 0;
        while (i < left.Count || j < right.Count)
        {
            if (differences.Count > 20)
            {
                return;
            }

            if (j >= right.Count || (i < left.Count && left[i].Tag < right[j].Tag))
            {
                differences.Add($"{path}{left[i].Tag} missing after the round trip");
                i++;
                continue;
            }

            if (i >= left.Count || right[j].Tag < left[i].Tag)
            {
                differences.Add($"{path}{right[j].Tag} appeared in the round trip");
                j++;
                continue;
            }

            CompareElement(left[i], right[j], compareVR, path, differences);
            i++;
            j++;
        }
    }

    private static void CompareElement(DicomElement a, DicomElement b, bool compareVR, string path, List<string> differences)
    {
        var where = $"{path}{a.Tag}";
        if (compareVR && Normal(a.VR) != Normal(b.VR))
        {
            differences.Add($"{where} VR {a.VR.Code()} became {b.VR.Code()}");
        }

        switch (a, b)
        {
            case (DicomSequence sa, DicomSequence sb):
                if (sa.Items.Count != sb.Items.Count)
                {
                    differences.Add($"{where} has {sa.Items.Count} items, then {sb.Items.Count}");
                    return;
                }

                for (var k = 0; k < sa.Items.Count; k++)
                {
                    Compare(sa.Items[k], sb.Items[k], compareVR, $"{where}[{k}].", differences);
                }

                return;
            case (DicomFragmentSequence fa, DicomFragmentSequence fb):
                if (!Padded(Bytes(fa.OffsetTable)).SequenceEqual(Padded(Bytes(fb.OffsetTable))))
                {
                    differences.Add($"{where} Basic Offset Table differs");
                }

                if (fa.Fragments.Count != fb.Fragments.Count)
                {
                    differences.Add($"{where} has {fa.Fragments.Count} fragments, then {fb.Fragments.Count}");
                    return;
                }

                for (var k = 0; k < fa.Fragments.Count; k++)
                {
                    if (!Padded(Bytes(fa.Fragments[k])).SequenceEqual(Padded(Bytes(fb.Fragments[k]))))
                    {
                        differences.Add($"{where} fragment {k} differs");
                    }
                }

                return;
            case (DicomSequence sa, _) when !compareVR && b is not DicomSequence && b is not DicomFragmentSequence:
                // Through Implicit VR a sequence whose tag the dictionary lacks comes back as UN bytes: the sequence
                // encoded in Implicit VR Little Endian (PS3.5 6.2.2). Compare it in that form.
                if (!ImplicitEncoding(sa).AsSpan().SequenceEqual(Padded(Bytes(b))))
                {
                    differences.Add($"{where} sequence came back as {b.VR.Code()} bytes that are not its implicit VR encoding");
                }

                return;
            case (DicomSequence or DicomFragmentSequence, _):
            case (_, DicomSequence or DicomFragmentSequence):
                differences.Add($"{where} was {a.GetType().Name}, then {b.GetType().Name}");
                return;
            default:
                var va = Padded(Bytes(a), a.VR.PaddingByte());
                var vb = Padded(Bytes(b), a.VR.PaddingByte());
                if (!va.SequenceEqual(vb))
                {
                    differences.Add($"{where} value differs ({va.Length} vs {vb.Length} bytes)");
                }

                return;
        }
    }

    private static List<DicomElement> Comparable(DicomDataset dataset) =>
        dataset.Elements.Where(e => !e.Tag.IsGroupLength && e.Tag.Value != 0xFFFCFFFC).ToList();

    private static DicomVR Normal(DicomVR vr) => vr == DicomVR.None ? DicomVR.UN : vr;

    public static byte[] Bytes(DicomElement element) =>
        element.BulkData is { } bulk ? Load(bulk) : element.Value.ToArray();

    private static byte[] Bytes(DicomFragment fragment) =>
        fragment.BulkData is { } bulk ? Load(bulk) : fragment.Data.ToArray();

    private static byte[] Load(DicomBulkDataReference bulk)
    {
        Assert.NotNull(bulk.Source);
        using var stream = bulk.Source!.OpenRange(bulk.Offset, bulk.Length);
        var bytes = new byte[bulk.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    private static byte[] Padded(byte[] bytes, byte padding = 0)
    {
        if ((bytes.Length & 1) == 0)
        {
            return bytes;
        }

        var padded = new byte[bytes.Length + 1];
        bytes.CopyTo(padded, 0);
        padded[^1] = padding;
        return padded;
    }

    private static byte[] ImplicitEncoding(DicomSequence sequence)
    {
        var holder = new DicomDataset();
        holder.Set(new DicomSequence(sequence.Tag, sequence.Items.Select(item => item.Clone()), undefinedLength: sequence.UndefinedLength));
        using var stream = new MemoryStream();
        DicomWriter.WriteDataset(stream, holder, DicomTransferSyntax.ImplicitVRLittleEndian);
        return stream.ToArray()[8..];
    }
}
