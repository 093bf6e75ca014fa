using System.Buffers.Binary;
using System.IO.Compression;

namespace Pacs.Dicom;

/// <summary>
/// The forward-only streaming reader: PS3.10 files (preamble, "DICM", File Meta Information) and bare data
/// sets in Implicit VR LE, Explicit VR LE/BE and Deflated Explicit VR LE. It never seeks backwards, records
/// the absolute offset of every value and fragment, leaves values above a threshold in the source as
/// references, and refuses lengths that cannot fit before allocating anything. Lenient on known real-world
/// defects (each one noted in <see cref="DicomFile.Warnings"/>); what cannot be read raises a
/// <see cref="DicomReadException"/> that names the offset and the tag.
/// </summary>
internal sealed class DicomStreamReader
{
    private const uint UndefinedLength = 0xFFFFFFFF;

    // Values up to this size share arena chunks; larger ones get their own array.
    private const int SmallValueLimit = 1024;
    private const int ArenaChunkSize = 4096;

    // A typical CT/MR header holds about 1.4 KB of small values: start smaller, so one header stays within one chunk
    // without wasting most of it (allocation per header is a benchmarked figure, see docs/benchmarks.md).
    private const int FirstArenaChunkSize = 2048;

    private readonly DicomReadOptions _options;
    private readonly IDicomBulkDataSource? _bulkSource;
    private DicomByteSource _source;
    private DicomTransferSyntax _transferSyntax = DicomTransferSyntax.ExplicitVRLittleEndian;
    private bool _bulkAllowed = true;
    private List<string>? _warnings;
    private HashSet<string>? _warned;
    private byte[]? _arena;
    private int _arenaUsed;

    private DicomStreamReader(DicomByteSource source, DicomReadOptions options)
    {
        _source = source;
        _options = options;
        _bulkSource = options.BulkDataSource;
    }

    /// <summary>How one data set (or item) is encoded: implicit/explicit VR and byte order.</summary>
    private readonly record struct Encoding(bool ExplicitVR, bool BigEndian);

    public static DicomFile ReadFile(Stream stream, DicomReadOptions options)
    {
        using var source = new DicomByteSource(stream);
        var reader = new DicomStreamReader(source, options);
        try
        {
            return reader.ReadFileCore();
        }
        finally
        {
            if (!ReferenceEquals(reader._source, source))
            {
                reader._source.Dispose();
            }
        }
    }

    public static DicomDataset ReadDataset(Stream stream, DicomTransferSyntax transferSyntax, DicomReadOptions options)
    {
        using var source = new DicomByteSource(stream);
        var reader = new DicomStreamReader(source, options);
        try
        {
            reader._transferSyntax = transferSyntax;
            if (transferSyntax.IsDeflated)
            {
                reader.SwitchToInflater(0);
            }

            var dataset = new DicomDataset(32) { Offset = reader._source.Position };
            reader.ReadItemContent(dataset, end: -1, new Encoding(transferSyntax.IsExplicitVR, transferSyntax.IsBigEndian), depth: 0, topLevel: true);
            return dataset;
        }
        finally
        {
            if (!ReferenceEquals(reader._source, source))
            {
                reader._source.Dispose();
            }
        }
    }

    // ------------------------------------------------------------------ file level

