using Pacs.Dicom;

namespace Pacs.Dimse.Tests.Support;

/// <summary>Compares data sets as our reader reads them: same elements, same value bytes, recursively.</summary>
public static class DatasetAssert
{
    /// <summary>Reads everything into memory (no bulk data references), for comparing values byte by byte.</summary>
    public static readonly DicomReadOptions LoadAll = new() { BulkDataThresholdBytes = long.MaxValue };

    /// <summary>Data Set Trailing Padding (FFFC,FFFC), which PS3.10 7.2 lets any writer drop.</summary>
    private static readonly DicomTag TrailingPadding = new(0xFFFCFFFC);

    private static bool Compared(DicomElement e) => !e.Tag.IsGroupLength && e.Tag != TrailingPadding;

    /// <summary>
    /// Asserts both hold the same elements with the same values. Group lengths and trailing padding are skipped (writers
    /// may drop or add them, PS3.5 7.2, PS3.10 7.2); VRs are compared only when <paramref name="compareVR"/> (an implicit VR side infers them).
    /// </summary>
    public static void Equivalent(DicomDataset expected, DicomDataset actual, bool compareVR, string where = "")
    {
        var left = expected.Elements.Where(Compared).ToList();
        var right = actual.Elements.Where(Compared).ToList();
        Assert.True(left.Select(e => e.Tag).SequenceEqual(right.Select(e => e.Tag)),
            $"{where}: tags differ.\nexpected: {string.Join(' ', left.Select(e => e.Tag))}\nactual:   {string.Join(' ', right.Select(e => e.Tag))}");
        for (var i = 0; i < left.Count; i++)
        {
            var (a, b) = (left[i], right[i]);
            var path = $"{where}/{a.Tag}";
            // PS3.5 A.4: encapsulated pixel data is OB; writers correct sources that said OW.
            if (compareVR && !(a is DicomFragmentSequence && b is DicomFragmentSequence))
            {
                Assert.True(a.VR == b.VR, $"{path}: VR {a.VR} vs {b.VR}");
            }

            switch (a)
            {
                case DicomSequence sa:
                    var sb = Assert.IsType<DicomSequence>(b);
                    Assert.True(sa.Items.Count == sb.Items.Count, $"{path}: {sa.Items.Count} vs {sb.Items.Count} items");
                    for (var j = 0; j < sa.Items.Count; j++)
                    {
                        Equivalent(sa.Items[j], sb.Items[j], compareVR, $"{path}[{j}]");
                    }

                    break;
                case DicomFragmentSequence fa:
                    var fb = Assert.IsType<DicomFragmentSequence>(b);
                    Assert.True(fa.OffsetTable.Data.Span.SequenceEqual(fb.OffsetTable.Data.Span), $"{path}: offset tables differ");
                    Assert.True(fa.Fragments.Count == fb.Fragments.Count, $"{path}: {fa.Fragments.Count} vs {fb.Fragments.Count} fragments");
                    for (var j = 0; j < fa.Fragments.Count; j++)
                    {
                        Assert.True(fa.Fragments[j].Data.Span.SequenceEqual(fb.Fragments[j].Data.Span), $"{path}: fragment {j} differs");
                    }

                    break;
                default:
                    var va = a.Value.Span;
                    var vb = b.Value.Span;
                    if (a.VR.IsString() && b.VR.IsString())
                    {
                        // PS3.5 6.2: trailing spaces (NUL for UI) are padding, not value; writers may add or drop them.
                        va = va.TrimEnd((byte)' ').TrimEnd((byte)0);
                        vb = vb.TrimEnd((byte)' ').TrimEnd((byte)0);
                    }

                    Assert.True(va.SequenceEqual(vb), $"{path}: values differ ({a.Value.Length} vs {b.Value.Length} bytes)");
                    break;
            }
        }
    }
}
