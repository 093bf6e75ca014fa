using System.Reflection;

namespace Pacs.Dicom.Tests.Dictionary;

public sealed class DicomDictionaryTests
{
    [Fact]
    public void PatientName_by_tag_is_PN_VM_1_named_Patients_Name()
    {
        var entry = DicomDictionary.Lookup(new DicomTag(0x0010, 0x0010));

        Assert.NotNull(entry);
        Assert.Equal("PatientName", entry.Keyword);
        Assert.Equal("Patient's Name", entry.Name);
        Assert.Equal(DicomVR.PN, entry.VR);
        Assert.Equal([DicomVR.PN], entry.ValueRepresentations);
        Assert.Equal("1", entry.ValueMultiplicity);
        Assert.False(entry.IsRetired);
        Assert.Equal(0xFFFFFFFFu, entry.Mask);
        Assert.Equal(new DicomTag(0x00100010), entry.Tag);
    }

    [Fact]
    public void PatientName_by_keyword_is_0010_0010()
    {
        Assert.True(DicomDictionary.TryGetTag("PatientName", out var tag));
        Assert.Equal(new DicomTag(0x0010, 0x0010), tag);

        Assert.True(DicomDictionary.TryGetTag("xPatientNamex".AsSpan(1, 11), out var fromSpan));
        Assert.Equal(tag, fromSpan);
    }

    [Fact]
    public void Keywords_are_case_sensitive_and_unknown_ones_are_not_found()
    {
        Assert.False(DicomDictionary.TryGetTag("patientname", out _));
        Assert.False(DicomDictionary.TryGetTag("NoSuchKeyword", out _));
        Assert.False(DicomDictionary.TryGetTag(string.Empty, out _));
    }

    [Fact]
    public void DicomTag_Parse_accepts_keywords_and_numbers_alike()
    {
        Assert.Equal(new DicomTag(0x00100010), DicomTag.Parse("PatientName"));
        Assert.Equal(DicomTag.PatientName, DicomTag.Parse("(0010,0010)"));
        Assert.Equal(new DicomTag(0x7FE00010), DicomTag.Parse("PixelData"));
        Assert.Throws<FormatException>(() => DicomTag.Parse("PatientNam"));
    }

    [Theory]
    [InlineData(0x6000u)]
    [InlineData(0x6002u)]
    [InlineData(0x601Eu)]
    public void Overlay_data_in_any_even_overlay_group_is_OB_or_OW(uint group)
    {
        var entry = DicomDictionary.Lookup(new DicomTag((group << 16) | 0x3000));

        Assert.NotNull(entry);
        Assert.Equal("OverlayData", entry.Keyword);
        Assert.Equal([DicomVR.OB, DicomVR.OW], entry.ValueRepresentations);
        Assert.Equal(DicomVR.OB, entry.VR);
        Assert.Equal(new DicomTag(0x60003000), entry.Tag);
        Assert.Equal(0xFF00FFFFu, entry.Mask);
        Assert.False(entry.IsRetired);
    }

    [Fact]
    public void An_odd_group_is_private_and_never_matches_a_repeating_group()
    {
        // PS3.5 7.6: overlay groups are even; (6001,3000) is a private element.
        Assert.Null(DicomDictionary.Lookup(new DicomTag(0x60013000)));
        Assert.Null(DicomDictionary.Lookup(new DicomTag(0x50031000)));
    }

    [Theory]
    [InlineData(0x50000005u, "CurveDimensions", DicomVR.US)]
    [InlineData(0x50023000u, "CurveData", DicomVR.OB)]
    [InlineData(0x501E2600u, "CurveReferencedOverlaySequence", DicomVR.SQ)]
    [InlineData(0x5010200Cu, "AudioSampleData", DicomVR.OB)]
    public void Retired_curve_elements_match_in_every_curve_group(uint tag, string keyword, DicomVR vr)
    {
        var entry = DicomDictionary.Lookup(new DicomTag(tag));

        Assert.NotNull(entry);
        Assert.Equal(keyword, entry.Keyword);
        Assert.Equal(vr, entry.VR);
        Assert.True(entry.IsRetired);
        Assert.Equal(0xFF00FFFFu, entry.Mask);
    }

    [Theory]
    [InlineData(0x10000010u, "EscapeTriplet")]
    [InlineData(0x10000FF3u, "HuffmanTableTriplet")]
    [InlineData(0x10101234u, "ZonalMap")]
    [InlineData(0x002031A7u, "SourceImageIDs")]
    [InlineData(0x00280410u, "RowsForNthOrderCoefficients")]
    [InlineData(0x002804F3u, "CoefficientCodingPointers")]
    [InlineData(0x7F020010u, "VariablePixelData")]
    public void Repeating_elements_match_their_x_patterns(uint tag, string keyword)
    {
        var entry = DicomDictionary.Lookup(new DicomTag(tag));

        Assert.NotNull(entry);
        Assert.Equal(keyword, entry.Keyword);
        Assert.True(entry.Matches(new DicomTag(tag)));
        Assert.NotEqual(0xFFFFFFFFu, entry.Mask);
    }

