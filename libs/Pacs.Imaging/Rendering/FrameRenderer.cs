using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Pacs.Dicom;

namespace Pacs.Imaging;

/// <summary>
/// Turns one frame's native pixel bytes (little-endian, uncompressed, as frame extraction hands them out) into an
/// 8-bit grey or RGB image following the PS3.3 C.11 pipeline — stored value, sign extension from Bits Stored,
/// Modality LUT or rescale, VOI window (or VOI LUT, or the frame's range), MONOCHROME1 / INVERSE presentation — or,
/// for colour, palette lookup and YBR to RGB conversion; then fits it into the requested viewport.
/// </summary>
public static class FrameRenderer
{
    /// <summary>Renders a frame of an instance described by <paramref name="dataset"/>.</summary>
    public static RenderedImage Render(DicomDataset dataset, ReadOnlySpan<byte> frame, RenderingParameters? parameters = null) =>
        Render(PixelDescription.FromDataset(dataset), frame, parameters);

    /// <summary>Renders a frame; with a viewport in <paramref name="parameters"/> the result fits within it.</summary>
    public static RenderedImage Render(PixelDescription description, ReadOnlySpan<byte> frame, RenderingParameters? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(description);
        parameters ??= RenderingParameters.Default;
        var image = RenderFullSize(description, frame, parameters.Window);
        return parameters.Viewport is { } viewport ? ImageResampler.Fit(image, viewport) : image;
    }

    /// <summary>Renders a thumbnail: as <see cref="Render(PixelDescription, ReadOnlySpan{byte}, RenderingParameters?)"/> with a small default viewport.</summary>
    public static RenderedImage RenderThumbnail(PixelDescription description, ReadOnlySpan<byte> frame, RenderingParameters? parameters = null) =>
        Render(description, frame, (parameters ?? RenderingParameters.Default).AsThumbnail());

    /// <summary>The frame at its own size, before any viewport.</summary>
    public static RenderedImage RenderFullSize(PixelDescription description, ReadOnlySpan<byte> frame, VoiWindow? window = null)
    {
        ArgumentNullException.ThrowIfNull(description);
        if (frame.Length < description.FrameLength)
        {
            throw new ImageRenderingException(
                $"The frame has {frame.Length} bytes but a {description.Columns}×{description.Rows} {description.Photometric} image of {description.BitsAllocated}-bit samples needs {description.FrameLength}.");
        }

        return description.Photometric switch
        {
            Photometric.Monochrome1 or Photometric.Monochrome2 => description.IsFloat || description.BitsStored > 16
                ? RenderGrayPerPixel(description, frame, window)
                : RenderGrayByLookup(description, frame, window),
            Photometric.PaletteColor => RenderPalette(description, frame),
            _ => RenderColor(description, frame),
        };
    }

    // ------------------------------------------------------------------ grey, integer samples up to 16 bits

    /// <summary>
    /// Integer samples of at most 16 stored bits: every possible stored value is mapped once into a table of at most
    /// 65536 bytes, then each pixel is one masked read and one table lookup.
    /// </summary>
    private static RenderedImage RenderGrayByLookup(PixelDescription d, ReadOnlySpan<byte> frame, VoiWindow? window)
    {
        var count = (int)d.PixelCount;
        var shift = d.HighBit + 1 - d.BitsStored;
        var mask = (1 << d.BitsStored) - 1;
        var output = new RenderedImage(d.Columns, d.Rows, RenderedPixelFormat.Gray8);
        var lut = ArrayPool<byte>.Shared.Rent(mask + 1);
        try
        {
            var voi = ChooseVoi(d, window, out var needsRange);
            if (needsRange)
            {
                // No window anywhere: the frame's own range of modality values decides it.
                var seen = ArrayPool<byte>.Shared.Rent(mask + 1);
                try
                {
                    Array.Clear(seen, 0, mask + 1);
                    MarkStoredValues(d, frame, count, shift, mask, seen);
                    double min = double.MaxValue, max = double.MinValue;
                    for (var stored = 0; stored <= mask; stored++)
                    {
                        if (seen[stored] != 0)
                        {
                            var m = ModalityValue(d, SignExtend(d, stored));
                            min = Math.Min(min, m);
                            max = Math.Max(max, m);
                        }
                    }

                    voi = new Voi(VoiWindow.FromRange(min, max), null);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(seen);
                }
            }

            var invert = Inverts(d);
            for (var stored = 0; stored <= mask; stored++)
            {
                var value = voi.Map8(ModalityValue(d, SignExtend(d, stored)));
                lut[stored] = invert ? (byte)(255 - value) : value;
            }

            ApplyLookup(d, frame, count, shift, mask, lut, output.Pixels);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(lut);
        }

        return output;
    }

