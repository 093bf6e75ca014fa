using System.Buffers.Binary;

namespace Pacs.Dicom.Tests.Codecs;

public sealed class RleCodecTests
{
    [Theory]
    [InlineData(8, 1, false)]
    [InlineData(16, 1, false)]
    [InlineData(32, 1, false)]
    [InlineData(8, 3, false)]
    [InlineData(16, 3, false)]
    [InlineData(32, 3, false)]
    [InlineData(8, 3, true)]
    [InlineData(16, 3, true)]
    [InlineData(32, 3, true)]
    [InlineData(1, 1, false)]
    public void Encoding_then_decoding_gives_the_frame_back(int bitsAllocated, int samples, bool planar)
    {
        const int rows = 37, columns = 300;
        var frame = new byte[RleCodec.DecodedLength(rows, columns, samples, bitsAllocated)];
        FillWithRunsAndNoise(frame, seed: bitsAllocated * 10 + samples);

        var encoded = RleCodec.Encode(frame, rows, columns, samples, bitsAllocated, planar);
        var decoded = RleCodec.Decode(encoded, rows, columns, samples, bitsAllocated, planar);

        Assert.Equal(frame, decoded);
        Assert.True(encoded.Length < frame.Length + 64 + (frame.Length / 50), "the overhead over the raw frame stays small");
    }

