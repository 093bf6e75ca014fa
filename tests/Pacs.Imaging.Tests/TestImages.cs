namespace Pacs.Imaging.Tests;

/// <summary>Deterministic synthetic pictures: smooth gradients with some edges and texture, like medical images have.</summary>
public static class TestImages
{
    public static RenderedImage Gray(int width, int height, int seed = 1)
    {
        var image = new RenderedImage(width, height, RenderedPixelFormat.Gray8);
        var random = new Random(seed);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var dx = x - (width / 2.0);
                var dy = y - (height / 2.0);
                var disc = (dx * dx) + (dy * dy) < width * height / 8.0 ? 60 : 0;
                var value = (x * 150.0 / width) + (y * 40.0 / height) + disc + random.Next(0, 6);
                image.Pixels[(y * width) + x] = (byte)Math.Clamp((int)value, 0, 255);
            }
        }

        return image;
    }

    public static RenderedImage Rgb(int width, int height, int seed = 1)
    {
        var image = new RenderedImage(width, height, RenderedPixelFormat.Rgb24);
        var random = new Random(seed);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var i = ((y * width) + x) * 3;
                var inBox = x > width / 4 && x < width * 3 / 4 && y > height / 4 && y < height * 3 / 4;
                image.Pixels[i] = (byte)Math.Clamp((x * 255 / Math.Max(1, width - 1)) + random.Next(0, 4), 0, 255);
                image.Pixels[i + 1] = (byte)Math.Clamp((y * 255 / Math.Max(1, height - 1)) + random.Next(0, 4), 0, 255);
                image.Pixels[i + 2] = (byte)(inBox ? 200 : 60);
            }
        }

        return image;
    }
}