    private DicomFile ReadFileCore()
    {
        var hasPreamble = false;
        if (_source.Ensure(132) && IsDicm(_source.Peek(132)[128..]))
        {
            _source.Advance(132);
            hasPreamble = true;
        }
        else if (_source.Ensure(4) && IsDicm(_source.Peek(4)))
        {
            // "DICM" without the 128-byte preamble: seen from a few old writers.
            _source.Advance(4);
            hasPreamble = true;
            Warn("The file has the DICM prefix but no 128-byte preamble.");
        }

        var meta = new DicomDataset(8);
        if (_source.Ensure(8) && LooksLikeMetaGroup(_source.Peek(8)))
        {
            ReadMetaGroup(meta);
        }
        else if (hasPreamble)
        {
            if (_source.AtEnd)
            {
                throw new DicomReadException(DicomReadError.NotDicom, "The file ends after the DICM prefix: it has no File Meta Information and no data set", _source.Position);
            }

            Warn("The file has no File Meta Information (group 0002) after the DICM prefix.");
        }

        if (meta.Count == 0 && !hasPreamble)
        {
            CheckPlausibleBareDataset();
        }

        DicomTransferSyntax? declared = null;
        var tsUid = meta.GetString(DicomTag.TransferSyntaxUID);
        if (!string.IsNullOrEmpty(tsUid))
        {
            declared = DicomTransferSyntax.Lookup(tsUid);
            if (!declared.IsKnown)
            {
                Warn($"Transfer Syntax UID '{tsUid}' is not defined by DICOM; the data set is read as Explicit VR Little Endian (PS3.5 10).");
            }
        }
        else if (meta.Count > 0)
        {
            Warn("The File Meta Information has no Transfer Syntax UID (0002,0010); the transfer syntax was sniffed from the data set.");
        }

        declared ??= _options.BareDatasetTransferSyntax;
        var datasetOffset = _source.Position;
        _transferSyntax = declared ?? DicomTransferSyntax.ExplicitVRLittleEndian;

        if (_transferSyntax.IsDeflated)
        {
            SwitchToInflater(datasetOffset);
        }

        var encoding = SniffEncoding(declared);
        // Room for a typical image header (80–120 top-level elements) without regrowing the element list.
        var dataset = new DicomDataset(128) { Offset = datasetOffset };
        ReadItemContent(dataset, end: -1, encoding, depth: 0, topLevel: true);

        if (declared is null)
        {
            _transferSyntax = encoding switch
            {
                { ExplicitVR: false } => DicomTransferSyntax.ImplicitVRLittleEndian,
                { BigEndian: true } => DicomTransferSyntax.ExplicitVRBigEndian,
                _ => DicomTransferSyntax.ExplicitVRLittleEndian,
            };
        }
        else if (encoding.ExplicitVR != _transferSyntax.IsExplicitVR || encoding.BigEndian != _transferSyntax.IsBigEndian)
        {
            // The meta group named one encoding and the data used another: report the one the data is really in,
            // so that nothing downstream mis-reads or mis-stores it.
            _transferSyntax = encoding.ExplicitVR
                ? (encoding.BigEndian ? DicomTransferSyntax.ExplicitVRBigEndian : DicomTransferSyntax.ExplicitVRLittleEndian)
                : DicomTransferSyntax.ImplicitVRLittleEndian;
        }

        return new DicomFile(meta, dataset)
        {
            TransferSyntax = _transferSyntax,
            HasPreamble = hasPreamble,
            DatasetOffset = datasetOffset,
            Warnings = (IReadOnlyList<string>?)_warnings ?? [],
        };
    }

    private static bool IsDicm(ReadOnlySpan<byte> b) => b.Length >= 4 && b[0] == 'D' && b[1] == 'I' && b[2] == 'C' && b[3] == 'M';

    private static bool LooksLikeMetaGroup(ReadOnlySpan<byte> b) =>
        (b[0] == 0x02 && b[1] == 0x00) || (b[0] == 0x00 && b[1] == 0x02);

    /// <summary>
    /// PS3.10 7.1: group 0002 is always Explicit VR Little Endian. Elements are read by tag for as long as the
    /// group is 0002, not by the group length, which old and broken writers get wrong.
    /// </summary>
    private void ReadMetaGroup(DicomDataset meta)
    {
        var head = _source.Peek(8);
        var bigEndian = head[0] == 0x00 && head[1] == 0x02;
        var explicitVR = IsUpper(head[4]) && IsUpper(head[5]);
        if (bigEndian)
        {
            Warn("The File Meta Information is encoded big endian; PS3.10 7.1 requires Explicit VR Little Endian.");
        }

        if (!explicitVR)
        {
            Warn("The File Meta Information is encoded with implicit VR; PS3.10 7.1 requires Explicit VR Little Endian.");
        }

        var encoding = new Encoding(explicitVR, bigEndian);
        long groupEnd = -1;
        while (_source.Ensure(4))
        {
            var peek = _source.Peek(4);
            var group = bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(peek) : BinaryPrimitives.ReadUInt16LittleEndian(peek);
            if (group != 0x0002)
            {
                break;
            }

            if (!_source.Ensure(8))
            {
                throw new DicomReadException(DicomReadError.Truncated, "The input ends inside the File Meta Information", _source.Position);
            }

            var element = ReadElement(meta, encoding, itemEnd: -1, depth: 0);
            if (element is null)
            {
                break;
            }

            if (element.Tag == DicomTag.FileMetaInformationGroupLength && element.Value.Length == 4)
            {
                groupEnd = _source.Position + BinaryPrimitives.ReadUInt32LittleEndian(element.Value.Span);
            }

            meta.AddFromReader(element);
        }

        if (groupEnd >= 0 && groupEnd != _source.Position)
        {
            Warn($"File Meta Information Group Length (0002,0000) says the group ends at offset {groupEnd}, but it ends at {_source.Position}; the elements were read by tag.");
        }
    }