    private static void MarkStoredValues(PixelDescription d, ReadOnlySpan<byte> frame, int count, int shift, int mask, byte[] seen)
    {
        switch (d.BitsAllocated)
        {
            case 1:
                for (var i = 0; i < count; i++)
                {
                    seen[(frame[i >> 3] >> (i & 7)) & 1] = 1;
                }

                break;
            case 8:
                for (var i = 0; i < count; i++)
                {
                    seen[(frame[i] >> shift) & mask] = 1;
                }

                break;
            default:
                var words = Words(frame, count);
                for (var i = 0; i < count; i++)
                {
                    seen[(words[i] >> shift) & mask] = 1;
                }

                break;
        }
    }

    private static void ApplyLookup(PixelDescription d, ReadOnlySpan<byte> frame, int count, int shift, int mask, byte[] lut, byte[] output)
    {
        switch (d.BitsAllocated)
        {
            case 1:
                // PS3.5 8.1.1 and D.1: 1-bit pixels are packed from the least significant bit of each byte.
                for (var i = 0; i < count; i++)
                {
                    output[i] = lut[(frame[i >> 3] >> (i & 7)) & 1];
                }

                break;
            case 8:
                for (var i = 0; i < count; i++)
                {
                    output[i] = lut[(frame[i] >> shift) & mask];
                }

                break;
            default:
                var words = Words(frame, count);
                for (var i = 0; i < count; i++)
                {
                    output[i] = lut[(words[i] >> shift) & mask];
                }

                break;
        }
    }

