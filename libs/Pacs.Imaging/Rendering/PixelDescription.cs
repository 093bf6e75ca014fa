using Pacs.Dicom;

namespace Pacs.Imaging;

/// <summary>Photometric Interpretation (0028,0004) values this library renders (PS3.3 C.7.6.3.1.2).</summary>
public enum Photometric
{
    Monochrome1,
    Monochrome2,
    PaletteColor,
    Rgb,
    YbrFull,
    YbrFull422,
    YbrPartial422,

    /// <summary>YBR_ICT and YBR_RCT: only JPEG 2000 data carries them, and its decoders hand out RGB.</summary>
    YbrIctOrRct,
}

/// <summary>
/// Everything about a data set's pixels that rendering needs (PS3.3 C.7.6.3 Image Pixel, C.11 LUTs), read once per
/// instance with <see cref="FromDataset"/> and reused for each of its frames. A record, so a caller that knows better
/// (e.g. that a decoder changed the planar configuration) can adjust it with <c>with</c>.
/// </summary>
public sealed record PixelDescription
{
    public required int Rows { get; init; }

    public required int Columns { get; init; }

    public int SamplesPerPixel { get; init; } = 1;

    public Photometric Photometric { get; init; } = Photometric.Monochrome2;

    /// <summary>1, 8, 16, 32 or (float data) 64.</summary>
    public required int BitsAllocated { get; init; }

    public required int BitsStored { get; init; }

    public required int HighBit { get; init; }

    /// <summary>Pixel Representation 1: two's complement samples, sign-extended from <see cref="BitsStored"/>.</summary>
    public bool IsSigned { get; init; }

    /// <summary>0: samples of a pixel together (R G B R G B …); 1: one plane per sample (R R … G G … B B …).</summary>
    public int PlanarConfiguration { get; init; }

    /// <summary>True for Float Pixel Data (7FE0,0008) or Double Float Pixel Data (7FE0,0009): IEEE samples of 32 or 64 bits.</summary>
    public bool IsFloat { get; init; }

    public double RescaleSlope { get; init; } = 1;

    public double RescaleIntercept { get; init; }

    /// <summary>The data set's first Window Center / Window Width pair with its VOI LUT Function; null when it has none.</summary>
    public VoiWindow? Window { get; init; }

    /// <summary>Modality LUT Sequence (0028,3000) item; when present it replaces the rescale.</summary>
    public LookupTable? ModalityLut { get; init; }

    /// <summary>VOI LUT Sequence (0028,3010) item; used when no window is given or present.</summary>
    public LookupTable? VoiLut { get; init; }

    /// <summary>The palette of a PALETTE COLOR image.</summary>
    public PaletteColorLut? Palette { get; init; }

    /// <summary>Presentation LUT Shape (2050,0020) INVERSE: the grey output is inverted (on top of MONOCHROME1's own inversion).</summary>
    public bool PresentationInverse { get; init; }

    public int NumberOfFrames { get; init; } = 1;

    /// <summary>Number of pixels in a frame.</summary>
    public long PixelCount => (long)Rows * Columns;

    /// <summary>
    /// Bytes of one frame in native form: bit-packed for 1-bit data (PS3.5 8.1.1), two samples per pixel for the
    /// 4:2:2 YBR forms, else Rows × Columns × Samples × BitsAllocated / 8.
    /// </summary>
    public long FrameLength => Photometric is Photometric.YbrFull422 or Photometric.YbrPartial422
        ? PixelCount * 2 * (BitsAllocated / 8)
        : BitsAllocated == 1 ? ((PixelCount * SamplesPerPixel) + 7) / 8 : PixelCount * SamplesPerPixel * (BitsAllocated / 8);