    private void CheckPlausibleBareDataset()
    {
        if (!_source.Ensure(8))
        {
            var empty = _source.Position == 0 && _source.AtEnd;
            throw new DicomReadException(DicomReadError.NotDicom, empty ? "The input is empty: not DICOM" : "The input is too short to be DICOM", _source.Position);
        }

        var b = _source.Peek(8);
        var le = BinaryPrimitives.ReadUInt16LittleEndian(b);
        var be = BinaryPrimitives.ReadUInt16BigEndian(b);
        var group = Math.Min(le, be);

        // A bare data set starts with a low, even group (command 0000 with a non-zero element, identifying
        // 0008, patient 0010 …). Anything else is not DICOM: text, images of other formats, zero filled files.
        var element = Math.Min(BinaryPrimitives.ReadUInt16LittleEndian(b[2..]), BinaryPrimitives.ReadUInt16BigEndian(b[2..]));
        var plausible = (group & 1) == 0 && group <= 0x0040 && !(group == 0 && element == 0);
        if (!plausible)
        {
            throw new DicomReadException(DicomReadError.NotDicom, "Not DICOM: no DICM prefix at offset 128 and the input does not start with a data element", 0);
        }
    }

    /// <summary>
    /// Decides how the data set is really encoded from its first element, compared with what the meta group
    /// declared (real files say implicit and write explicit, and the reverse).
    /// </summary>
    private Encoding SniffEncoding(DicomTransferSyntax? declared)
    {
        var fallback = declared is null
            ? new Encoding(true, false)
            : new Encoding(declared.IsExplicitVR, declared.IsBigEndian);
        if (!_source.Ensure(6))
        {
            return fallback;
        }

        var b = _source.Peek(6);
        var le = BinaryPrimitives.ReadUInt16LittleEndian(b);
        var be = BinaryPrimitives.ReadUInt16BigEndian(b);
        var bigEndian = fallback.BigEndian;
        var declaredGroup = bigEndian ? be : le;
        var otherGroup = bigEndian ? le : be;
        if (declaredGroup > 0x00FF && (otherGroup & 1) == 0 && otherGroup <= 0x0028)
        {
            // A data set starts with a small even group (0008, 0010 …). When the declared byte order makes the first
            // group large and the other order makes it one of those, the data is in the other byte order.
            bigEndian = !bigEndian;
        }

        var explicitVR = IsUpper(b[4]) && IsUpper(b[5]) && DicomVRInfo.TryParse(b[4], b[5], out _);
        var sniffed = new Encoding(explicitVR, bigEndian);
        if (declared is not null && sniffed != fallback)
        {
            Warn($"The meta group declares {declared.Name} but the data set is encoded {(explicitVR ? "explicit" : "implicit")} VR {(bigEndian ? "big" : "little")} endian; it was read as it is encoded.");
        }

        return sniffed;
    }

    private void SwitchToInflater(long datasetOffset)
    {
        // PS3.5 A.5: everything after the meta group is a raw deflate (RFC 1951) stream. Some writers emit a
        // zlib (RFC 1950) header first; it is recognised and skipped.
        if (_source.Ensure(2))
        {
            var h = _source.Peek(2);
            if ((h[0] & 0x0F) == 8 && (h[0] >> 4) <= 7 && ((h[0] << 8) | h[1]) % 31 == 0)
            {
                _source.Advance(2);
                Warn("The deflated data set carries a zlib header (RFC 1950) instead of raw deflate (RFC 1951).");
            }
        }

        var inflater = new DeflateStream(_source.DetachRemainder(), CompressionMode.Decompress);
        _source = new DicomByteSource(new InflateErrorStream(inflater), datasetOffset);

        // Offsets now count inflated bytes, which no range read of the stored object can serve: load every value.
        _bulkAllowed = false;
    }

    // ------------------------------------------------------------------ data sets and elements

