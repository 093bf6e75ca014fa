using static Pacs.Dicom.Tests.Text.Bytes;

namespace Pacs.Dicom.Tests.Text;

/// <summary>Decoding allocates nothing but the resulting string (it is on the hot path of parsing).</summary>
public sealed class FastPathTests
{
    [Theory]
    [InlineData("")]
    [InlineData("ISO_IR 100")]
    [InlineData("ISO_IR 144")]
    [InlineData("ISO_IR 192")]
    [InlineData("GB18030")]
    [InlineData("\\ISO 2022 IR 87")]
    public void ASCII_value_decodes_allocating_only_the_string(string term)
    {
        var charset = DicomCharacterSet.FromSpecificCharacterSet(term);
        var bytes = "SMITH^JOHN^Q^^ 1.2.840.10008 CHEST PA"u8.ToArray();

        AssertAllocatesOnlyTheString(() => charset.Decode(bytes, DicomVR.PN), bytes.Length);
    }

    [Fact]
    public void ISO_2022_value_decodes_allocating_only_the_string()
    {
        var charset = DicomCharacterSet.FromSpecificCharacterSet("ISO 2022 IR 13\\ISO 2022 IR 87");
        var bytes = Of(0xD4, 0xCF, "^", EscG0JisX0208, 0x3B, 0x33, 0x45, 0x44, EscG0JisRoman);

        AssertAllocatesOnlyTheString(() => charset.Decode(bytes, DicomVR.PN), 5);
    }

    [Fact]
    public void Long_single_byte_value_decodes_allocating_only_the_string()
    {
        var charset = DicomCharacterSet.FromSpecificCharacterSet("ISO_IR 144");
        var bytes = Enumerable.Repeat((byte)0xBC, 4000).ToArray();

        AssertAllocatesOnlyTheString(() => charset.Decode(bytes, DicomVR.LT), 4000);
    }

    private static void AssertAllocatesOnlyTheString(Func<string> decode, int expectedLength)
    {
        Assert.Equal(expectedLength, decode().Length); // warm up: tables, caches, JIT

        // The least of a few runs: a one-off runtime allocation on this thread (tiering, a pool refill on a busy
        // machine) must not count as the decoder's, while a per-call allocation shows in every run.
        var allocated = long.MaxValue;
        var text = string.Empty;
        for (var run = 0; run < 5; run++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            text = decode();
            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        // A string of n characters takes 2n bytes plus a small header.
        Assert.True(allocated <= (2 * text.Length) + 64, $"decoding allocated {allocated} bytes for a {text.Length}-character string");
    }
}