    /// <summary>Reads the pixel description of a data set; throws <see cref="ImageRenderingException"/> when it cannot be rendered.</summary>
    public static PixelDescription FromDataset(DicomDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var rows = DatasetValues.UInt16(dataset, ImagingTags.Rows) ?? throw Missing("Rows", ImagingTags.Rows);
        var columns = DatasetValues.UInt16(dataset, ImagingTags.Columns) ?? throw Missing("Columns", ImagingTags.Columns);
        var bitsAllocated = DatasetValues.UInt16(dataset, ImagingTags.BitsAllocated) ?? throw Missing("Bits Allocated", ImagingTags.BitsAllocated);
        if (rows == 0 || columns == 0)
        {
            throw new ImageRenderingException($"The image is {columns}×{rows} pixels: there is nothing to render.");
        }

        var samples = DatasetValues.UInt16(dataset, ImagingTags.SamplesPerPixel) ?? 1;
        var isFloat = dataset.Contains(ImagingTags.FloatPixelData) || dataset.Contains(ImagingTags.DoubleFloatPixelData);
        var bitsStored = DatasetValues.UInt16(dataset, ImagingTags.BitsStored) ?? bitsAllocated;
        var highBit = DatasetValues.UInt16(dataset, ImagingTags.HighBit) ?? bitsStored - 1;
        var signed = DatasetValues.UInt16(dataset, ImagingTags.PixelRepresentation) == 1;

        if (isFloat ? bitsAllocated is not (32 or 64) : bitsAllocated is not (1 or 8 or 16 or 32))
        {
            throw new ImageRenderingException($"Bits Allocated {bitsAllocated} is not rendered (1, 8, 16 or 32 for integer pixels; 32 or 64 for float pixels).");
        }

        if (!isFloat && (bitsStored < 1 || bitsStored > bitsAllocated || highBit < bitsStored - 1 || highBit >= bitsAllocated))
        {
            throw new ImageRenderingException($"Bits Stored {bitsStored} with High Bit {highBit} does not fit in Bits Allocated {bitsAllocated}.");
        }

        var photometricText = DatasetValues.Text(dataset, ImagingTags.PhotometricInterpretation)?.Trim().ToUpperInvariant();
        var photometric = photometricText switch
        {
            null or "" => samples == 3 ? Photometric.Rgb : Photometric.Monochrome2,
            "MONOCHROME1" => Photometric.Monochrome1,
            "MONOCHROME2" => Photometric.Monochrome2,
            "PALETTE COLOR" => Photometric.PaletteColor,
            "RGB" => Photometric.Rgb,
            "YBR_FULL" => Photometric.YbrFull,
            "YBR_FULL_422" => Photometric.YbrFull422,
            "YBR_PARTIAL_422" => Photometric.YbrPartial422,
            "YBR_ICT" or "YBR_RCT" => Photometric.YbrIctOrRct,
            _ => throw new ImageRenderingException($"Photometric Interpretation '{photometricText}' is not rendered."),
        };

        var expectedSamples = photometric is Photometric.Monochrome1 or Photometric.Monochrome2 or Photometric.PaletteColor ? 1 : 3;
        if (samples != expectedSamples)
        {
            throw new ImageRenderingException($"Photometric Interpretation {photometricText} needs {expectedSamples} Samples per Pixel, not {samples}.");
        }

        if (photometric is Photometric.YbrFull422 or Photometric.YbrPartial422 && bitsAllocated != 8)
        {
            throw new ImageRenderingException($"{photometricText} is rendered for 8-bit samples only, not Bits Allocated {bitsAllocated}.");
        }

        if (isFloat && expectedSamples != 1)
        {
            throw new ImageRenderingException("Float pixel data is rendered as MONOCHROME only.");
        }

        var description = new PixelDescription
        {
            Rows = rows,
            Columns = columns,
            SamplesPerPixel = samples,
            Photometric = photometric,
            BitsAllocated = bitsAllocated,
            BitsStored = isFloat ? bitsAllocated : bitsStored,
            HighBit = isFloat ? bitsAllocated - 1 : highBit,
            IsSigned = signed,
            PlanarConfiguration = DatasetValues.UInt16(dataset, ImagingTags.PlanarConfiguration) ?? 0,
            IsFloat = isFloat,
            NumberOfFrames = Math.Max(1, (int)(DatasetValues.Number(dataset, ImagingTags.NumberOfFrames) ?? 1)),
        };

        if (photometric == Photometric.PaletteColor)
        {
            return description with { Palette = PaletteColorLut.FromDataset(dataset, signed) };
        }

        if (expectedSamples != 1)
        {
            return description;
        }

        // PS3.3 C.11.1: the Modality LUT Sequence, else Rescale Slope and Intercept (identity when absent).
        var slope = DatasetValues.Number(dataset, ImagingTags.RescaleSlope) ?? 1;
        var intercept = DatasetValues.Number(dataset, ImagingTags.RescaleIntercept) ?? 0;
        if (slope == 0)
        {
            slope = 1; // a zero slope would flatten every image; taken as the absent default.
        }

        var modalityLut = LookupTable.FromSequence(dataset, ImagingTags.ModalityLutSequence, signed);
        var modalityCanBeNegative = modalityLut is null ? signed || intercept < 0 || slope < 0 : false;

        return description with
        {
            RescaleSlope = slope,
            RescaleIntercept = intercept,
            ModalityLut = modalityLut,
            Window = ReadWindow(dataset),
            VoiLut = LookupTable.FromSequence(dataset, ImagingTags.VoiLutSequence, modalityCanBeNegative),
            PresentationInverse = string.Equals(DatasetValues.Text(dataset, ImagingTags.PresentationLutShape), "INVERSE", StringComparison.OrdinalIgnoreCase),
        };
    }

    /// <summary>The first Window Center / Width pair (C.11.2.1.2) with the VOI LUT Function; null when absent or unusable.</summary>
    private static VoiWindow? ReadWindow(DicomDataset dataset)
    {
        var center = DatasetValues.Number(dataset, ImagingTags.WindowCenter);
        var width = DatasetValues.Number(dataset, ImagingTags.WindowWidth);
        if (center is null || width is null)
        {
            return null;
        }

        var function = DatasetValues.Text(dataset, ImagingTags.VoiLutFunction)?.ToUpperInvariant() switch
        {
            "LINEAR_EXACT" => VoiLutFunction.LinearExact,
            "SIGMOID" => VoiLutFunction.Sigmoid,
            _ => VoiLutFunction.Linear,
        };

        return VoiWindow.IsValidWidth(width.Value, function) ? new VoiWindow(center.Value, width.Value, function) : null;
    }

    private static ImageRenderingException Missing(string name, DicomTag tag) =>
        new($"The data set has no {name} {tag}, so its pixels cannot be rendered.");
}