    [Fact]
    public void Alternative_VRs_are_kept_in_PS3_6_order_and_the_first_is_the_VR()
    {
        var smallest = DicomDictionary.Lookup(new DicomTag(0x00280106));
        var lutData = DicomDictionary.Lookup(new DicomTag(0x00283006));
        var grayLut = DicomDictionary.Lookup(new DicomTag(0x00281200));

        Assert.Equal([DicomVR.US, DicomVR.SS], smallest!.ValueRepresentations);
        Assert.Equal(DicomVR.US, smallest.VR);
        Assert.Equal([DicomVR.US, DicomVR.OW], lutData!.ValueRepresentations);
        Assert.Equal([DicomVR.US, DicomVR.SS, DicomVR.OW], grayLut!.ValueRepresentations);
        Assert.Equal(DicomVR.US, DicomDictionary.GetVR(new DicomTag(0x00281101)));
    }

    [Fact]
    public void Retired_flags_follow_PS3_6()
    {
        Assert.True(DicomDictionary.Lookup(new DicomTag(0x00000001))!.IsRetired); // CommandLengthToEnd
        Assert.True(DicomDictionary.Lookup(new DicomTag(0x00080040))!.IsRetired); // DataSetType
        Assert.False(DicomDictionary.Lookup(DicomTag.SOPInstanceUID)!.IsRetired);
        Assert.False(DicomDictionary.Lookup(new DicomTag(0x60000010))!.IsRetired); // OverlayRows
        Assert.True(DicomDictionary.Lookup(new DicomTag(0x60004000))!.IsRetired); // OverlayComments
    }

    [Fact]
    public void Retired_entries_without_a_name_are_found_by_tag_with_an_empty_keyword()
    {
        var entry = DicomDictionary.Lookup(new DicomTag(0x00280020));

        Assert.NotNull(entry);
        Assert.Equal(string.Empty, entry.Keyword);
        Assert.True(entry.IsRetired);
        Assert.Equal(DicomVR.OB, entry.VR);
    }

    [Theory]
    [InlineData(0x00080000u)]
    [InlineData(0x00280000u)]
    [InlineData(0x10000000u)] // not EscapeTriplet (1000,xxx0): PS3.5 7.2 makes (gggg,0000) the group length
    [InlineData(0x10100000u)] // not ZonalMap (1010,xxxx)
    [InlineData(0x00090000u)] // a private group's length
    public void Element_0000_of_any_other_group_is_its_UL_group_length(uint tag)
    {
        var entry = DicomDictionary.Lookup(new DicomTag(tag));

        Assert.Same(DicomDictionary.GroupLengthEntry, entry);
        Assert.NotNull(entry);
        Assert.Equal(DicomVR.UL, entry.VR);
        Assert.Equal("GroupLength", entry.Keyword);
        Assert.Equal("1", entry.ValueMultiplicity);
        Assert.True(entry.Matches(new DicomTag(tag)));
    }

    [Fact]
    public void Command_and_file_meta_group_lengths_are_their_own_PS3_6_entries()
    {
        Assert.Equal("CommandGroupLength", DicomDictionary.Lookup(new DicomTag(0x00000000))!.Keyword);
        Assert.Equal("FileMetaInformationGroupLength", DicomDictionary.Lookup(new DicomTag(0x00020000))!.Keyword);
        Assert.False(DicomDictionary.Lookup(new DicomTag(0x00020000))!.IsRetired);
    }

    [Theory]
    [InlineData(0x00290010u)]
    [InlineData(0x000900FFu)]
    [InlineData(0x7FE10010u)]
    public void Private_creator_elements_are_LO(uint tag)
    {
        var entry = DicomDictionary.Lookup(new DicomTag(tag));

        Assert.Same(DicomDictionary.PrivateCreatorEntry, entry);
        Assert.NotNull(entry);
        Assert.Equal(DicomVR.LO, entry.VR);
        Assert.Equal("PrivateCreator", entry.Keyword);
        Assert.True(entry.Matches(new DicomTag(tag)));
    }

    [Theory]
    [InlineData(0x00291010u)] // private data element
    [InlineData(0x00290100u)] // beyond the creator block range
    [InlineData(0x00290005u)] // PS3.5 7.8.1: (gggg,0001-000F) are not allowed
    [InlineData(0x00030010u)] // groups 0001-0007 are not private (PS3.5 7.8.1)
    [InlineData(0x00109999u)]
    [InlineData(0x7FE00099u)]
    [InlineData(0xFFFFFFFFu)]
    public void Tags_outside_the_dictionary_are_null_and_UN(uint tag)
    {
        Assert.Null(DicomDictionary.Lookup(new DicomTag(tag)));
        Assert.Equal(DicomVR.UN, DicomDictionary.GetVR(new DicomTag(tag)));
    }

