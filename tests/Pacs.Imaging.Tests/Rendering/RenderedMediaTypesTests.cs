namespace Pacs.Imaging.Tests.Rendering;

public class RenderedMediaTypesTests
{
    [Fact]
    public void Jpeg_and_png_media_types_write_their_formats_and_others_are_refused()
    {
        var image = TestImages.Gray(20, 10);
        using var jpeg = new MemoryStream();
        RenderedMediaTypes.Encode(jpeg, image, "image/JPEG; q=0.9", RenderingParameters.Parse("quality=20"));
        Assert.Equal([0xFF, 0xD8], jpeg.ToArray()[..2]);

        using var png = new MemoryStream();
        RenderedMediaTypes.Encode(png, image, "image/png");
        Assert.Equal(image.Pixels, TestPngReader.Read(png.ToArray()).Pixels);

        Assert.True(RenderedMediaTypes.IsSupported("image/png"));
        Assert.False(RenderedMediaTypes.IsSupported("image/gif"));
        var error = Assert.Throws<NotSupportedException>(() => RenderedMediaTypes.Encode(Stream.Null, image, "image/gif"));
        Assert.Contains("image/jpeg or image/png, not 'image/gif'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Jpeg_quality_parameter_changes_the_output_size()
    {
        var image = TestImages.Rgb(96, 96);
        using var low = new MemoryStream();
        using var high = new MemoryStream();
        RenderedMediaTypes.Encode(low, image, RenderedMediaTypes.Jpeg, RenderingParameters.Parse("quality=10"));
        RenderedMediaTypes.Encode(high, image, RenderedMediaTypes.Jpeg, RenderingParameters.Parse("quality=95"));
        Assert.True(low.Length < high.Length);
    }
}
