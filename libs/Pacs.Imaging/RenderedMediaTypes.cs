namespace Pacs.Imaging;

/// <summary>
/// The media types a rendered resource can be returned in (PS3.18 8.7.4: image/jpeg is required, image/png is one of
/// the optional ones this library writes), and one call that encodes a rendered image in the chosen one.
/// </summary>
public static class RenderedMediaTypes
{
    public const string Jpeg = "image/jpeg";

    public const string Png = "image/png";

    /// <summary>The media types <see cref="Encode"/> writes, most preferred first.</summary>
    public static IReadOnlyList<string> Supported { get; } = [Jpeg, Png];

    /// <summary>True for image/jpeg and image/png (case-insensitive, parameters such as ;q= ignored).</summary>
    public static bool IsSupported(string? mediaType) => Normalize(mediaType) is Jpeg or Png;

    /// <summary>
    /// Writes <paramref name="image"/> as <paramref name="mediaType"/>: JPEG at the parameters' quality (PS3.18
    /// 8.3.5.1.2), PNG losslessly (quality does not apply). Throws <see cref="NotSupportedException"/> for other types.
    /// </summary>
    public static void Encode(Stream output, RenderedImage image, string mediaType, RenderingParameters? parameters = null)
    {
        parameters ??= RenderingParameters.Default;
        switch (Normalize(mediaType))
        {
            case Jpeg:
                JpegEncoder.Encode(output, image, new JpegEncoderOptions { Quality = parameters.EffectiveQuality });
                break;
            case Png:
                PngEncoder.Encode(output, image);
                break;
            default:
                throw new NotSupportedException($"Rendered images are written as {string.Join(" or ", Supported)}, not '{mediaType}'.");
        }
    }

    private static string Normalize(string? mediaType)
    {
        var text = mediaType ?? string.Empty;
        var semicolon = text.IndexOf(';', StringComparison.Ordinal);
        return (semicolon >= 0 ? text[..semicolon] : text).Trim().ToLowerInvariant();
    }
}