    /// <summary>
    /// Reads elements into <paramref name="dataset"/> until: the end of input (top level), the stop tag (top level),
    /// the item delimiter (undefined-length item), or <paramref name="end"/> (defined-length item).
    /// </summary>
    private void ReadItemContent(DicomDataset dataset, long end, Encoding encoding, int depth, bool topLevel)
    {
        var stopBefore = topLevel ? _options.StopBeforeTag : null;
        uint lastTag = 0;
        while (true)
        {
            if (end >= 0 && _source.Position >= end)
            {
                if (_source.Position > end)
                {
                    throw new DicomReadException(DicomReadError.InvalidStructure, $"An element runs {_source.Position - end} bytes past the end of its item", end);
                }

                return;
            }

            if (!_source.Ensure(8))
            {
                var left = _source.BufferedCount;
                if (left == 0)
                {
                    if (topLevel)
                    {
                        return;
                    }

                    throw new DicomReadException(DicomReadError.Truncated, "The input ends inside a sequence item (no Item Delimitation Item)", _source.Position);
                }

                if (topLevel && !_source.Buffered.ContainsAnyExcept((byte)0))
                {
                    Warn($"{left} zero bytes after the last element were ignored.");
                    _source.Advance(left);
                    return;
                }

                throw new DicomReadException(DicomReadError.Truncated, $"The input ends {left} bytes into an element header", _source.Position);
            }

            var head = _source.Peek(8);
            var tag = ReadTag(head, encoding.BigEndian);

            if (tag.Group == 0xFFFE)
            {
                if (tag == DicomTag.ItemDelimitationItem && !topLevel && end < 0)
                {
                    _source.Advance(8);
                    return;
                }

                if (topLevel)
                {
                    Warn($"A stray {tag} delimiter at offset {_source.Position} was skipped.");
                    _source.Advance(8);
                    continue;
                }

                throw new DicomReadException(DicomReadError.InvalidStructure, $"Unexpected {tag} inside an item", _source.Position, tag);
            }

            if (stopBefore is { } stop && tag >= stop)
            {
                return;
            }

            if (topLevel && tag.Value == 0 && lastTag > 0x00080000)
            {
                // Zero bytes after the last element read as (0000,0000) elements: padding, not data.
                Warn($"Zero padding after the last element (from offset {_source.Position}) was ignored.");
                return;
            }

            var element = ReadElement(dataset, encoding, end, depth);
            if (element is null)
            {
                return;
            }

            if (element.Tag.Value <= lastTag)
            {
                if (element.Tag.Value == lastTag || dataset.Contains(element.Tag))
                {
                    Warn($"{DicomDataset.Describe(element.Tag)} appears twice; the first value is kept.");
                }
                else
                {
                    Warn("Elements are not in ascending tag order; they were sorted.");
                }
            }

            lastTag = Math.Max(lastTag, element.Tag.Value);
            dataset.AddFromReader(element);
        }
    }

    /// <summary>Reads one element whose header starts at the current position.</summary>
    private DicomElement? ReadElement(DicomDataset dataset, Encoding encoding, long itemEnd, int depth)
    {
        var headerOffset = _source.Position;
        var head = _source.Peek(8);
        var tag = ReadTag(head, encoding.BigEndian);
        DicomVR vr;
        uint length;
        var contentEncoding = encoding;

        if (encoding.ExplicitVR && IsLetter(head[4]) && IsLetter(head[5]))
        {
            var b4 = head[4];
            var b5 = head[5];
            if (!DicomVRInfo.TryParse(b4, b5, out vr))
            {
                if (DicomVRInfo.TryParse(ToUpper(b4), ToUpper(b5), out vr))
                {
                    Warn($"{DicomDataset.Describe(tag)} has its VR in lower case; read as {vr.Code()}.");
                }
                else
                {
                    // An invalid VR code: PS3.5 7.1.2 gives no length layout for it; the 16-bit form is the common case.
                    var dictionaryVR = ImplicitVR(dataset, tag);
                    Warn($"{DicomDataset.Describe(tag)} has the invalid VR '{(char)b4}{(char)b5}'; read with a 16-bit length as {dictionaryVR.Code()}.");
                    length = encoding.BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(head[6..]) : BinaryPrimitives.ReadUInt16LittleEndian(head[6..]);
                    _source.Advance(8);
                    return ReadValue(dataset, tag, dictionaryVR, length, headerOffset, encoding, itemEnd, depth);
                }
            }

            if (vr.HasLongExplicitLength())
            {
                if (!_source.Ensure(12))
                {
                    throw new DicomReadException(DicomReadError.Truncated, "The input ends inside an element header", headerOffset, tag);
                }

                length = encoding.BigEndian
                    ? BinaryPrimitives.ReadUInt32BigEndian(_source.Peek(12)[8..])
                    : BinaryPrimitives.ReadUInt32LittleEndian(_source.Peek(12)[8..]);
                _source.Advance(12);
            }
            else
            {
                length = encoding.BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(head[6..]) : BinaryPrimitives.ReadUInt16LittleEndian(head[6..]);
                _source.Advance(8);
            }
        }
        else
        {
            if (encoding.ExplicitVR)
            {
                // The VR bytes are not letters: this element was written implicitly inside an explicit data set.
                Warn($"{DicomDataset.Describe(tag)} is encoded with implicit VR inside an explicit VR data set.");
            }

            vr = ImplicitVR(dataset, tag);
            length = encoding.BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(head[4..]) : BinaryPrimitives.ReadUInt32LittleEndian(head[4..]);
            _source.Advance(8);
            contentEncoding = encoding with { ExplicitVR = false };
        }

        return ReadValue(dataset, tag, vr, length, headerOffset, contentEncoding, itemEnd, depth);
    }