    /// <summary>The frame as 16-bit words (the frame is little-endian; so is every machine .NET runs this library on).</summary>
    private static ReadOnlySpan<ushort> Words(ReadOnlySpan<byte> frame, int count)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Rendering reads little-endian pixel data in place and needs a little-endian machine.");
        }

        return MemoryMarshal.Cast<byte, ushort>(frame[..(count * 2)]);
    }

    /// <summary>PS3.5 8.1.1 / PS3.3 C.7.6.3.1.4: signed samples are two's complement in Bits Stored bits.</summary>
    private static int SignExtend(PixelDescription d, int stored)
    {
        if (!d.IsSigned || d.BitsStored >= 32)
        {
            return stored;
        }

        var signBit = 1 << (d.BitsStored - 1);
        return (stored & signBit) != 0 ? stored - (1 << d.BitsStored) : stored;
    }

    /// <summary>PS3.3 C.11.1: the Modality LUT when present, else slope × stored + intercept.</summary>
    private static double ModalityValue(PixelDescription d, double stored) =>
        d.ModalityLut is { } lut ? lut.Lookup(stored) : (stored * d.RescaleSlope) + d.RescaleIntercept;

    /// <summary>MONOCHROME1 shows its minimum as white (C.7.6.3.1.2); a Presentation LUT Shape of INVERSE flips once more.</summary>
    private static bool Inverts(PixelDescription d) => (d.Photometric == Photometric.Monochrome1) ^ d.PresentationInverse;

    /// <summary>The VOI transform in force: an explicit window, the data set's window, its VOI LUT, or (needsRange) none yet.</summary>
    private static Voi ChooseVoi(PixelDescription d, VoiWindow? requested, out bool needsRange)
    {
        needsRange = false;
        if (requested is { } w)
        {
            return new Voi(w, null);
        }

        if (d.Window is { } own)
        {
            return new Voi(own, null);
        }

        if (d.VoiLut is { } lut)
        {
            return new Voi(null, lut);
        }

        needsRange = true;
        return default;
    }

    /// <summary>A window or a VOI LUT, mapping modality values to 8-bit output.</summary>
    private readonly record struct Voi(VoiWindow? Window, LookupTable? Table)
    {
        public byte Map8(double modality)
        {
            if (Window is { } w)
            {
                return w.Map8(modality);
            }

            var lut = Table!;
            return (byte)Math.Clamp((int)Math.Round(lut.Lookup(modality) * 255.0 / lut.MaxOutput), 0, 255);
        }
    }

    // ------------------------------------------------------------------ grey, float or 32-bit samples

    /// <summary>Float samples and integers of more than 16 bits: each pixel is converted and windowed on its own.</summary>
    private static RenderedImage RenderGrayPerPixel(PixelDescription d, ReadOnlySpan<byte> frame, VoiWindow? window)
    {
        var count = (int)d.PixelCount;
        var output = new RenderedImage(d.Columns, d.Rows, RenderedPixelFormat.Gray8);
        var voi = ChooseVoi(d, window, out var needsRange);
        if (needsRange)
        {
            double min = double.MaxValue, max = double.MinValue;
            for (var i = 0; i < count; i++)
            {
                var m = ModalityValue(d, Sample(d, frame, i));
                if (double.IsFinite(m))
                {
                    min = Math.Min(min, m);
                    max = Math.Max(max, m);
                }
            }

            voi = new Voi(min <= max ? VoiWindow.FromRange(min, max) : VoiWindow.FromRange(0, 0), null);
        }

        var invert = Inverts(d);
        var pixels = output.Pixels;
        for (var i = 0; i < count; i++)
        {
            var m = ModalityValue(d, Sample(d, frame, i));
            var value = double.IsNaN(m) ? (byte)0 : voi.Map8(m);
            pixels[i] = invert ? (byte)(255 - value) : value;
        }

        return output;
    }

    private static double Sample(PixelDescription d, ReadOnlySpan<byte> frame, int i)
    {
        if (d.IsFloat)
        {
            return d.BitsAllocated == 64
                ? BinaryPrimitives.ReadDoubleLittleEndian(frame[(i * 8)..])
                : BinaryPrimitives.ReadSingleLittleEndian(frame[(i * 4)..]);
        }

        var raw = BinaryPrimitives.ReadUInt32LittleEndian(frame[(i * 4)..]);
        var shift = d.HighBit + 1 - d.BitsStored;
        var stored = d.BitsStored == 32 ? raw : (raw >> shift) & ((1u << d.BitsStored) - 1);
        if (!d.IsSigned)
        {
            return stored;
        }

        return d.BitsStored == 32 ? (int)stored : (stored & (1u << (d.BitsStored - 1))) != 0 ? (double)stored - (1L << d.BitsStored) : stored;
    }

    // ------------------------------------------------------------------ palette colour

    /// <summary>PS3.3 C.7.6.3.1.5: each stored value indexes the red, green and blue tables; values outside clamp to the ends.</summary>
    private static RenderedImage RenderPalette(PixelDescription d, ReadOnlySpan<byte> frame)
    {
        var palette = d.Palette ?? throw new ImageRenderingException("PALETTE COLOR image without a palette.");
        if (d.BitsAllocated is not (8 or 16))
        {
            throw new ImageRenderingException($"PALETTE COLOR is rendered for 8 or 16 Bits Allocated, not {d.BitsAllocated}.");
        }

        var count = (int)d.PixelCount;
        var output = new RenderedImage(d.Columns, d.Rows, RenderedPixelFormat.Rgb24);
        var shift = d.HighBit + 1 - d.BitsStored;
        var mask = (1 << d.BitsStored) - 1;
        var last = palette.Red.Length - 1;
        var pixels = output.Pixels;
        var words = d.BitsAllocated == 16 ? Words(frame, count) : default;
        for (var i = 0; i < count; i++)
        {
            var stored = d.BitsAllocated == 8 ? (frame[i] >> shift) & mask : (words[i] >> shift) & mask;
            var index = Math.Clamp(SignExtend(d, stored) - palette.FirstMapped, 0, last);
            pixels[i * 3] = palette.Red[index];
            pixels[(i * 3) + 1] = palette.Green[index];
            pixels[(i * 3) + 2] = palette.Blue[index];
        }

        return output;
    }

    // ------------------------------------------------------------------ RGB and YBR

    private static RenderedImage RenderColor(PixelDescription d, ReadOnlySpan<byte> frame)
    {
        var count = (int)d.PixelCount;
        var output = new RenderedImage(d.Columns, d.Rows, RenderedPixelFormat.Rgb24);
        var pixels = output.Pixels;

        if (d.Photometric is Photometric.YbrFull422 or Photometric.YbrPartial422)
        {
            // C.7.6.3.1.2: each pair of horizontally adjacent pixels is stored Y1 Y2 Cb Cr, sharing Cb and Cr.
            for (var pair = 0; pair < count / 2; pair++)
            {
                var s = frame.Slice(pair * 4, 4);
                var o = pair * 6;
                pixels[o] = s[0];
                pixels[o + 1] = s[2];
                pixels[o + 2] = s[3];
                pixels[o + 3] = s[1];
                pixels[o + 4] = s[2];
                pixels[o + 5] = s[3];
            }

            if (count % 2 == 1)
            {
                var s = frame.Slice((count / 2) * 4, 4);
                pixels[(count - 1) * 3] = s[0];
                pixels[((count - 1) * 3) + 1] = s[2];
                pixels[((count - 1) * 3) + 2] = s[3];
            }
        }
        else
        {
            ReadSamples(d, frame, count, pixels);
        }

        switch (d.Photometric)
        {
            case Photometric.YbrFull or Photometric.YbrFull422:
                YbrFullToRgb(pixels);
                break;
            case Photometric.YbrPartial422:
                YbrPartialToRgb(pixels);
                break;
        }

        return output;
    }

    /// <summary>Three samples per pixel into interleaved 8-bit output, by pixel or by plane, reduced to their top 8 stored bits.</summary>
    private static void ReadSamples(PixelDescription d, ReadOnlySpan<byte> frame, int count, byte[] pixels)
    {
        var planar = d.PlanarConfiguration == 1;
        if (d.BitsAllocated == 8 && d.BitsStored == 8)
        {
            if (!planar)
            {
                frame[..(count * 3)].CopyTo(pixels);
                return;
            }

            for (var c = 0; c < 3; c++)
            {
                var plane = frame.Slice(c * count, count);
                for (var i = 0; i < count; i++)
                {
                    pixels[(i * 3) + c] = plane[i];
                }
            }

            return;
        }

        var shift = d.HighBit + 1 - d.BitsStored;
        var mask = d.BitsStored >= 32 ? uint.MaxValue : (1u << d.BitsStored) - 1;
        var down = d.BitsStored - 8;
        var bytesPerSample = d.BitsAllocated / 8;
        for (var c = 0; c < 3; c++)
        {
            for (var i = 0; i < count; i++)
            {
                var sampleIndex = planar ? (c * count) + i : (i * 3) + c;
                var offset = sampleIndex * bytesPerSample;
                uint raw = bytesPerSample switch
                {
                    1 => frame[offset],
                    2 => BinaryPrimitives.ReadUInt16LittleEndian(frame[offset..]),
                    _ => BinaryPrimitives.ReadUInt32LittleEndian(frame[offset..]),
                };
                var value = (raw >> shift) & mask;
                pixels[(i * 3) + c] = (byte)(down >= 0 ? value >> down : value << -down);
            }
        }
    }

    /// <summary>PS3.3 C.7.6.3.1.2 YBR_FULL (the JFIF transform): R = Y + 1.402 Cr′, G = Y − 0.344136 Cb′ − 0.714136 Cr′, B = Y + 1.772 Cb′.</summary>
    private static void YbrFullToRgb(byte[] pixels)
    {
        for (var i = 0; i + 2 < pixels.Length; i += 3)
        {
            double y = pixels[i], cb = pixels[i + 1] - 128.0, cr = pixels[i + 2] - 128.0;
            pixels[i] = ToByte(y + (1.402 * cr));
            pixels[i + 1] = ToByte(y - (0.344136 * cb) - (0.714136 * cr));
            pixels[i + 2] = ToByte(y + (1.772 * cb));
        }
    }

    /// <summary>The inverse of C.7.6.3.1.2 YBR_PARTIAL (Y 16–235, Cb and Cr 16–240 around 128).</summary>
    private static void YbrPartialToRgb(byte[] pixels)
    {
        for (var i = 0; i + 2 < pixels.Length; i += 3)
        {
            double y = 1.164384 * (pixels[i] - 16.0), cb = pixels[i + 1] - 128.0, cr = pixels[i + 2] - 128.0;
            pixels[i] = ToByte(y + (1.596027 * cr));
            pixels[i + 1] = ToByte(y - (0.391762 * cb) - (0.812968 * cr));
            pixels[i + 2] = ToByte(y + (2.017232 * cb));
        }
    }

    private static byte ToByte(double v) => (byte)Math.Clamp((int)Math.Round(v), 0, 255);
}
