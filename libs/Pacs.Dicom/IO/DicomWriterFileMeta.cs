using System.Text;

namespace Pacs.Dicom;

/// <summary>
/// Builds the File Meta Information (PS3.10 7.1) of a file about to be written: the elements this writer is responsible
/// for are set afresh, every other group 0002 element of the source is kept.
/// </summary>
internal static class DicomWriterFileMeta
{
    public static readonly DicomTag GroupLength = new(0x00020000);
    public static readonly DicomTag InformationVersion = new(0x00020001);
    public static readonly DicomTag MediaStorageSopClassUid = new(0x00020002);
    public static readonly DicomTag MediaStorageSopInstanceUid = new(0x00020003);
    public static readonly DicomTag TransferSyntaxUid = new(0x00020010);
    public static readonly DicomTag ImplementationClassUid = new(0x00020012);
    public static readonly DicomTag ImplementationVersionName = new(0x00020013);

    private static readonly DicomTag SopClassUid = new(0x00080016);
    private static readonly DicomTag SopInstanceUid = new(0x00080018);

    // PS3.10 7.1: File Meta Information Version is the two bytes 00H 01H.
    private static readonly DicomElement VersionElement = new(InformationVersion, DicomVR.OB, new byte[] { 0x00, 0x01 });

    // The writer recomputes (0002,0000) from the content; the value here is a placeholder.
    private static readonly DicomElement GroupLengthElement = new(GroupLength, DicomVR.UL, new byte[4]);

    private static readonly DicomElement OwnClassUid = new(ImplementationClassUid, DicomVR.UI, Encode(DicomImplementation.ClassUid, DicomVR.UI));
    private static readonly DicomElement OwnVersionName = new(ImplementationVersionName, DicomVR.SH, Encode(DicomImplementation.VersionName, DicomVR.SH));

    /// <summary>
    /// The meta group for writing <paramref name="dataset"/> in <paramref name="target"/>. SOP Class and Instance UIDs come from
    /// the data set, or from <paramref name="existingMeta"/> when the data set lacks them; the source's bytes are kept when
    /// the value is the same, so a rewrite does not change the padding.
    /// </summary>
    public static DicomDataset Create(DicomDataset existingMeta, DicomDataset dataset, DicomTransferSyntax target)
    {
        var meta = new DicomDataset(existingMeta.Count + 8);

        // Group 0002 found in the data set body (not allowed there, PS3.10 7.1) moves to the meta group unless the meta
        // group has its own; the writer never puts it in the body.
        foreach (var element in dataset.Elements)
        {
            if (element.Tag.Group > 0x0002)
            {
                break;
            }

            if (element.Tag.IsFileMeta && !IsOwned(element.Tag))
            {
                meta.Set(element);
            }
        }

        foreach (var element in existingMeta.Elements)
        {
            if (element.Tag.IsFileMeta && !IsOwned(element.Tag))
            {
                meta.Set(element);
            }
        }

        meta.Set(GroupLengthElement);
        meta.Set(VersionElement);
        meta.Set(Uid(existingMeta, MediaStorageSopClassUid, dataset, SopClassUid));
        meta.Set(Uid(existingMeta, MediaStorageSopInstanceUid, dataset, SopInstanceUid));
        meta.Set(KeepIfSame(existingMeta, new DicomElement(TransferSyntaxUid, DicomVR.UI, Encode(target.Uid, DicomVR.UI))));
        meta.Set(KeepIfSame(existingMeta, OwnClassUid));
        meta.Set(KeepIfSame(existingMeta, OwnVersionName));
        return meta;
    }

    private static bool IsOwned(DicomTag tag) =>
        tag == GroupLength || tag == InformationVersion || tag == MediaStorageSopClassUid || tag == MediaStorageSopInstanceUid
        || tag == TransferSyntaxUid || tag == ImplementationClassUid || tag == ImplementationVersionName;

    private static DicomElement Uid(DicomDataset existingMeta, DicomTag metaTag, DicomDataset dataset, DicomTag datasetTag)
    {
        var existing = existingMeta.Get(metaTag);
        var fromDataset = dataset.Get(datasetTag);
        if (fromDataset is null || fromDataset.IsBulkData || fromDataset.Length == 0)
        {
            if (existing is null || existing.IsBulkData || existing.Length == 0)
            {
                throw new DicomException(
                    $"The data set has no {DicomDataset.Describe(datasetTag)} and the File Meta Information no {DicomDataset.Describe(metaTag)}; PS3.10 7.1 requires it in every file.");
            }

            return existing.VR == DicomVR.UI ? existing : new DicomElement(metaTag, DicomVR.UI, existing.Value);
        }

        if (existing is not null && existing.VR == DicomVR.UI && !existing.IsBulkData && Trimmed(existing.Value.Span).SequenceEqual(Trimmed(fromDataset.Value.Span)))
        {
            return existing;
        }

        return new DicomElement(metaTag, DicomVR.UI, fromDataset.Value);
    }

    /// <summary>The source's element when it says the same as <paramref name="wanted"/> (its padding kept), else <paramref name="wanted"/>.</summary>
    private static DicomElement KeepIfSame(DicomDataset existingMeta, DicomElement wanted)
    {
        var existing = existingMeta.Get(wanted.Tag);
        return existing is not null && existing.VR == wanted.VR && !existing.IsBulkData
            && Trimmed(existing.Value.Span).SequenceEqual(Trimmed(wanted.Value.Span))
            ? existing
            : wanted;
    }

    private static ReadOnlySpan<byte> Trimmed(ReadOnlySpan<byte> value) => value.TrimEnd((byte)0).TrimEnd((byte)' ').TrimEnd((byte)0);

    private static byte[] Encode(string value, DicomVR vr)
    {
        var length = Encoding.ASCII.GetByteCount(value);
        var bytes = new byte[length + (length & 1)];
        Encoding.ASCII.GetBytes(value, bytes);
        if ((length & 1) != 0)
        {
            bytes[^1] = vr.PaddingByte();
        }

        return bytes;
    }
}
