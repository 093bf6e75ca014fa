using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Pacs.Dicom;

/// <summary>
/// What the JSON (PS3.18 Annex F) and XML (PS3.19 A.1) models share when writing: how text values are split and
/// trimmed, how DS/IS text becomes a JSON number, which VRs are binary, and where the bytes of an InlineBinary
/// come from (memory, the bulk data source, or the fragments of encapsulated pixel data).
/// </summary>
internal static class DicomModelValues
{
    /// <summary>Chunk size for copying values out of a bulk data source; a multiple of every byte-swap unit (8).</summary>
    private const int ChunkBytes = 64 * 1024;

    /// <summary>PS3.18 F.2.7 / PS3.19 A.1.5: the VRs whose values are written as InlineBinary or BulkDataURI.</summary>
    public static bool IsBinary(DicomVR vr) =>
        vr is DicomVR.OB or DicomVR.OD or DicomVR.OF or DicomVR.OL or DicomVR.OV or DicomVR.OW or DicomVR.UN;

    /// <summary>VRs whose binary values are numbers written one by one (PS3.18 F.2.3: JSON Number).</summary>
    public static bool IsBinaryNumber(DicomVR vr) =>
        vr is DicomVR.US or DicomVR.SS or DicomVR.UL or DicomVR.SL or DicomVR.SV or DicomVR.UV or DicomVR.FL or DicomVR.FD;

    /// <summary>
    /// The values of a text element, decoded with the data set's Specific Character Set, split on backslash (except
    /// the single-valued LT, ST, UT, UR) and with padding removed: trailing spaces and NULs always, leading spaces
    /// where PS3.5 6.2 calls them insignificant (not LT, ST, UT, UC). An empty entry is null. An element whose only
    /// value is empty yields no values (PS3.18 F.2.5: the attribute is written without a Value).
    /// </summary>
    public static string?[] GetTextValues(DicomDataset dataset, DicomElement element, ReadOnlyMemory<byte> value)
    {
        if (value.Length == 0)
        {
            return [];
        }

        var text = Decode(dataset, element.VR, value.Span);
        string?[] values;
        if (element.VR.IsSingleValuedText())
        {
            values = [Trim(text, element.VR)];
        }
        else
        {
            var parts = text.Split('\\');
            values = new string?[parts.Length];
            for (var i = 0; i < parts.Length; i++)
            {
                values[i] = Trim(parts[i], element.VR);
            }
        }

        for (var i = 0; i < values.Length; i++)
        {
            if (values[i]!.Length == 0)
            {
                values[i] = null;
            }
        }

        if (values is [null])
        {
            return [];
        }

        // The document's text is Unicode (PS3.18 F.2: JSON in UTF-8; our XML is UTF-8 too), whatever the data set's
        // bytes were, so a declared character set becomes ISO_IR 192: the one that describes the text as written.
        return element.Tag == DicomTag.SpecificCharacterSet ? [Utf8CharacterSet] : values;
    }

    /// <summary>The defined term of (0008,0005) for UTF-8 (PS3.3 C.12.1.1.2).</summary>
    public const string Utf8CharacterSet = "ISO_IR 192";

    private static string Decode(DicomDataset dataset, DicomVR vr, ReadOnlySpan<byte> bytes) =>
        vr.UsesSpecificCharacterSet() ? dataset.CharacterSet.Decode(bytes, vr) : Encoding.Latin1.GetString(bytes);

    private static string Trim(string value, DicomVR vr) => vr is DicomVR.LT or DicomVR.ST or DicomVR.UT or DicomVR.UC
        ? value.TrimEnd(' ', '\0')
        : value.Trim(' ', '\0');

    /// <summary>
    /// PS3.18 F.2.3.1: DS and IS are JSON Numbers. A valid DS/IS text is turned into a valid JSON number literal by
    /// spelling only (drop '+' and leading zeros, add a 0 before a bare '.', drop a bare trailing '.'), so the value
    /// is exactly the decimal that was written and nothing is lost to binary floating point. False when the text is
    /// no decimal number at all (e.g. "abc", "NaN").
    /// </summary>
    public static bool TryGetJsonNumber(string text, out string literal)
    {
        literal = string.Empty;
        var s = text.AsSpan();
        var i = 0;
        var negative = false;
        if (i < s.Length && (s[i] == '+' || s[i] == '-'))
        {
            negative = s[i] == '-';
            i++;
        }

        var intStart = i;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            i++;
        }

        var intDigits = s[intStart..i];
        var fracDigits = ReadOnlySpan<char>.Empty;
        if (i < s.Length && s[i] == '.')
        {
            i++;
            var fracStart = i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }

            fracDigits = s[fracStart..i];
        }

        if (intDigits.IsEmpty && fracDigits.IsEmpty)
        {
            return false;
        }

        var exponent = ReadOnlySpan<char>.Empty;
        if (i < s.Length && (s[i] == 'e' || s[i] == 'E'))
        {
            var expStart = i + 1;
            i++;
            if (i < s.Length && (s[i] == '+' || s[i] == '-'))
            {
                i++;
            }

            var digitsStart = i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }

            if (i == digitsStart)
            {
                return false;
            }

            exponent = s[expStart..i];
        }

        if (i != s.Length)
        {
            return false;
        }

        var builder = new StringBuilder(s.Length + 2);
        if (negative)
        {
            builder.Append('-');
        }

        intDigits = intDigits.TrimStart('0');
        if (intDigits.IsEmpty)
        {
            builder.Append('0');
        }
        else
        {
            builder.Append(intDigits);
        }

        if (!fracDigits.IsEmpty)
        {
            builder.Append('.').Append(fracDigits);
        }

        if (!exponent.IsEmpty)
        {
            builder.Append('e').Append(exponent);
        }

        literal = builder.ToString();
        return true;
    }

    /// <summary>"GGGGEEEE" for value <paramref name="index"/> of an AT element (PS3.18 F.2.3: AT is a JSON String).</summary>
    public static string FormatAttributeTag(ReadOnlySpan<byte> value, int index)
    {
        var group = BinaryPrimitives.ReadUInt16LittleEndian(value[(index * 4)..]);
        var element = BinaryPrimitives.ReadUInt16LittleEndian(value[((index * 4) + 2)..]);
        return new DicomTag(group, element).ToHexString();
    }

    /// <summary>
    /// The value bytes of an element, loading them from the bulk data source when the element was not read into
    /// memory (swapped to little-endian when the source was big-endian).
    /// </summary>
    public static ReadOnlyMemory<byte> LoadValue(DicomElement element)
    {
        if (element.BulkData is not { } bulk)
        {
            return element.Value;
        }

        using var buffer = new MemoryStream(checked((int)Math.Max(0, bulk.Length)));
        foreach (var chunk in ReadBulk(element.Tag, element.VR, bulk))
        {
            buffer.Write(chunk.Span);
        }

        return buffer.ToArray();
    }

    /// <summary>The bytes of an InlineBinary, in chunks, so a large value streams from its source to the output.</summary>
    public static IEnumerable<ReadOnlyMemory<byte>> InlineChunks(DicomElement element)
    {
        if (element is DicomFragmentSequence fragments)
        {
            // PS3.5 A.4: the first item is the Basic Offset Table; the pixel data are the items after it.
            foreach (var fragment in fragments.Fragments)
            {
                if (fragment.BulkData is { } fragmentBulk)
                {
                    foreach (var chunk in ReadBulk(element.Tag, DicomVR.OB, fragmentBulk))
                    {
                        yield return chunk;
                    }
                }
                else
                {
                    yield return fragment.Data;
                }
            }

            yield break;
        }

        if (element.BulkData is { } bulk)
        {
            foreach (var chunk in ReadBulk(element.Tag, element.VR, bulk))
            {
                yield return chunk;
            }

            yield break;
        }

        yield return element.Value;
    }

    private static IEnumerable<ReadOnlyMemory<byte>> ReadBulk(DicomTag tag, DicomVR vr, DicomBulkDataReference bulk)
    {
        if (bulk.Source is null || bulk.Offset < 0)
        {
            throw new DicomException($"{DicomDataset.Describe(tag)} is bulk data with no source to read it from"
                + (bulk.Uri is null ? "." : $" (it refers to '{bulk.Uri}')."));
        }

        using var stream = bulk.Source.OpenRange(bulk.Offset, bulk.Length);
        var swapUnit = bulk.BigEndian ? vr.ByteSwapUnit() : 1;
        var remaining = bulk.Length;
        while (remaining > 0)
        {
            var buffer = new byte[(int)Math.Min(ChunkBytes, remaining)];
            stream.ReadExactly(buffer);
            remaining -= buffer.Length;
            if (swapUnit > 1)
            {
                Swap(buffer, swapUnit);
            }

            yield return buffer;
        }
    }

    private static void Swap(Span<byte> bytes, int unit)
    {
        for (var i = 0; i + unit <= bytes.Length; i += unit)
        {
            bytes.Slice(i, unit).Reverse();
        }
    }

    /// <summary>Value <paramref name="index"/> of a binary number element as invariant text (XML Value content).</summary>
    public static string FormatBinaryNumber(DicomVR vr, ReadOnlySpan<byte> value, int index)
    {
        var size = vr.BinaryValueSize();
        var s = value.Slice(index * size, size);
        return vr switch
        {
            DicomVR.US => BinaryPrimitives.ReadUInt16LittleEndian(s).ToString(CultureInfo.InvariantCulture),
            DicomVR.SS => BinaryPrimitives.ReadInt16LittleEndian(s).ToString(CultureInfo.InvariantCulture),
            DicomVR.UL => BinaryPrimitives.ReadUInt32LittleEndian(s).ToString(CultureInfo.InvariantCulture),
            DicomVR.SL => BinaryPrimitives.ReadInt32LittleEndian(s).ToString(CultureInfo.InvariantCulture),
            DicomVR.UV => BinaryPrimitives.ReadUInt64LittleEndian(s).ToString(CultureInfo.InvariantCulture),
            DicomVR.SV => BinaryPrimitives.ReadInt64LittleEndian(s).ToString(CultureInfo.InvariantCulture),
            DicomVR.FL => FormatFloat(BinaryPrimitives.ReadSingleLittleEndian(s)),
            DicomVR.FD => FormatDouble(BinaryPrimitives.ReadDoubleLittleEndian(s)),
            _ => throw new ArgumentOutOfRangeException(nameof(vr), vr, "Not a binary number VR."),
        };
    }

    /// <summary>
    /// JSON has no NaN or infinity, so FL/FD values that are not finite are written as the JSON strings "NaN",
    /// "Infinity" and "-Infinity" (the spellings .NET and JavaScript use), which the readers accept back.
    /// </summary>
    public static string? NonFiniteName(double value) =>
        double.IsNaN(value) ? "NaN" : double.IsPositiveInfinity(value) ? "Infinity" : double.IsNegativeInfinity(value) ? "-Infinity" : null;

    private static string FormatFloat(float value) => NonFiniteName(value) ?? value.ToString("R", CultureInfo.InvariantCulture);

    private static string FormatDouble(double value) => NonFiniteName(value) ?? value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// Decides how an element's value goes into the document (PS3.18 F.2.6/F.2.7, PS3.19 A.1.5): as values, as
    /// InlineBinary, as a BulkDataURI (returned in <paramref name="uri"/>), or not at all.
    /// </summary>
    public static DicomValueForm Choose(DicomElement element, DicomModelWriterOptions options, out string? uri)
    {
        uri = null;
        switch (element)
        {
            case DicomSequence:
                return DicomValueForm.Values;
            case DicomFragmentSequence fragments:
                uri = options.BulkDataUriFactory?.Invoke(element);
                if (uri is not null)
                {
                    return DicomValueForm.BulkDataUri;
                }

                if (options.EncapsulatedPixelData == DicomEncapsulatedPixelDataMode.Omit)
                {
                    return DicomValueForm.Omit;
                }

                if (!options.InlineBulkDataFromSource && fragments.Fragments.Any(f => f.BulkData is not null))
                {
                    throw NotLoaded(element);
                }

                return DicomValueForm.InlineBinary;
        }

        if (element.BulkData is { } bulk)
        {
            uri = options.BulkDataUriFactory?.Invoke(element) ?? bulk.Uri;
            if (uri is not null)
            {
                return DicomValueForm.BulkDataUri;
            }

            if (!options.InlineBulkDataFromSource)
            {
                throw NotLoaded(element);
            }

            return IsBinary(element.VR) ? DicomValueForm.InlineBinary : DicomValueForm.Values;
        }

        if (IsBinary(element.VR) && element.Value.Length > 0)
        {
            if (element.Value.Length > options.InlineBinaryMaxBytes && options.BulkDataUriFactory?.Invoke(element) is { } factoryUri)
            {
                uri = factoryUri;
                return DicomValueForm.BulkDataUri;
            }

            return DicomValueForm.InlineBinary;
        }

        return DicomValueForm.Values;
    }

    private static DicomException NotLoaded(DicomElement element) => new(
        $"{DicomDataset.Describe(element.Tag)} was left in its source ({element.Length} bytes) and has no BulkDataURI: "
        + "give a BulkDataUriFactory, or set InlineBulkDataFromSource to write it inline.");
}

/// <summary>How one element's value is written.</summary>
internal enum DicomValueForm
{
    Values,
    InlineBinary,
    BulkDataUri,
    Omit,
}