    [Fact]
    public void Segments_hold_each_sample_most_significant_byte_first()
    {
        // PS3.5 G.2: 16-bit grey is two segments, high bytes then low bytes; the native frame is little-endian.
        var frame = new byte[] { 0x34, 0x12, 0x78, 0x56 }; // 0x1234, 0x5678
        var encoded = RleCodec.Encode(frame, 1, 2, 1, 16);

        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(encoded));
        var high = Segment(encoded, 0);
        var low = Segment(encoded, 1);
        Assert.Equal(new byte[] { 0x01, 0x12, 0x56 }, high[..3]);
        Assert.Equal(new byte[] { 0x01, 0x34, 0x78 }, low[..3]);
    }

    [Fact]
    public void RGB_segments_are_red_green_blue_and_decode_by_pixel_or_by_plane()
    {
        var encoded = Frame(Literal(10, 11), Literal(20, 21), Literal(30, 31));

        Assert.Equal(new byte[] { 10, 20, 30, 11, 21, 31 }, RleCodec.Decode(encoded, 1, 2, 3, 8));
        Assert.Equal(new byte[] { 10, 11, 20, 21, 30, 31 }, RleCodec.Decode(encoded, 1, 2, 3, 8, planar: true));
    }

    [Fact]
    public void Replicate_run_of_128_is_one_header_byte()
    {
        var row = Enumerable.Repeat((byte)7, 128).ToArray();

        var encoded = RleCodec.Encode(row, 1, 128, 1, 8);

        Assert.Equal(new byte[] { 0x81, 7 }, Segment(encoded, 0));
        Assert.Equal(row, RleCodec.Decode(Grey([0x81, 7]), 1, 128, 1, 8));
    }

    [Fact]
    public void Run_of_129_is_split_into_128_and_1()
    {
        var row = Enumerable.Repeat((byte)7, 129).ToArray();

        var encoded = RleCodec.Encode(row, 1, 129, 1, 8);

        Assert.Equal(new byte[] { 0x81, 7, 0x00, 7 }, Segment(encoded, 0));
    }

    [Fact]
    public void Literal_run_of_128_is_one_header_byte()
    {
        var row = Enumerable.Range(0, 128).Select(i => (byte)i).ToArray();

        var encoded = RleCodec.Encode(row, 1, 128, 1, 8);

        Assert.Equal([0x7F, .. row], Segment(encoded, 0)[..129]);
        Assert.Equal(row, RleCodec.Decode(Grey([0x7F, .. row]), 1, 128, 1, 8));
    }

    [Fact]
    public void Header_byte_minus_128_is_skipped()
    {
        // PS3.5 G.3.1: -128 outputs nothing.
        var encoded = Grey([0x80, 0x01, 1, 2, 0x80, 0x80, 0xFE, 9]);

        Assert.Equal(new byte[] { 1, 2, 9, 9, 9 }, RleCodec.Decode(encoded, 1, 5, 1, 8));
    }

    [Fact]
    public void Encoder_never_writes_minus_128()
    {
        var row = Enumerable.Repeat((byte)0x80, 300).ToArray();

        var segment = Segment(RleCodec.Encode(row, 1, 300, 1, 8), 0);

        for (var i = 0; i < segment.Length; i += 2)
        {
            Assert.NotEqual(0x80, segment[i]);
        }
    }

    [Fact]
    public void Rows_are_encoded_separately()
    {
        // PS3.5 G.3.1: a run never crosses the end of a row, even when the next row continues it.
        var frame = Enumerable.Repeat((byte)5, 8).ToArray();

        var encoded = RleCodec.Encode(frame, 2, 4, 1, 8);

        Assert.Equal(new byte[] { 0xFD, 5, 0xFD, 5 }, Segment(encoded, 0));
    }

    [Fact]
    public void Every_segment_is_padded_to_an_even_length()
    {
        // 3 literal bytes → 4 encoded bytes + none; 2 literal bytes → 3 encoded bytes + 1 padding byte.
        var encoded = RleCodec.Encode(new byte[] { 1, 2, 3, 4, 5, 6 }, 1, 2, 3, 8);

        for (var j = 0; j < 3; j++)
        {
            Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(encoded.AsSpan(4 + (j * 4))) % 2);
        }

        Assert.Equal(0, encoded.Length % 2);
    }

    [Fact]
    public void Odd_length_segments_without_padding_decode()
    {
        var frame = new byte[64 + 3 + 3];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, 2);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(4), 64);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(8), 67);
        new byte[] { 0x01, 0xAA, 0xBB, 0xFF, 0x11 }.CopyTo(frame, 64);

        Assert.Equal(new byte[] { 0x11, 0xAA, 0x11, 0xBB }, RleCodec.Decode(frame.AsSpan(0, 69), 1, 2, 1, 16));
    }

    [Fact]
    public void Run_past_the_end_of_a_segment_is_cut_there()
    {
        // A replicate run of 10 for a 4-byte segment: the segment is full after 4, the rest is not written anywhere.
        Assert.Equal(new byte[] { 3, 3, 3, 3 }, RleCodec.Decode(Grey([0xF7, 3]), 2, 2, 1, 8));
    }

    public static TheoryData<string, byte[], string> CorruptFrames()
    {
        var data = new TheoryData<string, byte[], string>
        {
            { "header too short", new byte[40], "fewer than its 64-byte header" },
            { "wrong segment count", WithHeader(3, [64, 66, 68], [0x00, 1, 0x00, 1, 0x00, 1]), "announces 3 segments" },
            { "offset past the end", WithHeader(1, [500], [0x00, 1]), "outside the" },
            { "offset inside the header", WithHeader(1, [10], [0x00, 1]), "outside the" },
            { "segment too short", Grey([0x01, 1, 2]), "ends after 2 of its 4 bytes" },
            { "literal past the end", Grey([0x05, 1, 2]), "literal run of 6 bytes" },
            { "replicate without its value", Grey([0x00, 1, 0xFE]), "ends inside a replicate run" },
            { "empty segment", Grey([]), "ends after 0 of its 4 bytes" },
        };
        return data;
    }

    [Theory]
    [MemberData(nameof(CorruptFrames))]
    public void Corrupt_frame_raises_a_DicomException_with_the_reason(string what, byte[] frame, string reason)
    {
        var error = Assert.Throws<DicomException>(() => RleCodec.Decode(frame, 2, 2, 1, 8));

        Assert.True(error.Message.Contains(reason, StringComparison.Ordinal), $"{what}: {error.Message}");
    }

    [Fact]
    public void Segments_out_of_order_are_refused()
    {
        var frame = WithHeader(2, [70, 64], [0x01, 1, 2, 0x01, 3, 4, 0, 0]);

        var error = Assert.Throws<DicomException>(() => RleCodec.Decode(frame, 1, 2, 1, 16));

        Assert.Contains("before segment 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mutated_and_random_frames_decode_or_raise_a_DicomException_only()
    {
        var random = new Random(20240601);
        var frame = new byte[RleCodec.DecodedLength(16, 16, 3, 16)];
        FillWithRunsAndNoise(frame, 3);
        var valid = RleCodec.Encode(frame, 16, 16, 3, 16);
        for (var round = 0; round < 2000; round++)
        {
            var input = round % 4 == 0 ? new byte[random.Next(0, 400)] : (byte[])valid.Clone();
            if (round % 4 == 0)
            {
                random.NextBytes(input);
                if (input.Length >= 8)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(input, 6);
                }
            }
            else
            {
                for (var m = random.Next(1, 6); m > 0; m--)
                {
                    input[random.Next(input.Length)] = (byte)random.Next(256);
                }

                if (round % 3 == 0)
                {
                    input = input[..random.Next(input.Length)];
                }
            }

            try
            {
                var output = RleCodec.Decode(input, 16, 16, 3, 16);
                Assert.Equal(frame.Length, output.Length);
            }
            catch (DicomException)
            {
                // The only failure allowed.
            }
        }
    }

    [Theory]
    [InlineData(3, 64, "need 24 RLE segments")]
    [InlineData(1, 12, "not 12")]
    [InlineData(3, 1, "one sample per pixel")]
    public void Layout_RLE_cannot_hold_is_refused(int samples, int bitsAllocated, string reason)
    {
        var error = Assert.Throws<DicomException>(() => RleCodec.Encode(new byte[1000], 2, 2, samples, bitsAllocated));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Throws<DicomException>(() => RleCodec.Decode(new byte[64], 2, 2, samples, bitsAllocated));
    }

    [Fact]
    public void Decoded_size_comes_from_the_image_attributes_not_the_input()
    {
        Assert.Equal(512 * 512 * 2, RleCodec.DecodedLength(512, 512, 1, 16));
        Assert.Equal(100 * 100 * 3 * 4, RleCodec.DecodedLength(100, 100, 3, 32));
        Assert.Equal(((510 * 510) + 7) / 8, RleCodec.DecodedLength(510, 510, 1, 1));
    }

    /// <summary>An 8-bit grey 2×2 (4-byte) frame, or any one-segment frame, with the given segment bytes.</summary>
    private static byte[] Frame(params byte[][] segments)
    {
        var offsets = new uint[segments.Length];
        var at = 64u;
        for (var j = 0; j < segments.Length; j++)
        {
            offsets[j] = at;
            at += (uint)segments[j].Length;
        }

        return WithHeader((uint)segments.Length, offsets, [.. segments.SelectMany(s => s)]);
    }

    private static byte[] Grey(byte[] segment) => Frame([segment]);

    private static byte[] WithHeader(uint count, uint[] offsets, byte[] body)
    {
        var frame = new byte[64 + body.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, count);
        for (var j = 0; j < offsets.Length; j++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(4 + (j * 4)), offsets[j]);
        }

        body.CopyTo(frame, 64);
        return frame;
    }

    private static byte[] Literal(params byte[] bytes) => [(byte)(bytes.Length - 1), .. bytes];

    private static byte[] Segment(byte[] encoded, int j)
    {
        var count = (int)BinaryPrimitives.ReadUInt32LittleEndian(encoded);
        var start = (int)BinaryPrimitives.ReadUInt32LittleEndian(encoded.AsSpan(4 + (j * 4)));
        var end = j + 1 < count ? (int)BinaryPrimitives.ReadUInt32LittleEndian(encoded.AsSpan(8 + (j * 4))) : encoded.Length;
        return encoded[start..end];
    }

    /// <summary>Runs of random length (1 to 300) of random bytes: both literal and replicate runs of every size occur.</summary>
    internal static void FillWithRunsAndNoise(byte[] frame, int seed)
    {
        var random = new Random(seed);
        var i = 0;
        while (i < frame.Length)
        {
            var length = Math.Min(frame.Length - i, random.Next(1, 300));
            if (random.Next(2) == 0)
            {
                frame.AsSpan(i, length).Fill((byte)random.Next(256));
            }
            else
            {
                random.NextBytes(frame.AsSpan(i, length));
            }

            i += length;
        }
    }
}
