using System.Buffers.Binary;
using Pacs.Dicom;

namespace Pacs.Gateway.Archive;

/// <summary>
/// The File Meta Information of a PS3.10 object read off the front of a forward-only stream, and the stream of the
/// data set that follows it, byte for byte as stored: what a C-STORE sends when the transfer syntax is kept.
/// </summary>
public sealed class Part10Header
{
    /// <summary>A meta group larger than this is not a real one (it is about 200 bytes): refused before it is buffered.</summary>
    public const int MaxMetaLength = 64 * 1024;

    private static readonly byte[] Magic = "DICM"u8.ToArray();

    private Part10Header(DicomDataset meta, Stream dataset)
    {
        FileMetaInformation = meta;
        Dataset = dataset;
        TransferSyntaxUid = meta.GetString(DicomTag.TransferSyntaxUID) ?? string.Empty;
        SopClassUid = meta.GetString(DicomTag.MediaStorageSOPClassUID) ?? string.Empty;
        SopInstanceUid = meta.GetString(DicomTag.MediaStorageSOPInstanceUID) ?? string.Empty;
    }

    public DicomDataset FileMetaInformation { get; }

    public string TransferSyntaxUid { get; }

    public string SopClassUid { get; }

    public string SopInstanceUid { get; }

    /// <summary>The data set's bytes (after the meta group) in <see cref="TransferSyntaxUid"/>, read on from the source.</summary>
    public Stream Dataset { get; }

    /// <summary>
    /// Reads the preamble (PS3.10 7.1: 128 bytes and "DICM"; tolerated when absent) and the group 0002 elements
    /// (always Explicit VR Little Endian), leaving <paramref name="source"/> at the first data set element.
    /// </summary>
    /// <exception cref="InvalidDataException">Not a PS3.10 object, or a meta group that cannot be read.</exception>
    public static async Task<Part10Header> ReadAsync(Stream source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var head = new byte[132];
        var got = await source.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        int start;
        if (got == 132 && head.AsSpan(128, 4).SequenceEqual(Magic))
        {
            start = 132;
        }
        else if (got >= 8 && head[0] == 0x02 && head[1] == 0x00)
        {
            // No preamble: the meta group starts at once (lenient, as PS3.10 readers commonly are).
            start = 0;
        }
        else
        {
            throw new InvalidDataException($"The archive sent {got} bytes that are not a DICOM PS3.10 object (no \"DICM\" prefix).");
        }

        var buffer = new MemoryStream();
        buffer.Write(head, start, got - start);
        var position = 0;

        // Walk the elements while they belong to group 0002; the first one that does not begins the data set.
        while (true)
        {
            if (!await EnsureAsync(source, buffer, position + 8, cancellationToken).ConfigureAwait(false))
            {
                // The object ends inside or right after the meta group: an empty data set.
                break;
            }

            var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
            var group = BinaryPrimitives.ReadUInt16LittleEndian(bytes[position..]);
            if (group != 0x0002)
            {
                break;
            }

            var vr = (char)bytes[position + 4] + string.Empty + (char)bytes[position + 5];
            long length;
            int headerLength;
            if (vr is "OB" or "OW" or "OF" or "OD" or "OL" or "OV" or "SQ" or "UN" or "UC" or "UR" or "UT" or "SV" or "UV")
            {
                if (!await EnsureAsync(source, buffer, position + 12, cancellationToken).ConfigureAwait(false))
                {
                    throw new InvalidDataException("The File Meta Information ends in the middle of an element header.");
                }

                length = BinaryPrimitives.ReadUInt32LittleEndian(buffer.GetBuffer().AsSpan(position + 8, 4));
                headerLength = 12;
            }
            else
            {
                length = BinaryPrimitives.ReadUInt16LittleEndian(bytes[(position + 6)..]);
                headerLength = 8;
            }

            var next = position + headerLength + length;
            if (next > MaxMetaLength)
            {
                throw new InvalidDataException($"The File Meta Information is longer than {MaxMetaLength} bytes.");
            }

            if (!await EnsureAsync(source, buffer, (int)next, cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidDataException("The File Meta Information ends in the middle of an element.");
            }

            position = (int)next;
        }

        var all = buffer.GetBuffer();
        var meta = DicomFile.ReadDataset(new MemoryStream(all, 0, position, writable: false), DicomTransferSyntax.ExplicitVRLittleEndian);
        if (meta.GetString(DicomTag.TransferSyntaxUID) is not { Length: > 0 })
        {
            throw new InvalidDataException("The File Meta Information names no Transfer Syntax UID.");
        }

        var prefix = all.AsMemory(position, (int)buffer.Length - position);
        return new Part10Header(meta, new PrefixedReadStream(prefix, source));
    }

    /// <summary>Reads from the source until the buffer holds <paramref name="length"/> bytes; false at the end of the source.</summary>
    private static async ValueTask<bool> EnsureAsync(Stream source, MemoryStream buffer, int length, CancellationToken cancellationToken)
    {
        if (length > MaxMetaLength + 16)
        {
            throw new InvalidDataException($"The File Meta Information is longer than {MaxMetaLength} bytes.");
        }

        var chunk = new byte[4096];
        while (buffer.Length < length)
        {
            var read = await source.ReadAsync(chunk.AsMemory(0, Math.Min(chunk.Length, length - (int)buffer.Length)), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return false;
            }

            buffer.Write(chunk, 0, read);
        }

        return true;
    }
}
