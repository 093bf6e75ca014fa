using System.Diagnostics;
using System.Text;

namespace Pacs.Imaging.Tests;

/// <summary>
/// Decodes images with Pillow (Debian package python3-pil, run by /usr/bin/python3) so that our encoders are checked by
/// a decoder we did not write. A missing Pillow fails the test with the package to install.
/// </summary>
public static class PythonImaging
{
    public sealed record Decoded(string Mode, int Width, int Height, byte[] Pixels, string Format);

    private const string DecodeScript = """
        import sys
        from PIL import Image
        im = Image.open(sys.argv[1])
        im.load()
        # 16-bit grey comes back as mode I (32-bit); hand it out as big-endian 16-bit samples, mode I;16B.
        if im.mode in ("I", "I;16", "I;16B"):
            sys.stdout.write("I;16B %d %d %s\n" % (im.size[0], im.size[1], im.format))
            sys.stdout.flush()
            sys.stdout.buffer.write(im.tobytes("raw", "I;16B"))
        else:
            sys.stdout.write("%s %d %d %s\n" % (im.mode, im.size[0], im.size[1], im.format))
            sys.stdout.flush()
            sys.stdout.buffer.write(im.tobytes())
        """;

    private const string PillowJpegScript = """
        import sys
        from PIL import Image
        mode, width, height, quality, subsampling = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
        data = open(sys.argv[1], "rb").read()
        im = Image.frombytes(mode, (width, height), data)
        im.save(sys.argv[1] + ".jpg", quality=quality, subsampling=subsampling)
        back = Image.open(sys.argv[1] + ".jpg")
        back.load()
        sys.stdout.buffer.write(back.tobytes())
        """;

    /// <summary>Decodes an encoded image (PNG or JPEG) and returns its mode ("L", "RGB", "I;16B" …), size and raw samples.</summary>
    public static Decoded Decode(byte[] encoded, string extension)
    {
        var path = Path.Combine(Path.GetTempPath(), $"pacs-imaging-{Guid.NewGuid():N}.{extension}");
        File.WriteAllBytes(path, encoded);
        try
        {
            var output = Run(DecodeScript, path);
            var newline = Array.IndexOf(output, (byte)'\n');
            var header = Encoding.ASCII.GetString(output, 0, newline).Split(' ');
            return new Decoded(header[0], int.Parse(header[1], System.Globalization.CultureInfo.InvariantCulture), int.Parse(header[2], System.Globalization.CultureInfo.InvariantCulture), output[(newline + 1)..], header[3]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// Encodes the same picture with Pillow's own JPEG encoder (libjpeg) at the same quality and decodes it again: a
    /// reference for how close a baseline JPEG at that quality gets. Subsampling 0 is 4:4:4, 2 is 4:2:0.
    /// </summary>
    public static byte[] PillowJpegRoundTrip(RenderedImage image, int quality, int subsampling)
    {
        var path = Path.Combine(Path.GetTempPath(), $"pacs-imaging-{Guid.NewGuid():N}.raw");
        File.WriteAllBytes(path, image.Pixels);
        try
        {
            var mode = image.Format == RenderedPixelFormat.Gray8 ? "L" : "RGB";
            return Run(PillowJpegScript, path, mode, image.Width.ToString(System.Globalization.CultureInfo.InvariantCulture), image.Height.ToString(System.Globalization.CultureInfo.InvariantCulture), quality.ToString(System.Globalization.CultureInfo.InvariantCulture), subsampling.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".jpg");
        }
    }

    /// <summary>Runs a Python script with arguments and returns its standard output; fails on a non-zero exit or after 60 s.</summary>
    public static byte[] Run(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start.");
        var stderrTask = process.StandardError.ReadToEndAsync();
        using var stdout = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("python3 did not finish within 60 s.");
        }

        copy.Wait(10_000);
        var stderr = stderrTask.Result;
        if (process.ExitCode != 0)
        {
            var hint = stderr.Contains("No module named 'PIL'", StringComparison.Ordinal)
                ? " Pillow is missing: apt-get install -y python3-pil."
                : string.Empty;
            throw new InvalidOperationException($"python3 exited with {process.ExitCode}.{hint}\n{stderr}");
        }

        return stdout.ToArray();
    }

    /// <summary>Peak signal-to-noise ratio in dB between two 8-bit sample arrays of equal length.</summary>
    public static double Psnr(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double sum = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            var d = expected[i] - actual[i];
            sum += d * d;
        }

        var mse = sum / expected.Length;
        return mse == 0 ? double.PositiveInfinity : 10 * Math.Log10(255.0 * 255.0 / mse);
    }
}
