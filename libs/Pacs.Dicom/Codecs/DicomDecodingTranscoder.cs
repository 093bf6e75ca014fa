namespace Pacs.Dicom;

/// <summary>
/// The writer's codec for "send it uncompressed": pixel data in any syntax <see cref="DicomCodecs"/> decodes (JPEG,
/// JPEG-LS, RLE, encapsulated uncompressed, deflated frames) becomes native pixel data, and native data can still be
/// RLE coded through <see cref="RleTranscoder"/>. The attributes that describe the pixels follow the decoded frames:
/// Photometric Interpretation (e.g. RGB after a YBR_FULL_422 JPEG, PS3.5 8.2.1), Planar Configuration 0, and Lossy
/// Image Compression "01" when the source was lossy (PS3.3 C.7.6.1.1.5: once lossy, always marked lossy).
/// </summary>
public sealed class DicomDecodingTranscoder : IDicomPixelDataTranscoder
{
    private readonly IDicomBulkDataSource? _bulkDataSource;
    private readonly RleTranscoder _rle;

    /// <param name="bulkDataSource">Where to read pixel data left in the source whose reference names no source.</param>
    public DicomDecodingTranscoder(IDicomBulkDataSource? bulkDataSource = null)
    {
        _bulkDataSource = bulkDataSource;
        _rle = new RleTranscoder(bulkDataSource);
    }

    public bool CanTranscode(DicomTransferSyntax source, DicomTransferSyntax target)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        return _rle.CanTranscode(source, target) || (source.IsEncapsulated && !target.IsEncapsulated && DicomCodecs.FindDecoder(source) is not null);
    }

    /// <exception cref="DicomCodecException">A frame is corrupt or disagrees with the data set's image attributes.</exception>
    /// <exception cref="DicomCodecNotSupportedException">No decoder reads <paramref name="source"/>.</exception>
    public DicomDataset Transcode(DicomDataset dataset, DicomTransferSyntax source, DicomTransferSyntax target)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        if (_rle.CanTranscode(source, target))
        {
            // RLE both ways stays with its own codec, which also keeps packed 1-bit frames and planar layouts as they are.
            return _rle.Transcode(dataset, source, target);
        }

        if (!source.IsEncapsulated || target.IsEncapsulated)
        {
            throw new DicomException($"This codec decodes encapsulated pixel data to a native syntax, not {source} to {target}.");
        }

        var pixels = DicomPixelData.FromDataset(dataset, source, _bulkDataSource);
        if (pixels.Tag != DicomTag.PixelData)
        {
            throw new DicomException($"Only Pixel Data (7FE0,0010) is encapsulated, not {pixels.Element.Tag} (PS3.5 A.4).");
        }

        var geometry = DicomFrameGeometry.FromDataset(dataset);
        var frameLength = geometry.NativeFrameLength;
        var total = frameLength * pixels.NumberOfFrames;
        total += total & 1; // PS3.5 7.1.1: even value length
        if (total > Array.MaxLength)
        {
            throw new DicomCodecException($"The decoded pixel data would be {total} bytes, more than one value can hold in memory.");
        }

        var native = new byte[total];
        DicomDecodedFrame? first = null;
        for (var i = 0; i < pixels.NumberOfFrames; i++)
        {
            var frame = DicomCodecs.DecodeFrame(source, pixels.ReadFrame(i, _bulkDataSource), geometry);
            if (frame.Pixels.Length != frameLength)
            {
                throw new DicomCodecException($"Frame {i + 1} decoded to {frame.Pixels.Length} bytes; the image attributes need {frameLength}.");
            }

            first ??= frame;
            frame.Pixels.CopyTo(native, i * frameLength);
        }

        var copy = dataset.Clone();
        copy.Set(new DicomElement(DicomTag.PixelData, geometry.BitsAllocated > 8 ? DicomVR.OW : DicomVR.OB, native));
        if (first is not null)
        {
            if (!string.IsNullOrEmpty(first.PhotometricInterpretation))
            {
                copy.Set(DicomTag.PhotometricInterpretation, first.PhotometricInterpretation);
            }

            if (geometry.SamplesPerPixel > 1)
            {
                // PS3.3 C.7.6.3.1.3: Planar Configuration is present exactly when there is more than one sample.
                copy.SetValues(DicomTag.PlanarConfiguration, DicomVR.US, (ushort)first.PlanarConfiguration);
            }
        }

        if (source.IsLossy)
        {
            copy.Set(DicomTag.LossyImageCompression, "01");
        }

        return copy;
    }
}
