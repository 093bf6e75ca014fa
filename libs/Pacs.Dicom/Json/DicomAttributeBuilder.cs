using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Pacs.Dicom;

/// <summary>
/// Collects what a JSON (PS3.18 F.2) or XML (PS3.19 A.1) attribute says — vr, values, items, InlineBinary,
/// BulkDataURI, in whatever order the document gives them — and builds the <see cref="DicomElement"/> once all is
/// known. Text is encoded as UTF-8 where the VR uses the Specific Character Set; <see cref="TextState"/> records
/// whether any of it was non-ASCII so the reader can declare "ISO_IR 192".
/// </summary>
internal sealed class DicomAttributeBuilder
{
    public DicomAttributeBuilder(DicomTag tag) => Tag = tag;

    public DicomTag Tag { get; set; }

    public DicomVR? VR { get; set; }

    /// <summary>Entries of Value: string (text or number literal), DicomDataset (item), <see cref="EmptyObject"/>, or null.</summary>
    public List<object?>? Values { get; set; }

    public byte[]? InlineBinary { get; set; }

    public string? BulkDataUri { get; set; }

    /// <summary>An empty JSON object in a Value array seen before the vr: an empty item (SQ) or an empty name (PN).</summary>
    public static readonly object EmptyObject = new();

    /// <summary>Builds the element; throws <see cref="InvalidDataException"/> with the reason (the caller adds where).</summary>
    public DicomElement Build(DicomTextState text)
    {
        if (VR is not { } vr)
        {
            throw new InvalidDataException("the attribute has no vr");
        }

        var forms = (Values is null ? 0 : 1) + (InlineBinary is null ? 0 : 1) + (BulkDataUri is null ? 0 : 1);
        if (forms > 1)
        {
            throw new InvalidDataException("an attribute holds at most one of Value, InlineBinary and BulkDataURI (PS3.18 F.2.3)");
        }

        if (BulkDataUri is not null)
        {
            return new DicomElement(Tag, vr, new DicomBulkDataReference(-1, -1) { Uri = BulkDataUri });
        }

        if (InlineBinary is not null)
        {
            if (vr == DicomVR.SQ)
            {
                throw new InvalidDataException("a sequence cannot have InlineBinary");
            }

            return new DicomElement(Tag, vr, InlineBinary);
        }

        if (vr == DicomVR.SQ)
        {
            return new DicomSequence(Tag, (Values ?? []).Select(ToItem));
        }

        if (Values is null || Values.Count == 0)
        {
            return new DicomElement(Tag, vr, ReadOnlyMemory<byte>.Empty);
        }

        if (vr == DicomVR.AT)
        {
            return new DicomElement(Tag, vr, EncodeTags());
        }

        if (DicomModelValues.IsBinaryNumber(vr))
        {
            return new DicomElement(Tag, vr, EncodeNumbers(vr));
        }

        if (!vr.IsString())
        {
            throw new InvalidDataException($"VR {vr.Code()} takes InlineBinary or BulkDataURI, not Value (PS3.18 F.2.7)");
        }

        return new DicomElement(Tag, vr, EncodeText(vr, text));
    }

    private static DicomDataset ToItem(object? entry) => entry switch
    {
        DicomDataset item => item,
        _ when ReferenceEquals(entry, EmptyObject) => new DicomDataset(),
        null => throw new InvalidDataException("a sequence item is null; an empty item is {} (PS3.18 F.2.4)"),
        _ => throw new InvalidDataException($"a sequence item must be an object, found '{entry}'"),
    };

    private string TextAt(int index)
    {
        var entry = Values![index];
        return entry switch
        {
            null => string.Empty,
            string s => s,
            _ when ReferenceEquals(entry, EmptyObject) => string.Empty,
            _ => throw new InvalidDataException($"value {index + 1} is an object; only SQ and PN take objects"),
        };
    }

    private byte[] EncodeText(DicomVR vr, DicomTextState state)
    {
        string joined;
        if (vr.IsSingleValuedText())
        {
            if (Values!.Count > 1)
            {
                throw new InvalidDataException($"VR {vr.Code()} holds a single value, found {Values.Count}");
            }

            joined = TextAt(0);
        }
        else
        {
            var parts = new string[Values!.Count];
            for (var i = 0; i < parts.Length; i++)
            {
                parts[i] = TextAt(i);
            }

            joined = string.Join('\\', parts);
        }

        byte[] bytes;
        if (vr.UsesSpecificCharacterSet())
        {
            // The document is Unicode; keep it so and say so with ISO_IR 192 (PS3.5 6.1.2.5) when it is not ASCII.
            if (!Ascii.IsValid(joined))
            {
                state.NonAscii = true;
            }

            bytes = Encoding.UTF8.GetBytes(joined);
        }
        else
        {
            // These VRs are limited to the default repertoire (PS3.5 6.2); Latin-1 is how the model decodes them.
            bytes = Encoding.Latin1.GetBytes(joined);
        }

        return DicomVRInfo.PadToEvenLength(bytes, vr);
    }

