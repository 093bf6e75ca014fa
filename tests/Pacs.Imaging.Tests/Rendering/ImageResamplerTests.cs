namespace Pacs.Imaging.Tests.Rendering;

public class ImageResamplerTests
{
    [Theory]
    [InlineData(200, 100, 64, 64, 64, 32)]
    [InlineData(200, 100, 100, 300, 100, 50)]
    [InlineData(100, 200, 64, 64, 32, 64)]
    [InlineData(10, 10, 100, 50, 50, 50)]
    [InlineData(512, 512, 128, 128, 128, 128)]
    [InlineData(3, 1000, 64, 64, 1, 64)]
    public void Viewport_fit_keeps_the_aspect_ratio_within_the_viewport(int width, int height, int vw, int vh, int expectedWidth, int expectedHeight)
    {
        var result = ImageResampler.Fit(new RenderedImage(width, height, RenderedPixelFormat.Gray8), new Viewport(vw, vh));
        Assert.Equal((expectedWidth, expectedHeight), (result.Width, result.Height));
    }

    [Fact]
    public void Area_averaging_turns_a_fine_checkerboard_into_even_grey()
    {
        var image = new RenderedImage(64, 64, RenderedPixelFormat.Gray8);
        for (var i = 0; i < image.Pixels.Length; i++)
        {
            image.Pixels[i] = (byte)(((i % 64) + (i / 64)) % 2 == 0 ? 255 : 0);
        }

        var small = ImageResampler.Fit(image, new Viewport(16, 16));
        Assert.All(small.Pixels, p => Assert.InRange(p, 127, 128));
    }

    [Fact]
    public void Non_integer_downscale_keeps_the_mean_and_a_thin_line()
    {
        var image = new RenderedImage(100, 100, RenderedPixelFormat.Gray8);
        for (var y = 0; y < 100; y++)
        {
            image.Pixels[(y * 100) + 50] = 255; // a one-pixel vertical line
        }

        var small = ImageResampler.Fit(image, new Viewport(30, 30));
        Assert.Equal((30, 30), (small.Width, small.Height));
        Assert.All(Enumerable.Range(0, 30), y => Assert.True(small.Pixels[(y * 30) + 15] > 50));
        Assert.Equal(255.0 / 100, small.Pixels.Average(p => (double)p), 0.3);
    }

    [Fact]
    public void Upscaling_is_bilinear_between_neighbours()
    {
        var image = new RenderedImage(2, 1, RenderedPixelFormat.Gray8, [0, 200]);
        var large = ImageResampler.Resample(image, 0, 0, 2, 1, 8, 1);
        // Samples at source positions −0.25, 0, 0.25 … 1.25: held at the edges, linear between.
        Assert.Equal([0, 0, 25, 75, 125, 175, 200, 200], large.Pixels);
    }

    [Fact]
    public void Region_selects_part_of_the_frame_and_a_negative_width_mirrors_it()
    {
        var image = new RenderedImage(4, 2, RenderedPixelFormat.Gray8, [1, 2, 3, 4, 5, 6, 7, 8]);
        var region = ImageResampler.Fit(image, new Viewport(2, 2) { SourceX = 1, SourceY = 0, SourceWidth = 2, SourceHeight = 2 });
        Assert.Equal([2, 3, 6, 7], region.Pixels);

        var mirrored = ImageResampler.Fit(image, new Viewport(2, 2) { SourceX = 1, SourceWidth = -2 });
        Assert.Equal([3, 2, 7, 6], mirrored.Pixels);

        var flipped = ImageResampler.Fit(image, new Viewport(4, 2) { SourceHeight = -2 });
        Assert.Equal([5, 6, 7, 8, 1, 2, 3, 4], flipped.Pixels);
    }

    [Fact]
    public void Region_outside_the_image_is_refused()
    {
        var image = new RenderedImage(4, 4, RenderedPixelFormat.Gray8);
        var error = Assert.Throws<ImageRenderingException>(() => ImageResampler.Fit(image, new Viewport(2, 2) { SourceX = 4 }));
        Assert.Contains("outside the 4×4 image", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rgb_channels_are_scaled_independently()
    {
        var image = new RenderedImage(2, 2, RenderedPixelFormat.Rgb24, [255, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 255]);
        var one = ImageResampler.Fit(image, new Viewport(1, 1));
        Assert.Equal([128, 0, 128], one.Pixels);
    }
}