    private DicomElement ReadValue(DicomDataset dataset, DicomTag tag, DicomVR vr, uint length, long headerOffset, Encoding encoding, long itemEnd, int depth)
    {
        var valueOffset = _source.Position;
        if (length == UndefinedLength)
        {
            if (tag == DicomTag.PixelData || tag == DicomTag.FloatPixelData || tag == DicomTag.DoubleFloatPixelData)
            {
                if (vr is DicomVR.OB or DicomVR.OW or DicomVR.UN or DicomVR.OF or DicomVR.OD)
                {
                    return ReadFragments(tag, vr == DicomVR.OW ? DicomVR.OW : DicomVR.OB, valueOffset);
                }
            }

            if (vr == DicomVR.SQ)
            {
                return ReadSequence(dataset, tag, length, valueOffset, encoding, depth);
            }

            if (vr == DicomVR.UN)
            {
                // PS3.5 6.2.2: a UN element of undefined length holds a sequence encoded in Implicit VR Little Endian.
                return ReadSequence(dataset, tag, length, valueOffset, new Encoding(false, false), depth);
            }

            throw new DicomReadException(DicomReadError.InvalidLength, $"Undefined length on a {vr.Code()} element; only SQ, UN and encapsulated Pixel Data may have it (PS3.5 7.1.1)", headerOffset, tag);
        }

        if (itemEnd >= 0 && valueOffset + length > itemEnd)
        {
            throw new DicomReadException(DicomReadError.InvalidStructure, $"The value length {length} runs past the end of the enclosing item", headerOffset, tag);
        }

        if (_source.Remaining is { } remaining && length > remaining)
        {
            throw new DicomReadException(DicomReadError.Truncated, $"The value length {length} is larger than the {remaining} bytes left in the input", headerOffset, tag);
        }

        if (vr == DicomVR.SQ)
        {
            return ReadSequence(dataset, tag, length, valueOffset, encoding, depth);
        }

        if (vr == DicomVR.UN && length > 0 && DicomDictionary.Lookup(tag)?.VR == DicomVR.SQ)
        {
            return ReadUnknownSequence(dataset, tag, length, valueOffset, depth);
        }

        if ((length & 1) == 1)
        {
            Warn($"{DicomDataset.Describe(tag)} has the odd value length {length} (PS3.5 7.1.1 requires even lengths).");
        }

        // File Meta Information is always loaded: the reader needs it, and it is small in any sane file
        // (a forged length was refused above against the bytes that remain).
        if (length > _options.BulkDataThresholdBytes && _bulkAllowed && !tag.IsFileMeta)
        {
            if (!_source.Skip(length))
            {
                throw new DicomReadException(DicomReadError.Truncated, $"The input ends inside a value of {length} bytes", headerOffset, tag);
            }

            return new DicomElement(tag, vr, new DicomBulkDataReference(valueOffset, length, encoding.BigEndian) { Source = _bulkSource });
        }

        var value = LoadValue(length, headerOffset, tag);
        if (encoding.BigEndian)
        {
            SwapToLittleEndian(value, vr.ByteSwapUnit());
        }

        return new DicomElement(tag, vr, value, valueOffset);
    }

