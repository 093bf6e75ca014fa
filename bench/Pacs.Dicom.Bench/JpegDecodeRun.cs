using System.Diagnostics;
using System.Globalization;

namespace Pacs.Dicom.Bench;

/// <summary>
/// The two halves of bench/jpeg-decode.sh that run in .NET.
/// <para>
/// `jpeg-prepare CORPUS OUT`: writes the uncompressed inputs the script then compresses with DCMTK — ct-32f.dcm, 32
/// frames of a 512×512 16-bit CT (the corpus's valid/693_UNCI.dcm, shifted a little per frame so no two frames are
/// alike), and rgb-16f.dcm, 16 frames of a 512×512 8-bit RGB picture (smooth shapes and seeded noise).
/// </para>
/// <para>
/// `jpeg-decode [--runs N] FILE…`: per file, decodes every frame of its pixel data through <see cref="DicomCodecs"/>
/// (the frames are read into memory first: only decoding is timed), after untimed warm-up passes of at least one second.
/// Prints <c>decode FILE frames F seconds S1 S2 …</c>, the CPU time (user + system) of each timed pass, and a
/// <c>wall …</c> line with the elapsed times.
/// </para>
/// </summary>
internal static class JpegDecodeRun
{
    public static int Prepare(string[] args, TextWriter output, TextWriter error)
    {
        if (args.Length != 2)
        {
            error.WriteLine("usage: Pacs.Dicom.Bench jpeg-prepare CORPUS OUTDIR");
            return 2;
        }

        Directory.CreateDirectory(args[1]);
        var ct = DicomFile.Open(Path.Combine(args[0], "valid", "693_UNCI.dcm"));
        var ctPixels = DicomPixelData.FromDataset(ct.Dataset, ct.TransferSyntax).ReadFrame(0);
        const int Size = 512;
        var ctFrames = new byte[32 * ctPixels.Length];
        for (var f = 0; f < 32; f++)
        {
            for (var y = 0; y < Size; y++)
            {
                var sourceRow = (y + (f * 7)) % Size;
                for (var x = 0; x < Size; x++)
                {
                    var sourceColumn = (x + (f * 5)) % Size;
                    var from = ((sourceRow * Size) + sourceColumn) * 2;
                    var to = (f * ctPixels.Length) + (((y * Size) + x) * 2);
                    ctFrames[to] = ctPixels[from];
                    ctFrames[to + 1] = ctPixels[from + 1];
                }
            }
        }

        Write(ct, 32, Size, new DicomElement(DicomTag.PixelData, DicomVR.OW, ctFrames), Path.Combine(args[1], "ct-32f.dcm"));

        var rgb = DicomFile.Open(Path.Combine(args[0], "pixel-formats", "SC_rgb.dcm"));
        var random = new Random(20261124);
        var rgbFrames = new byte[16 * Size * Size * 3];
        for (var f = 0; f < 16; f++)
        {
            for (var y = 0; y < Size; y++)
            {
                for (var x = 0; x < Size; x++)
                {
                    var at = (((f * Size * Size) + (y * Size) + x) * 3);
                    var inDisc = ((x - 256 - (f * 4)) * (x - 256 - (f * 4))) + ((y - 200) * (y - 200)) < 120 * 120;
                    rgbFrames[at] = (byte)Math.Clamp((x / 2) + random.Next(-6, 7), 0, 255);
                    rgbFrames[at + 1] = (byte)Math.Clamp((inDisc ? 220 : y / 2) + random.Next(-6, 7), 0, 255);
                    rgbFrames[at + 2] = (byte)Math.Clamp(((x + y + (f * 16)) % 256) + random.Next(-6, 7), 0, 255);
                }
            }
        }

        rgb.Dataset.SetValues(DicomTag.PlanarConfiguration, DicomVR.US, (ushort)0);
        Write(rgb, 16, Size, new DicomElement(DicomTag.PixelData, DicomVR.OB, rgbFrames), Path.Combine(args[1], "rgb-16f.dcm"));
        output.WriteLine($"wrote ct-32f.dcm and rgb-16f.dcm to {args[1]}");
        return 0;
    }

    public static int Decode(string[] args, TextWriter output, TextWriter error)
    {
        var runs = 5;
        var files = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--runs" && i + 1 < args.Length)
            {
                runs = int.Parse(args[++i], CultureInfo.InvariantCulture);
            }
            else
            {
                files.Add(args[i]);
            }
        }

        if (files.Count == 0 || runs < 1)
        {
            error.WriteLine("usage: Pacs.Dicom.Bench jpeg-decode [--runs N] FILE...");
            return 2;
        }

        foreach (var path in files)
        {
            var file = DicomFile.Open(path);
            var syntax = file.TransferSyntax;
            var pixels = DicomPixelData.FromDataset(file.Dataset, syntax, new DicomFileBulkDataSource(path));
            var geometry = DicomFrameGeometry.FromDataset(file.Dataset);
            var frames = Enumerable.Range(0, pixels.NumberOfFrames).Select(i => pixels.ReadFrame(i)).ToArray();

            var warmUp = Stopwatch.StartNew();
            do
            {
                DecodeAll(syntax, frames, geometry);
            }
            while (warmUp.Elapsed < TimeSpan.FromSeconds(1));

            var times = new List<string>();
            var wall = new List<string>();
            for (var run = 0; run < runs; run++)
            {
                var cpu = CpuTime();
                var watch = Stopwatch.StartNew();
                DecodeAll(syntax, frames, geometry);
                wall.Add(watch.Elapsed.TotalSeconds.ToString("F4", CultureInfo.InvariantCulture));
                times.Add((CpuTime() - cpu).TotalSeconds.ToString("F4", CultureInfo.InvariantCulture));
            }

            output.WriteLine($"decode {Path.GetFileName(path)} frames {frames.Length} seconds {string.Join(' ', times)}");
            output.WriteLine($"wall {Path.GetFileName(path)} frames {frames.Length} seconds {string.Join(' ', wall)}");
        }

        return 0;
    }

    /// <summary>CPU time of this process (user + system): on a shared, loaded machine far steadier than wall time.</summary>
    private static TimeSpan CpuTime()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    private static long DecodeAll(DicomTransferSyntax syntax, byte[][] frames, DicomFrameGeometry geometry)
    {
        long total = 0;
        foreach (var frame in frames)
        {
            total += DicomCodecs.DecodeFrame(syntax, frame, geometry).Pixels.Length;
        }

        return total;
    }

    private static void Write(DicomFile template, int frames, int size, DicomElement pixelData, string path)
    {
        var dataset = template.Dataset.Clone();
        dataset.Set(DicomTag.NumberOfFrames, frames.ToString(CultureInfo.InvariantCulture));
        dataset.SetValues(DicomTag.Rows, DicomVR.US, (ushort)size);
        dataset.SetValues(DicomTag.Columns, DicomVR.US, (ushort)size);
        dataset.Set(pixelData);
        using var stream = File.Create(path);
        DicomWriter.WriteFile(stream, new DicomFile(template.FileMetaInformation.Clone(), dataset),
            new DicomWriteOptions { TransferSyntax = DicomTransferSyntax.ExplicitVRLittleEndian, FlushToDisk = false });
    }
}