    private byte[] EncodeTags()
    {
        var bytes = new byte[Values!.Count * 4];
        for (var i = 0; i < Values.Count; i++)
        {
            var text = TextAt(i);
            if (text.Length != 8 || !uint.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
            {
                throw new InvalidDataException($"AT value {i + 1} '{text}' is not a tag written as GGGGEEEE (PS3.18 F.2.3)");
            }

            var tag = new DicomTag(value);
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 4), tag.Group);
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan((i * 4) + 2), tag.Element);
        }

        return bytes;
    }

    private byte[] EncodeNumbers(DicomVR vr)
    {
        // A binary number has no empty form, so a null entry (seen in the wild) is dropped rather than refused.
        var numbers = Values!.Where(v => v is not null).ToList();
        var size = vr.BinaryValueSize();
        var bytes = new byte[numbers.Count * size];
        for (var i = 0; i < numbers.Count; i++)
        {
            if (numbers[i] is not string text)
            {
                throw new InvalidDataException($"value {i + 1} of VR {vr.Code()} must be a number, found an object");
            }

            var span = bytes.AsSpan(i * size, size);
            switch (vr)
            {
                case DicomVR.US: BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)ParseInteger(text, vr, ushort.MinValue, ushort.MaxValue)); break;
                case DicomVR.SS: BinaryPrimitives.WriteInt16LittleEndian(span, (short)ParseInteger(text, vr, short.MinValue, short.MaxValue)); break;
                case DicomVR.UL: BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)ParseInteger(text, vr, uint.MinValue, uint.MaxValue)); break;
                case DicomVR.SL: BinaryPrimitives.WriteInt32LittleEndian(span, (int)ParseInteger(text, vr, int.MinValue, int.MaxValue)); break;
                case DicomVR.SV: BinaryPrimitives.WriteInt64LittleEndian(span, (long)ParseInteger(text, vr, long.MinValue, long.MaxValue)); break;
                case DicomVR.UV: BinaryPrimitives.WriteUInt64LittleEndian(span, (ulong)ParseInteger(text, vr, ulong.MinValue, ulong.MaxValue)); break;
                case DicomVR.FL: BinaryPrimitives.WriteSingleLittleEndian(span, (float)ParseFloating(text, vr)); break;
                default: BinaryPrimitives.WriteDoubleLittleEndian(span, ParseFloating(text, vr)); break;
            }
        }

        return bytes;
    }

    private static Int128 ParseInteger(string text, DicomVR vr, Int128 min, Int128 max)
    {
        var trimmed = text.Trim();
        if (!Int128.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            // A JSON number may be spelt 3.0 or 3e2; accept it when it is a whole number.
            if (!decimal.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || d != decimal.Truncate(d))
            {
                throw new InvalidDataException($"'{text}' is not an integer, as VR {vr.Code()} needs");
            }

            value = (Int128)d;
        }

        if (value < min || value > max)
        {
            throw new InvalidDataException($"{text} is out of the range of VR {vr.Code()} ({min}..{max})");
        }

        return value;
    }

    private static double ParseFloating(string text, DicomVR vr)
    {
        var trimmed = text.Trim();
        switch (trimmed)
        {
            // The spellings the writers use for values JSON cannot hold, and XML Schema's (xs:double).
            case "NaN": return double.NaN;
            case "Infinity" or "INF" or "+INF": return double.PositiveInfinity;
            case "-Infinity" or "-INF": return double.NegativeInfinity;
        }

        if (!double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            throw new InvalidDataException($"'{text}' is not a number, as VR {vr.Code()} needs");
        }

        return value;
    }
}

/// <summary>Whether a document's text needed more than ASCII; decides the Specific Character Set of what was read.</summary>
internal sealed class DicomTextState
{
    private static readonly byte[] IsoIr192 = Encoding.ASCII.GetBytes("ISO_IR 192");

    public bool NonAscii { get; set; }

    /// <summary>
    /// Values were encoded as UTF-8. When any was not ASCII the data set says so with (0008,0005) "ISO_IR 192",
    /// replacing what the document declared (its text is Unicode whatever it declared), and items lose their own
    /// (0008,0005) so they inherit it (PS3.5 7.5.3). An ASCII-only document keeps what it declared: ASCII is the same
    /// bytes in every character set the standard allows.
    /// </summary>
    public void Apply(DicomDataset root)
    {
        if (!NonAscii)
        {
            return;
        }

        RemoveFromItems(root);
        root.Set(new DicomElement(DicomTag.SpecificCharacterSet, DicomVR.CS, IsoIr192));
    }

    private static void RemoveFromItems(DicomDataset dataset)
    {
        foreach (var sequence in dataset.OfType<DicomSequence>())
        {
            foreach (var item in sequence.Items)
            {
                item.Remove(DicomTag.SpecificCharacterSet);
                RemoveFromItems(item);
            }
        }
    }
}