    private DicomSequence ReadSequence(DicomDataset parent, DicomTag tag, uint length, long valueOffset, Encoding encoding, int depth)
    {
        if (depth + 1 > _options.MaxSequenceDepth)
        {
            throw new DicomReadException(DicomReadError.LimitExceeded, $"Sequences are nested deeper than {_options.MaxSequenceDepth} levels", valueOffset, tag);
        }

        var undefined = length == UndefinedLength;
        var end = undefined ? -1 : valueOffset + length;
        var items = new List<DicomDataset>();
        while (true)
        {
            if (end >= 0 && _source.Position >= end)
            {
                if (_source.Position > end)
                {
                    throw new DicomReadException(DicomReadError.InvalidStructure, "An item runs past the end of its sequence", _source.Position, tag);
                }

                break;
            }

            if (!_source.Ensure(8))
            {
                throw new DicomReadException(DicomReadError.Truncated, "The input ends inside a sequence (no Sequence Delimitation Item)", _source.Position, tag);
            }

            var head = _source.Peek(8);
            var itemTag = ReadTag(head, encoding.BigEndian);
            var itemLength = encoding.BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(head[4..]) : BinaryPrimitives.ReadUInt32LittleEndian(head[4..]);
            if (itemTag == DicomTag.SequenceDelimitationItem)
            {
                _source.Advance(8);
                if (!undefined)
                {
                    Warn($"{DicomDataset.Describe(tag)} has a defined length and a Sequence Delimitation Item.");
                }

                break;
            }

            if (itemTag != DicomTag.Item)
            {
                throw new DicomReadException(DicomReadError.InvalidStructure, $"Expected an Item (FFFE,E000) or a Sequence Delimitation Item in the sequence, found {itemTag}", _source.Position, tag);
            }

            _source.Advance(8);
            var itemStart = _source.Position;
            long itemEnd = -1;
            var clamped = false;
            if (itemLength != UndefinedLength)
            {
                itemEnd = itemStart + itemLength;
                if (end >= 0 && itemEnd > end && (_source.Remaining is null || itemStart + _source.Remaining == end))
                {
                    // The last item claims more bytes than its sequence and the file both hold: the length is wrong, not
                    // the structure. Read the item up to the sequence end.
                    Warn($"An item of {itemLength} bytes in {DicomDataset.Describe(tag)} runs past the end of the input; read up to the end of its sequence.");
                    itemEnd = end;
                    clamped = true;
                }

                if (end >= 0 && itemEnd > end)
                {
                    throw new DicomReadException(DicomReadError.InvalidStructure, $"An item of {itemLength} bytes runs past the end of its sequence", itemStart - 8, tag);
                }

                if (_source.Remaining is { } remaining && itemEnd - itemStart > remaining)
                {
                    throw new DicomReadException(DicomReadError.Truncated, $"An item length of {itemLength} is larger than the {remaining} bytes left", itemStart - 8, tag);
                }
            }

            var item = new DicomDataset(8)
            {
                Offset = itemStart,
                EncodedLength = itemLength == UndefinedLength ? -1 : itemLength,
                Parent = parent,
            };
            ReadItemContent(item, itemEnd, encoding, depth + 1, topLevel: false);
            if (clamped && !_source.AtEnd)
            {
                // Only forgivable when the sequence is the last thing in the input; otherwise the structure is broken.
                throw new DicomReadException(DicomReadError.InvalidStructure, $"An item of {itemLength} bytes runs past the end of its sequence", itemStart - 8, tag);
            }

            items.Add(item);
        }

        return new DicomSequence(tag, items, valueOffset, undefined) { EncodedLength = undefined ? -1 : length };
    }

    /// <summary>
    /// A UN element of defined length whose tag the dictionary knows as SQ: PS3.5 6.2.2 says its value is the
    /// sequence encoded in Implicit VR Little Endian. It is read as a sequence when it parses as one, else kept as bytes.
    /// </summary>
    private DicomElement ReadUnknownSequence(DicomDataset parent, DicomTag tag, uint length, long valueOffset, int depth)
    {
        var bytes = LoadValue(length, valueOffset, tag);
        try
        {
            using var inner = new DicomByteSource(new MemoryStream(bytes.ToArray(), writable: false), valueOffset);
            var sub = new DicomStreamReader(inner, _options) { _transferSyntax = _transferSyntax, _bulkAllowed = false };
            var sequence = sub.ReadSequence(parent, tag, length, valueOffset, new Encoding(false, false), depth);
            if (sub._warnings is not null)
            {
                foreach (var w in sub._warnings)
                {
                    Warn(w);
                }
            }

            return sequence;
        }
        catch (DicomReadException)
        {
            Warn($"{DicomDataset.Describe(tag)} is UN and does not parse as an implicit VR sequence; kept as bytes.");
            return new DicomElement(tag, DicomVR.UN, bytes, valueOffset);
        }
    }

