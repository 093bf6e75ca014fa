namespace Pacs.Imaging;

/// <summary>How the samples of a <see cref="RenderedImage"/> are laid out; the value is the number of bytes per pixel.</summary>
public enum RenderedPixelFormat
{
    /// <summary>One byte per pixel, 0 black to 255 white.</summary>
    Gray8 = 1,

    /// <summary>Three bytes per pixel in the order red, green, blue.</summary>
    Rgb24 = 3,
}

/// <summary>
/// An 8-bit image ready for an encoder: rows top to bottom, pixels left to right, no padding between rows.
/// This is what <see cref="FrameRenderer"/> produces and what <see cref="PngEncoder"/> and <see cref="JpegEncoder"/> take.
/// </summary>
public sealed class RenderedImage
{
    public RenderedImage(int width, int height, RenderedPixelFormat format, byte[] pixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentNullException.ThrowIfNull(pixels);
        if (format is not (RenderedPixelFormat.Gray8 or RenderedPixelFormat.Rgb24))
        {
            throw new ArgumentOutOfRangeException(nameof(format), format, "Only Gray8 and Rgb24 images exist.");
        }

        if ((long)width * height * (int)format != pixels.Length)
        {
            throw new ArgumentException($"A {width}×{height} {format} image needs {(long)width * height * (int)format} bytes, not {pixels.Length}.", nameof(pixels));
        }

        Width = width;
        Height = height;
        Format = format;
        Pixels = pixels;
    }

    /// <summary>A new black image of the given size.</summary>
    public RenderedImage(int width, int height, RenderedPixelFormat format)
        : this(width, height, format, new byte[checked(width * height * (int)format)])
    {
    }

    public int Width { get; }

    public int Height { get; }

    public RenderedPixelFormat Format { get; }

    /// <summary>Bytes per pixel: 1 for grey, 3 for RGB.</summary>
    public int BytesPerPixel => (int)Format;

    /// <summary>Bytes per row.</summary>
    public int Stride => Width * (int)Format;

    /// <summary>The samples, <see cref="Stride"/> bytes per row.</summary>
    public byte[] Pixels { get; }

    /// <summary>One row of samples.</summary>
    public Span<byte> Row(int y) => Pixels.AsSpan(y * Stride, Stride);
}
