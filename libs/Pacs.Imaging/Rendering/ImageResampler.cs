using System.Buffers;

namespace Pacs.Imaging;

/// <summary>
/// Crops, mirrors and scales rendered images: area averaging when shrinking (every source pixel counts by how much of
/// it an output pixel covers, so thin lines do not vanish and no aliasing appears), bilinear when enlarging.
/// Separable: one pass along rows, one along columns.
/// </summary>
public static class ImageResampler
{
    /// <summary>Fits the viewport's source region (the whole image when none) within vw×vh, keeping the aspect ratio.</summary>
    public static RenderedImage Fit(RenderedImage source, Viewport viewport)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(viewport);
        var x0 = viewport.SourceX ?? 0;
        var y0 = viewport.SourceY ?? 0;
        if (x0 >= source.Width || y0 >= source.Height)
        {
            throw new ImageRenderingException($"The viewport region starts at ({x0}, {y0}), outside the {source.Width}×{source.Height} image.");
        }

        var regionWidth = Math.Min(viewport.SourceWidth is { } sw ? Math.Abs(sw) : source.Width - x0, source.Width - x0);
        var regionHeight = Math.Min(viewport.SourceHeight is { } sh ? Math.Abs(sh) : source.Height - y0, source.Height - y0);
        var scale = Math.Min((double)viewport.Width / regionWidth, (double)viewport.Height / regionHeight);
        var width = Math.Clamp((int)Math.Round(regionWidth * scale), 1, viewport.Width);
        var height = Math.Clamp((int)Math.Round(regionHeight * scale), 1, viewport.Height);
        return Resample(source, x0, y0, regionWidth, regionHeight, width, height, viewport.SourceWidth < 0, viewport.SourceHeight < 0);
    }

    /// <summary>Scales the region [x0, x0+regionWidth) × [y0, y0+regionHeight) of <paramref name="source"/> to width×height.</summary>
    public static RenderedImage Resample(RenderedImage source, int x0, int y0, int regionWidth, int regionHeight, int width, int height, bool mirrorX = false, bool mirrorY = false)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (x0 < 0 || y0 < 0 || regionWidth <= 0 || regionHeight <= 0 || x0 + regionWidth > source.Width || y0 + regionHeight > source.Height)
        {
            throw new ArgumentOutOfRangeException(nameof(regionWidth), $"The region {regionWidth}×{regionHeight} at ({x0}, {y0}) is not inside the {source.Width}×{source.Height} image.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        var bpp = source.BytesPerPixel;
        var result = new RenderedImage(width, height, source.Format);
        var columns = Taps.For(regionWidth, width, mirrorX);
        var rows = Taps.For(regionHeight, height, mirrorY);

        // Pass 1: each source row of the region to `width` pixels, kept as floats.
        var rowStride = width * bpp;
        var horizontal = ArrayPool<float>.Shared.Rent(regionHeight * rowStride);
        try
        {
            var src = source.Pixels;
            for (var y = 0; y < regionHeight; y++)
            {
                var rowStart = ((y0 + y) * source.Stride) + (x0 * bpp);
                var target = horizontal.AsSpan(y * rowStride, rowStride);
                for (var x = 0; x < width; x++)
                {
                    var first = rowStart + (columns.Start[x] * bpp);
                    var weights = columns.WeightsOf(x);
                    for (var c = 0; c < bpp; c++)
                    {
                        var sum = 0f;
                        for (var k = 0; k < weights.Length; k++)
                        {
                            sum += src[first + (k * bpp) + c] * weights[k];
                        }

                        target[(x * bpp) + c] = sum;
                    }
                }
            }

            // Pass 2: down the columns, rounding to bytes.
            var output = result.Pixels;
            for (var y = 0; y < height; y++)
            {
                var weights = rows.WeightsOf(y);
                var firstRow = rows.Start[y];
                var target = output.AsSpan(y * rowStride, rowStride);
                for (var i = 0; i < rowStride; i++)
                {
                    var sum = 0f;
                    for (var k = 0; k < weights.Length; k++)
                    {
                        sum += horizontal[((firstRow + k) * rowStride) + i] * weights[k];
                    }

                    target[i] = (byte)Math.Clamp((int)(sum + 0.5f), 0, 255);
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(horizontal);
        }

        return result;
    }

    /// <summary>For each output position along one axis: the first source index and the weights of consecutive sources.</summary>
    private sealed class Taps
    {
        private readonly float[] _weights;
        private readonly int[] _count;
        private readonly int _maxTaps;

        private Taps(int outputs, int maxTaps)
        {
            Start = new int[outputs];
            _count = new int[outputs];
            _weights = new float[outputs * maxTaps];
            _maxTaps = maxTaps;
        }

        public int[] Start { get; }

        public ReadOnlySpan<float> WeightsOf(int i) => _weights.AsSpan(i * _maxTaps, _count[i]);

        public static Taps For(int inputs, int outputs, bool mirror)
        {
            Taps taps;
            if (outputs < inputs)
            {
                // Area averaging: output i covers [i·r, (i+1)·r) of the source, r = inputs / outputs.
                var ratio = (double)inputs / outputs;
                taps = new Taps(outputs, (int)Math.Ceiling(ratio) + 1);
                for (var i = 0; i < outputs; i++)
                {
                    var begin = i * ratio;
                    var end = Math.Min(inputs, (i + 1) * ratio);
                    var first = (int)Math.Floor(begin);
                    var last = Math.Min(inputs - 1, (int)Math.Ceiling(end) - 1);
                    var slot = mirror ? outputs - 1 - i : i;
                    taps.Start[slot] = first;
                    var n = 0;
                    for (var j = first; j <= last; j++)
                    {
                        var overlap = Math.Min(end, j + 1) - Math.Max(begin, j);
                        taps._weights[(slot * taps._maxTaps) + n++] = (float)(overlap / ratio);
                    }

                    taps._count[slot] = n;
                }
            }
            else
            {
                // Bilinear: output i samples the source at (i + 0.5)·r − 0.5, between two neighbours, edges held.
                var ratio = (double)inputs / outputs;
                taps = new Taps(outputs, 2);
                for (var i = 0; i < outputs; i++)
                {
                    var position = ((i + 0.5) * ratio) - 0.5;
                    var left = (int)Math.Floor(position);
                    var fraction = (float)(position - left);
                    var slot = mirror ? outputs - 1 - i : i;
                    var w = taps._weights.AsSpan(slot * 2, 2);
                    if (left < 0)
                    {
                        taps.Start[slot] = 0;
                        w[0] = 1;
                        taps._count[slot] = 1;
                    }
                    else if (left >= inputs - 1)
                    {
                        taps.Start[slot] = inputs - 1;
                        w[0] = 1;
                        taps._count[slot] = 1;
                    }
                    else
                    {
                        taps.Start[slot] = left;
                        w[0] = 1 - fraction;
                        w[1] = fraction;
                        taps._count[slot] = 2;
                    }
                }
            }

            return taps;
        }
    }
}