    /// <summary>PS3.5 A.4: encapsulated pixel data, a Basic Offset Table item followed by fragment items.</summary>
    private DicomFragmentSequence ReadFragments(DicomTag tag, DicomVR vr, long valueOffset)
    {
        if (!_transferSyntax.IsEncapsulated)
        {
            throw new DicomReadException(DicomReadError.InvalidStructure, $"Pixel Data has undefined length (encapsulated) but the transfer syntax {_transferSyntax.Name} is native", valueOffset, tag);
        }

        DicomFragment? offsetTable = null;
        var fragments = new List<DicomFragment>();
        while (true)
        {
            if (!_source.Ensure(8))
            {
                throw new DicomReadException(DicomReadError.Truncated, "The input ends inside encapsulated Pixel Data (no Sequence Delimitation Item)", _source.Position, tag);
            }

            var head = _source.Peek(8);
            var itemTag = ReadTag(head, bigEndian: false);
            var length = BinaryPrimitives.ReadUInt32LittleEndian(head[4..]);
            var itemOffset = _source.Position;
            if (itemTag == DicomTag.SequenceDelimitationItem)
            {
                _source.Advance(8);
                break;
            }

            if (itemTag != DicomTag.Item)
            {
                throw new DicomReadException(DicomReadError.InvalidStructure, $"Expected a fragment Item (FFFE,E000) in encapsulated Pixel Data, found {itemTag}", itemOffset, tag);
            }

            if (length == UndefinedLength)
            {
                throw new DicomReadException(DicomReadError.InvalidLength, "A fragment of encapsulated Pixel Data has undefined length (PS3.5 A.4)", itemOffset, tag);
            }

            if (_source.Remaining is { } remaining && length + 8L > remaining)
            {
                throw new DicomReadException(DicomReadError.Truncated, $"A fragment of {length} bytes is larger than the {remaining - 8} bytes left", itemOffset, tag);
            }

            _source.Advance(8);
            if (offsetTable is null)
            {
                if (length >= 2 && _source.Ensure(2) && LooksLikeCodestreamStart(_source.Peek(2)))
                {
                    // The first item is image data, not an offset table: the empty Basic Offset Table item is missing.
                    Warn("Encapsulated Pixel Data has no Basic Offset Table item; its first item is a fragment.");
                    offsetTable = new DicomFragment(-1, 0, ReadOnlyMemory<byte>.Empty);
                }
                else
                {
                    offsetTable = new DicomFragment(itemOffset, length, LoadValue(length, itemOffset, tag));
                    continue;
                }
            }

            if (length > _options.BulkDataThresholdBytes && _bulkAllowed)
            {
                if (!_source.Skip(length))
                {
                    throw new DicomReadException(DicomReadError.Truncated, $"The input ends inside a fragment of {length} bytes", itemOffset, tag);
                }

                fragments.Add(new DicomFragment(itemOffset, new DicomBulkDataReference(itemOffset + 8, length) { Source = _bulkSource }));
            }
            else
            {
                fragments.Add(new DicomFragment(itemOffset, length, LoadValue(length, itemOffset, tag)));
            }
        }

        return new DicomFragmentSequence(tag, vr, offsetTable ?? new DicomFragment(-1, 0, ReadOnlyMemory<byte>.Empty), fragments, valueOffset);
    }

    private static bool LooksLikeCodestreamStart(ReadOnlySpan<byte> b) =>
        b[0] == 0xFF && (b[1] == 0xD8 || b[1] == 0x4F);

    // ------------------------------------------------------------------ values

    private ReadOnlyMemory<byte> LoadValue(uint length, long headerOffset, DicomTag tag)
    {
        if (length == 0)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        if (length > Array.MaxLength)
        {
            throw new DicomReadException(DicomReadError.LimitExceeded, $"A value of {length} bytes cannot be held in memory; read it with a bulk data threshold", headerOffset, tag);
        }

        var n = (int)length;
        if (n <= SmallValueLimit)
        {
            if (_arena is null || _arena.Length - _arenaUsed < n)
            {
                _arena = new byte[_arena is null ? FirstArenaChunkSize : ArenaChunkSize];
                _arenaUsed = 0;
            }

            var slice = _arena.AsMemory(_arenaUsed, n);
            if (!_source.ReadExactly(slice.Span))
            {
                throw new DicomReadException(DicomReadError.Truncated, $"The input ends inside a value of {length} bytes", headerOffset, tag);
            }

            _arenaUsed += (n + 7) & ~7;
            if (_arenaUsed > _arena.Length)
            {
                _arenaUsed = _arena.Length;
            }

            return slice;
        }

        if (_source.Remaining is null)
        {
            // Unknown input size: grow with what really arrives, so a forged length cannot make us allocate.
            return LoadGrowing(n, headerOffset, tag);
        }

        var value = new byte[n];
        if (!_source.ReadExactly(value))
        {
            throw new DicomReadException(DicomReadError.Truncated, $"The input ends inside a value of {length} bytes", headerOffset, tag);
        }

        return value;
    }

