namespace Pacs.Imaging;

/// <summary>
/// PS3.18 8.3.5.1.3 viewport: the rendered image fits within <see cref="Width"/>×<see cref="Height"/> with its aspect
/// ratio kept; optionally only a source region of the frame is rendered. A negative region width or height renders
/// the region (|SourceWidth| wide from SourceX, |SourceHeight| high from SourceY) mirrored on that axis.
/// </summary>
public sealed record Viewport
{
    public Viewport(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        Width = width;
        Height = height;
    }

    /// <summary>vw: the widest the rendered image may be, in pixels.</summary>
    public int Width { get; }

    /// <summary>vh: the tallest the rendered image may be, in pixels.</summary>
    public int Height { get; }

    /// <summary>sx: left edge of the source region in frame pixels; null for 0.</summary>
    public int? SourceX { get; init; }

    /// <summary>sy: top edge of the source region; null for 0.</summary>
    public int? SourceY { get; init; }

    /// <summary>sw: width of the source region, negative to mirror left–right; null for the rest of the frame from sx.</summary>
    public int? SourceWidth { get; init; }

    /// <summary>sh: height of the source region, negative to mirror top–bottom; null for the rest of the frame from sy.</summary>
    public int? SourceHeight { get; init; }

    /// <summary>True when any of sx, sy, sw, sh was given.</summary>
    public bool HasRegion => SourceX is not null || SourceY is not null || SourceWidth is not null || SourceHeight is not null;
}
