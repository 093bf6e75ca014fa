using System.Globalization;
using System.Text;
using System.Xml;

namespace Pacs.Dicom;

/// <summary>
/// Reads the Native DICOM Model (PS3.19 A.1) into a data set with a forward-only <see cref="XmlReader"/>. The
/// inverse of <see cref="DicomXmlWriter"/>: Value, PersonName, Item, InlineBinary and BulkData children, placed by
/// their number attribute (a missing number is an empty value). Text is encoded as UTF-8 and, when any is not
/// ASCII, (0008,0005) becomes "ISO_IR 192", as <see cref="DicomJsonReader"/> does.
/// </summary>
/// <remarks>
/// A private attribute whose privateCreator does not match the creator of its block in this data set (or whose tag
/// gives block 00, as some writers do) is moved to the block that creator holds, reserving one when needed
/// (PS3.5 7.8.1), so private data keep their meaning. Errors are <see cref="DicomException"/>s naming the tag and the
/// line of the document.
/// </remarks>
public static class DicomXmlReader
{
    private static readonly string[] ComponentNames = ["FamilyName", "GivenName", "MiddleName", "NamePrefix", "NameSuffix"];

    /// <summary>DTDs are refused (no entity expansion from untrusted input); whitespace between elements is not content.</summary>
    public static XmlReaderSettings Settings => new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        IgnoreWhitespace = true,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        CheckCharacters = false,
    };

    public static DicomDataset ReadDataset(string xml)
    {
        using var reader = XmlReader.Create(new StringReader(xml), Settings);
        return ReadDataset(reader);
    }

    public static DicomDataset ReadDataset(Stream stream)
    {
        using var reader = XmlReader.Create(stream, Settings);
        return ReadDataset(reader);
    }

    /// <summary>Reads the NativeDicomModel element the reader is at (or the document's root element).</summary>
    public static DicomDataset ReadDataset(XmlReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        try
        {
            reader.MoveToContent();
            if (reader.NodeType != XmlNodeType.Element || reader.LocalName != "NativeDicomModel")
            {
                throw Error(reader, $"expected <NativeDicomModel>, found <{reader.LocalName}>");
            }

            var text = new DicomTextState();
            var dataset = ReadAttributes(reader, text);
            text.Apply(dataset);
            return dataset;
        }
        catch (XmlException ex)
        {
            throw new DicomException($"DICOM XML is not well-formed XML: {ex.Message}", ex);
        }
    }

    /// <summary>Reads the DicomAttribute children of the element the reader is on (NativeDicomModel or Item).</summary>
    private static DicomDataset ReadAttributes(XmlReader reader, DicomTextState text)
    {
        var dataset = new DicomDataset();
        if (reader.IsEmptyElement)
        {
            reader.Read();
            return dataset;
        }

        reader.Read();
        while (reader.NodeType != XmlNodeType.EndElement)
        {
            if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "DicomAttribute")
            {
                ReadAttribute(reader, dataset, text);
            }
            else
            {
                reader.Skip();
            }
        }

        reader.Read();
        return dataset;
    }

    private static void ReadAttribute(XmlReader reader, DicomDataset dataset, DicomTextState text)
    {
        var tagText = reader.GetAttribute("tag");
        if (tagText is not { Length: 8 } || !uint.TryParse(tagText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var tagValue))
        {
            throw Error(reader, $"DicomAttribute tag '{tagText}' is not GGGGEEEE (PS3.19 A.1.5)");
        }

        var tag = new DicomTag(tagValue);
        var builder = new DicomAttributeBuilder(tag);
        var vrText = reader.GetAttribute("vr");
        if (vrText is not null)
        {
            builder.VR = DicomVRInfo.TryParse(vrText, out var vr) ? vr : throw Error(reader, $"{tag}: vr '{vrText}' is not a VR of PS3.5 6.2");
        }

        var creator = reader.GetAttribute("privateCreator");
        var line = reader is IXmlLineInfo info ? info.LineNumber : 0;
        if (!reader.IsEmptyElement)
        {
            reader.Read();
            while (reader.NodeType != XmlNodeType.EndElement)
            {
                if (reader.NodeType != XmlNodeType.Element)
                {
                    reader.Skip();
                    continue;
                }

                switch (reader.LocalName)
                {
                    case "Value":
                        var position = Position(reader, tag);
                        Place(builder, position, reader.ReadElementContentAsString());
                        break;
                    case "PersonName":
                        var namePosition = Position(reader, tag);
                        Place(builder, namePosition, ReadPersonName(reader));
                        break;
                    case "Item":
                        var itemPosition = Position(reader, tag);
                        Place(builder, itemPosition, ReadAttributes(reader, text));
                        break;
                    case "InlineBinary":
                        builder.InlineBinary = ReadBase64(reader);
                        break;
                    case "BulkData":
                        builder.BulkDataUri = reader.GetAttribute("uri") ?? reader.GetAttribute("uuid")
                            ?? throw Error(reader, $"{tag}: BulkData has neither uri nor uuid");
                        reader.Skip();
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }
        }

        reader.Read();
        if (creator is not null && tag.IsPrivate && !tag.IsPrivateCreator && !tag.IsGroupLength)
        {
            builder.Tag = ResolvePrivateTag(dataset, tag, creator);
        }

        try
        {
            dataset.Set(builder.Build(text));
        }
        catch (InvalidDataException ex)
        {
            throw new DicomException($"DICOM XML attribute {DicomDataset.Describe(tag)} (line {line}): {ex.Message}.", ex);
        }
    }

    private static DicomTag ResolvePrivateTag(DicomDataset dataset, DicomTag tag, string creator)
    {
        var offset = (byte)tag.Element;
        if (tag.Element >= 0x1000 && dataset.Get(tag.PrivateCreatorTag) is { } current
            && string.Equals(dataset.GetString(current.Tag), creator, StringComparison.Ordinal))
        {
            return tag;
        }

        return dataset.FindPrivateTag(creator, tag.Group, offset) ?? dataset.ReservePrivateTag(creator, tag.Group, offset);
    }

    private static int Position(XmlReader reader, DicomTag tag)
    {
        var number = reader.GetAttribute("number");
        if (number is null)
        {
            return -1;
        }

        return int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 1_000_000
            ? n - 1
            : throw Error(reader, $"{tag}: number '{number}' is not a position from 1 (PS3.19 A.1.5)");
    }

    /// <summary>Puts a value at its numbered position; positions skipped are empty values. No number appends.</summary>
    private static void Place(DicomAttributeBuilder builder, int position, object? value)
    {
        var values = builder.Values ??= [];
        if (position < 0)
        {
            values.Add(value);
            return;
        }

        while (values.Count <= position)
        {
            values.Add(null);
        }

        values[position] = value;
    }

    private static string ReadPersonName(XmlReader reader)
    {
        var groups = new[] { string.Empty, string.Empty, string.Empty };
        if (reader.IsEmptyElement)
        {
            reader.Read();
            return string.Empty;
        }

        reader.Read();
        while (reader.NodeType != XmlNodeType.EndElement)
        {
            var index = reader.NodeType != XmlNodeType.Element ? -1 : reader.LocalName switch
            {
                "Alphabetic" => 0,
                "Ideographic" => 1,
                "Phonetic" => 2,
                _ => -1,
            };
            if (index < 0)
            {
                reader.Skip();
                continue;
            }

            groups[index] = ReadNameGroup(reader);
        }

        reader.Read();
        return groups[2].Length > 0 ? $"{groups[0]}={groups[1]}={groups[2]}" : groups[1].Length > 0 ? $"{groups[0]}={groups[1]}" : groups[0];
    }

    private static string ReadNameGroup(XmlReader reader)
    {
        var components = new string[5];
        Array.Fill(components, string.Empty);
        if (reader.IsEmptyElement)
        {
            reader.Read();
            return string.Empty;
        }

        reader.Read();
        while (reader.NodeType != XmlNodeType.EndElement)
        {
            var index = reader.NodeType == XmlNodeType.Element ? Array.IndexOf(ComponentNames, reader.LocalName) : -1;
            if (index < 0)
            {
                reader.Skip();
                continue;
            }

            components[index] = reader.ReadElementContentAsString();
        }

        reader.Read();
        var count = components.Length;
        while (count > 0 && components[count - 1].Length == 0)
        {
            count--;
        }

        return string.Join('^', components, 0, count);
    }

    private static byte[] ReadBase64(XmlReader reader)
    {
        using var bytes = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = reader.ReadElementContentAsBase64(buffer, 0, buffer.Length)) > 0)
        {
            bytes.Write(buffer, 0, read);
        }

        return bytes.ToArray();
    }

    private static DicomException Error(XmlReader reader, string reason)
    {
        var line = reader is IXmlLineInfo info && info.HasLineInfo() ? $" (line {info.LineNumber})" : string.Empty;
        return new DicomException($"DICOM XML{line}: {reason}.");
    }
}