    private byte[] LoadGrowing(int length, long headerOffset, DicomTag tag)
    {
        const int Step = 1 << 20;
        if (length <= Step)
        {
            var small = new byte[length];
            if (!_source.ReadExactly(small))
            {
                throw new DicomReadException(DicomReadError.Truncated, $"The input ends inside a value of {length} bytes", headerOffset, tag);
            }

            return small;
        }

        using var collected = new MemoryStream();
        var chunk = new byte[Step];
        var left = length;
        while (left > 0)
        {
            var n = Math.Min(left, Step);
            if (!_source.ReadExactly(chunk.AsSpan(0, n)))
            {
                throw new DicomReadException(DicomReadError.Truncated, $"The input ends inside a value of {length} bytes", headerOffset, tag);
            }

            collected.Write(chunk, 0, n);
            left -= n;
        }

        return collected.ToArray();
    }

    private static void SwapToLittleEndian(ReadOnlyMemory<byte> value, int unit)
    {
        if (unit <= 1)
        {
            return;
        }

        var span = System.Runtime.InteropServices.MemoryMarshal.AsMemory(value).Span;
        var whole = span.Length / unit * unit;
        switch (unit)
        {
            case 2:
                var u16 = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(span[..whole]);
                BinaryPrimitives.ReverseEndianness(u16, u16);
                break;
            case 4:
                var u32 = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(span[..whole]);
                BinaryPrimitives.ReverseEndianness(u32, u32);
                break;
            case 8:
                var u64 = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(span[..whole]);
                BinaryPrimitives.ReverseEndianness(u64, u64);
                break;
        }
    }

    /// <summary>
    /// The VR of an implicit-VR element: from the dictionary, with the ambiguous ones resolved as PS3.5 A.1
    /// and the pixel description say (OB or OW → OW; US or SS by Pixel Representation).
    /// </summary>
    private static DicomVR ImplicitVR(DicomDataset dataset, DicomTag tag)
    {
        if (tag.IsPrivate)
        {
            return tag.Element is >= 0x0010 and <= 0x00FF ? DicomVR.LO : DicomVR.UN;
        }

        if (tag.Element == 0x0000)
        {
            return DicomVR.UL;
        }

        var entry = DicomDictionary.Lookup(tag);
        if (entry is null || entry.ValueRepresentations.Length == 0)
        {
            return DicomVR.UN;
        }

        var vrs = entry.ValueRepresentations;
        if (vrs.Length == 1)
        {
            return vrs[0];
        }

        if (Array.IndexOf(vrs, DicomVR.OW) >= 0 && Array.IndexOf(vrs, DicomVR.SS) < 0)
        {
            return DicomVR.OW;
        }

        if (Array.IndexOf(vrs, DicomVR.SS) >= 0)
        {
            var root = dataset;
            while (root.Parent is not null)
            {
                root = root.Parent;
            }

            var signed = (dataset.GetUInt16(DicomTag.PixelRepresentation) ?? root.GetUInt16(DicomTag.PixelRepresentation)) == 1;
            return signed ? DicomVR.SS : DicomVR.US;
        }

        return vrs[0];
    }

    private static DicomTag ReadTag(ReadOnlySpan<byte> b, bool bigEndian) => bigEndian
        ? new DicomTag(BinaryPrimitives.ReadUInt16BigEndian(b), BinaryPrimitives.ReadUInt16BigEndian(b[2..]))
        : new DicomTag(BinaryPrimitives.ReadUInt16LittleEndian(b), BinaryPrimitives.ReadUInt16LittleEndian(b[2..]));

    private static bool IsUpper(byte b) => b is >= (byte)'A' and <= (byte)'Z';

    private static bool IsLetter(byte b) => b is (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z');

    private static byte ToUpper(byte b) => b is >= (byte)'a' and <= (byte)'z' ? (byte)(b - 32) : b;

    private void Warn(string message)
    {
        _warned ??= new HashSet<string>(StringComparer.Ordinal);
        if (_warned.Add(message))
        {
            (_warnings ??= []).Add(message);
        }
    }

    /// <summary>Turns the inflater's InvalidDataException into the reader's typed error.</summary>
    private sealed class InflateErrorStream(Stream inner) : ForwardOnlyReadStream
    {
        private long _produced;

        public override int Read(Span<byte> buffer)
        {
            try
            {
                var n = inner.Read(buffer);
                _produced += n;
                return n;
            }
            catch (InvalidDataException ex)
            {
                throw new DicomReadException(DicomReadError.InvalidDeflateStream, $"The deflated data set cannot be inflated after {_produced} bytes: {ex.Message}", _produced, inner: ex);
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