    [Fact]
    public void GetVR_gives_the_first_VR_and_UN_for_items_and_delimiters()
    {
        Assert.Equal(DicomVR.PN, DicomDictionary.GetVR(DicomTag.PatientName));
        Assert.Equal(DicomVR.OB, DicomDictionary.GetVR(DicomTag.PixelData));
        Assert.Equal(DicomVR.SQ, DicomDictionary.GetVR(DicomTag.ReferencedSeriesSequence));
        Assert.Equal(DicomVR.UN, DicomDictionary.GetVR(DicomTag.Item));
        Assert.Empty(DicomDictionary.Lookup(DicomTag.SequenceDelimitationItem)!.ValueRepresentations);
    }

    [Fact]
    public void Every_keyword_and_every_tag_pattern_is_unique()
    {
        var entries = DicomDictionary.Entries;
        var keywords = entries.Where(e => e.Keyword.Length > 0).Select(e => e.Keyword).ToList();
        var patterns = entries.Select(e => (e.Tag, e.Mask)).ToList();

        Assert.True(entries.Count > 5000, $"only {entries.Count} entries");
        Assert.Equal(keywords.Count, keywords.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(patterns.Count, patterns.Distinct().Count());
        Assert.Equal(88, entries.Count(e => e.Mask != 0xFFFFFFFFu));
    }

    [Fact]
    public void Every_entry_is_found_again_by_its_keyword_and_the_tag_that_gives()
    {
        foreach (var entry in DicomDictionary.Entries)
        {
            Assert.True(entry.Matches(entry.Tag));
            if (entry.Mask == 0xFFFFFFFFu)
            {
                Assert.Same(entry, DicomDictionary.Lookup(entry.Tag));
            }

            if (entry.Keyword.Length > 0)
            {
                Assert.True(DicomDictionary.TryGetTag(entry.Keyword, out var tag), entry.Keyword);
                Assert.Same(entry, DicomDictionary.Lookup(tag));
            }
        }
    }

    [Theory]
    [InlineData("OverlayData", 0x60003000u)]
    [InlineData("CurveData", 0x50003000u)]
    [InlineData("RowsForNthOrderCoefficients", 0x00280410u)] // (0028,0400) is Transform Label
    [InlineData("EscapeTriplet", 0x10000010u)] // (1000,0000) is a group length
    [InlineData("ZonalMap", 0x10100001u)]
    public void A_repeating_keyword_gives_the_first_tag_of_its_pattern_that_is_not_taken(string keyword, uint expected)
    {
        Assert.True(DicomDictionary.TryGetTag(keyword, out var tag));
        Assert.Equal(new DicomTag(expected), tag);
        Assert.Equal(keyword, DicomDictionary.Lookup(tag)?.Keyword);
    }

    [Fact]
    public void Every_DicomTag_keyword_member_names_the_dictionary_entry_of_its_tag()
    {
        var members = typeof(DicomTag).GetProperties(BindingFlags.Public | BindingFlags.Static)
            .Where(p => p.PropertyType == typeof(DicomTag))
            .Select(p => (p.Name, Tag: (DicomTag)p.GetValue(null)!))
            .Concat(typeof(DicomTag).GetFields(BindingFlags.Public | BindingFlags.Static)
                .Where(f => f.FieldType == typeof(DicomTag))
                .Select(f => (f.Name, Tag: (DicomTag)f.GetValue(null)!)))
            .ToList();

        Assert.True(members.Count > 5000, $"only {members.Count} keyword members");
        foreach (var (name, tag) in members)
        {
            Assert.Equal(name, DicomDictionary.Lookup(tag)?.Keyword);
        }

        // Every keyworded fixed tag has its member.
        var fixedKeywords = DicomDictionary.Entries.Where(e => e.Mask == 0xFFFFFFFFu && e.Keyword.Length > 0).Count();
        Assert.Equal(fixedKeywords, members.Count);
    }

    [Fact]
    public void Lookup_allocates_nothing()
    {
        DicomTag[] tags =
        [
            DicomTag.PatientName, new(0x60023000), new(0x50000010), new(0x00090000), new(0x00290010),
            new(0x00291010), new(0x00109999), new(0x10000013),
        ];
        foreach (var tag in tags)
        {
            DicomDictionary.Lookup(tag);
            DicomDictionary.GetVR(tag);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var found = 0;
        for (var i = 0; i < 10_000; i++)
        {
            foreach (var tag in tags)
            {
                found += DicomDictionary.Lookup(tag) is null ? 0 : 1;
                found += DicomDictionary.GetVR(tag) == DicomVR.UN ? 0 : 1;
            }
        }

        // 160,000 calls: one allocation per call would be megabytes; a few KB of one-off runtime work (tiering on a
        // busy machine) is not the dictionary's.
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 4096, $"160,000 lookups allocated {allocated} bytes");
        Assert.Equal(10_000 * 12, found);
    }
}
