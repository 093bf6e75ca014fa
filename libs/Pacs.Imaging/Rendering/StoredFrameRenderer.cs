using Pacs.Dicom;

namespace Pacs.Imaging;

/// <summary>
/// Renders a frame as the archive stores it: native frames go straight to <see cref="FrameRenderer"/>; encapsulated
/// ones (RLE, JPEG, JPEG-LS, … whatever <see cref="DicomCodecs"/> decodes) are decoded first, and the description is
/// adjusted to what the decoder hands out — e.g. RGB by pixel after a YBR_FULL_422 JPEG (PS3.5 8.2.1) — so the same
/// pixel pipeline then applies. A lossless frame therefore renders exactly like its uncompressed original.
/// </summary>
public static class StoredFrameRenderer
{
    /// <summary>The frame's native samples and the description that matches them.</summary>
    /// <exception cref="ImageRenderingException">The syntax has no decoder, or the frame is corrupt or disagrees with the data set.</exception>
    public static (PixelDescription Description, byte[] Pixels) Decode(DicomDataset dataset, PixelDescription description, DicomTransferSyntax transferSyntax,
        ReadOnlySpan<byte> frame)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(transferSyntax);
        if (!transferSyntax.IsEncapsulated)
        {
            return (description, frame.ToArray());
        }

        DicomDecodedFrame decoded;
        try
        {
            decoded = DicomCodecs.DecodeFrame(transferSyntax, frame, DicomFrameGeometry.FromDataset(dataset));
        }
        catch (DicomCodecNotSupportedException e)
        {
            throw new ImageRenderingException(e.Message, e);
        }
        catch (DicomException e)
        {
            throw new ImageRenderingException($"The stored {transferSyntax.Name} frame cannot be decoded: {e.Message}", e);
        }

        var photometric = decoded.PhotometricInterpretation switch
        {
            "RGB" => Photometric.Rgb,
            "YBR_FULL" => Photometric.YbrFull,
            var same when same == (dataset.GetString(DicomTag.PhotometricInterpretation) ?? string.Empty).Trim().ToUpperInvariant()
                && description.Photometric is not (Photometric.YbrFull422 or Photometric.YbrPartial422) => description.Photometric,
            var other => throw new ImageRenderingException($"Decoded {transferSyntax.Name} frames in {other} with every sample of every pixel are not rendered."),
        };

        return (description with { Photometric = photometric, PlanarConfiguration = decoded.PlanarConfiguration }, decoded.Pixels);
    }

    /// <summary>Renders a stored frame of the instance described by <paramref name="dataset"/> (its header is enough).</summary>
    public static RenderedImage Render(DicomDataset dataset, DicomTransferSyntax transferSyntax, ReadOnlySpan<byte> frame, RenderingParameters? parameters = null)
    {
        var (description, pixels) = Decode(dataset, PixelDescription.FromDataset(dataset), transferSyntax, frame);
        return FrameRenderer.Render(description, pixels, parameters);
    }

    /// <summary>As <see cref="Render"/> with the thumbnail's small default viewport.</summary>
    public static RenderedImage RenderThumbnail(DicomDataset dataset, DicomTransferSyntax transferSyntax, ReadOnlySpan<byte> frame, RenderingParameters? parameters = null)
    {
        var (description, pixels) = Decode(dataset, PixelDescription.FromDataset(dataset), transferSyntax, frame);
        return FrameRenderer.RenderThumbnail(description, pixels, parameters);
    }
}
