namespace Pacs.Dicom;

/// <summary>
/// What a decoder needs to know about the frames it turns into native pixel data: the Image Pixel attributes of
/// PS3.3 C.7.6.3 as the data set states them. The compressed stream carries its own copy of some of them; the
/// decoders check that the two agree so a mislabelled object gives an error rather than a garbled image.
/// </summary>
public sealed record DicomFrameGeometry
{
    public required int Rows { get; init; }

    public required int Columns { get; init; }

    public int SamplesPerPixel { get; init; } = 1;

    /// <summary>Bits Allocated (0028,0100): the size of each native sample container.</summary>
    public required int BitsAllocated { get; init; }

    /// <summary>Bits Stored (0028,0101); Bits Allocated when absent.</summary>
    public int BitsStored { get; init; }

    /// <summary>Pixel Representation (0028,0103): 1 for two's complement samples.</summary>
    public int PixelRepresentation { get; init; }

    /// <summary>Photometric Interpretation (0028,0004), upper case, trimmed; empty when absent.</summary>
    public string PhotometricInterpretation { get; init; } = string.Empty;

    /// <summary>Planar Configuration (0028,0006): the layout the data set declares for native colour frames.</summary>
    public int PlanarConfiguration { get; init; }

    /// <summary>Reads the geometry of <paramref name="dataset"/>'s pixel data.</summary>
    /// <exception cref="DicomException">Rows, Columns or Bits Allocated is missing or not positive.</exception>
    public static DicomFrameGeometry FromDataset(DicomDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var rows = dataset.GetInt32(DicomTag.Rows) ?? 0;
        var columns = dataset.GetInt32(DicomTag.Columns) ?? 0;
        var bitsAllocated = dataset.GetInt32(DicomTag.BitsAllocated) ?? 0;
        if (rows <= 0 || columns <= 0 || bitsAllocated <= 0)
        {
            throw new DicomException($"Rows ({rows}), Columns ({columns}) and Bits Allocated ({bitsAllocated}) must all be positive to decode a frame (PS3.3 C.7.6.3).");
        }

        var bitsStored = dataset.GetInt32(DicomTag.BitsStored) ?? bitsAllocated;
        return new DicomFrameGeometry
        {
            Rows = rows,
            Columns = columns,
            SamplesPerPixel = Math.Max(1, dataset.GetInt32(DicomTag.SamplesPerPixel) ?? 1),
            BitsAllocated = bitsAllocated,
            BitsStored = bitsStored is > 0 ? bitsStored : bitsAllocated,
            PixelRepresentation = dataset.GetInt32(DicomTag.PixelRepresentation) ?? 0,
            PhotometricInterpretation = (dataset.GetString(DicomTag.PhotometricInterpretation) ?? string.Empty).Trim().ToUpperInvariant(),
            PlanarConfiguration = dataset.GetInt32(DicomTag.PlanarConfiguration) ?? 0,
        };
    }

    /// <summary>Bytes of one native frame of these attributes with every pixel carrying all its samples.</summary>
    public long NativeFrameLength => BitsAllocated == 1
        ? (((long)Rows * Columns * SamplesPerPixel) + 7) / 8
        : (long)Rows * Columns * SamplesPerPixel * ((BitsAllocated + 7) / 8);
}

/// <summary>
/// One decoded frame: native little-endian samples and how they are laid out. A decoder may change the colour space
/// (e.g. JPEG's YCbCr to RGB, PS3.5 8.2.1) and always gives every pixel all its samples, so callers must describe the
/// frame with these values rather than the data set's.
/// </summary>
/// <param name="Pixels">The native frame: Rows × Columns × Samples × Bits Allocated / 8 bytes.</param>
/// <param name="PhotometricInterpretation">The colour space of <paramref name="Pixels"/>, e.g. RGB after a YBR_FULL_422 JPEG.</param>
/// <param name="PlanarConfiguration">0: samples of a pixel together; 1: one plane per sample.</param>
public sealed record DicomDecodedFrame(byte[] Pixels, string PhotometricInterpretation, int PlanarConfiguration);

/// <summary>Decodes the frames of one or more encapsulated transfer syntaxes to native pixel data.</summary>
public interface IDicomFrameDecoder
{
    /// <summary>True when this decoder reads frames of <paramref name="transferSyntax"/>.</summary>
    bool CanDecode(DicomTransferSyntax transferSyntax);

    /// <summary>Decodes one frame (its fragments concatenated, as <see cref="DicomPixelData.ReadFrame"/> gives it).</summary>
    /// <exception cref="DicomCodecException">The compressed data is corrupt, truncated or disagrees with the geometry.</exception>
    DicomDecodedFrame Decode(DicomTransferSyntax transferSyntax, ReadOnlySpan<byte> frame, DicomFrameGeometry geometry);
}

/// <summary>A compressed frame that cannot be decoded: truncated, corrupt, or at odds with the data set's attributes.</summary>
public class DicomCodecException : DicomException
{
    public DicomCodecException(string message) : base(message)
    {
    }

    public DicomCodecException(string message, Exception? inner) : base(message, inner)
    {
    }
}

/// <summary>Pixel data in a transfer syntax that no registered decoder reads (e.g. JPEG 2000 today).</summary>
public sealed class DicomCodecNotSupportedException : DicomException
{
    public DicomCodecNotSupportedException(DicomTransferSyntax transferSyntax)
        : base($"This server cannot decode {(transferSyntax ?? throw new ArgumentNullException(nameof(transferSyntax))).Name} ({transferSyntax.Uid}) pixel data.")
    {
        TransferSyntax = transferSyntax;
    }

    public DicomTransferSyntax TransferSyntax { get; }
}
