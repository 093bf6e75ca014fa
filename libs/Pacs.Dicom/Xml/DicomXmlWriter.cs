using System.Globalization;
using System.Text;
using System.Xml;

namespace Pacs.Dicom;

/// <summary>
/// Writes a data set in the Native DICOM Model (PS3.19 A.1) with an <see cref="XmlWriter"/>, so it streams:
/// <c>&lt;NativeDicomModel&gt;</c> holding one <c>&lt;DicomAttribute&gt;</c> per element in ascending tag order.
/// Multipart responses (QIDO-RS as XML) are the caller's: write each data set with <see cref="Write(Stream, DicomDataset)"/>
/// into its part.
/// </summary>
/// <remarks>
/// Values follow the same rules as <see cref="DicomJsonWriter"/> (text trimmed of padding, an empty entry is an empty
/// <c>&lt;Value number="n"/&gt;</c>, an empty attribute has no children, bulk data per <see cref="DicomModelWriterOptions"/>).
/// FL/FD values that are not finite are written as XML Schema spells them: NaN, INF, -INF. Text holding characters
/// XML 1.0 cannot carry (control characters from malformed values) is written as character references, which our
/// reader accepts but a strict XML parser may refuse.
/// </remarks>
public sealed class DicomXmlWriter
{
    /// <summary>The namespace of the Native DICOM Model (PS3.19 A.1.6).</summary>
    public const string Namespace = "http://dicom.nema.org/PS3.19/models/NativeDICOM";

    private static readonly string[] ComponentNames = ["FamilyName", "GivenName", "MiddleName", "NamePrefix", "NameSuffix"];
    private static readonly string[] GroupNames = ["Alphabetic", "Ideographic", "Phonetic"];

    public DicomXmlWriter(DicomModelWriterOptions? options = null) => Options = options ?? DicomModelWriterOptions.Default;

    public DicomModelWriterOptions Options { get; }

    /// <summary>The settings this writer uses for the XML writers it creates (UTF-8 without BOM).</summary>
    public XmlWriterSettings XmlSettings => new()
    {
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        Indent = Options.Indented,
        CheckCharacters = false,

        // A CR in a value must survive: XML parsers turn a literal CR LF into LF (XML 1.0 2.11), a &#xD; they keep.
        NewLineHandling = NewLineHandling.Entitize,
    };

    /// <summary>One data set as an XML document.</summary>
    public static string Serialize(DicomDataset dataset, DicomModelWriterOptions? options = null)
    {
        using var buffer = new MemoryStream();
        new DicomXmlWriter(options).Write(buffer, dataset);
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Writes one data set as a whole XML document (declaration and NativeDicomModel).</summary>
    public void Write(Stream stream, DicomDataset dataset)
    {
        using var writer = XmlWriter.Create(stream, XmlSettings);
        writer.WriteStartDocument();
        Write(writer, dataset);
        writer.WriteEndDocument();
    }

    /// <summary>Writes the NativeDicomModel element of one data set to a caller's writer.</summary>
    public void Write(XmlWriter writer, DicomDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(dataset);
        writer.WriteStartElement("NativeDicomModel", Namespace);
        WriteAttributes(writer, dataset);
        writer.WriteEndElement();
        writer.Flush();
    }

    private void WriteAttributes(XmlWriter writer, DicomDataset dataset)
    {
        foreach (var element in dataset)
        {
            if (!element.Tag.IsGroupLength)
            {
                WriteAttribute(writer, dataset, element);
            }
        }
    }

    private void WriteAttribute(XmlWriter writer, DicomDataset dataset, DicomElement element)
    {
        var form = DicomModelValues.Choose(element, Options, out var uri);
        if (form == DicomValueForm.Omit)
        {
            return;
        }

        var vr = element.VR == DicomVR.None ? DicomVR.UN : element.VR;
        writer.WriteStartElement("DicomAttribute", Namespace);
        writer.WriteAttributeString("tag", element.Tag.ToHexString());
        writer.WriteAttributeString("vr", vr.Code());
        if (!element.Tag.IsPrivate && DicomDictionary.Lookup(element.Tag)?.Keyword is { Length: > 0 } keyword)
        {
            writer.WriteAttributeString("keyword", keyword);
        }

        // PS3.19 A.1.5: a private attribute names the creator of its block, so it keeps its meaning if moved.
        if (element.Tag.PrivateCreatorTag is { Value: not 0 } creatorTag
            && dataset.Get(creatorTag) is { IsBulkData: false } creatorElement)
        {
            var creator = DicomModelValues.GetTextValues(dataset, creatorElement, creatorElement.Value);
            if (creator.Length > 0 && creator[0] is { } name)
            {
                writer.WriteAttributeString("privateCreator", name);
            }
        }

        switch (form)
        {
            case DicomValueForm.BulkDataUri:
                writer.WriteStartElement("BulkData", Namespace);
                writer.WriteAttributeString("uri", uri);
                writer.WriteEndElement();
                break;
            case DicomValueForm.InlineBinary:
                writer.WriteStartElement("InlineBinary", Namespace);
                foreach (var chunk in DicomModelValues.InlineChunks(element))
                {
                    WriteBase64(writer, chunk);
                }

                writer.WriteEndElement();
                break;
            default:
                WriteValues(writer, dataset, element);
                break;
        }

        writer.WriteEndElement();
    }

    private static void WriteBase64(XmlWriter writer, ReadOnlyMemory<byte> chunk)
    {
        // XmlWriter carries leftover bytes between calls, so chunks of any size make one base64 text.
        if (System.Runtime.InteropServices.MemoryMarshal.TryGetArray(chunk, out var segment))
        {
            writer.WriteBase64(segment.Array!, segment.Offset, segment.Count);
        }
        else
        {
            var copy = chunk.ToArray();
            writer.WriteBase64(copy, 0, copy.Length);
        }
    }

    private void WriteValues(XmlWriter writer, DicomDataset dataset, DicomElement element)
    {
        if (element is DicomSequence sequence)
        {
            for (var i = 0; i < sequence.Items.Count; i++)
            {
                writer.WriteStartElement("Item", Namespace);
                writer.WriteAttributeString("number", Number(i));
                WriteAttributes(writer, sequence.Items[i]);
                writer.WriteEndElement();
            }

            return;
        }

        var value = DicomModelValues.LoadValue(element);
        if (value.Length == 0)
        {
            return;
        }

        var vr = element.VR;
        if (vr == DicomVR.AT)
        {
            for (var i = 0; i < value.Length / 4; i++)
            {
                WriteValue(writer, i, DicomModelValues.FormatAttributeTag(value.Span, i));
            }

            return;
        }

        if (DicomModelValues.IsBinaryNumber(vr))
        {
            var count = value.Length / vr.BinaryValueSize();
            for (var i = 0; i < count; i++)
            {
                var text = DicomModelValues.FormatBinaryNumber(vr, value.Span, i);
                WriteValue(writer, i, text switch { "Infinity" => "INF", "-Infinity" => "-INF", _ => text });
            }

            return;
        }

        if (!vr.IsString())
        {
            writer.WriteStartElement("InlineBinary", Namespace);
            WriteBase64(writer, value);
            writer.WriteEndElement();
            return;
        }

        var values = DicomModelValues.GetTextValues(dataset, element, value);
        for (var i = 0; i < values.Length; i++)
        {
            if (vr == DicomVR.PN)
            {
                WritePersonName(writer, i, values[i]);
            }
            else
            {
                WriteValue(writer, i, values[i]);
            }
        }
    }

    private static void WriteValue(XmlWriter writer, int index, string? text)
    {
        writer.WriteStartElement("Value", Namespace);
        writer.WriteAttributeString("number", Number(index));
        if (!string.IsNullOrEmpty(text))
        {
            writer.WriteString(text);
        }

        writer.WriteEndElement();
    }

    /// <summary>PS3.19 A.1.5: a name's groups, each with its components as elements of their own.</summary>
    private static void WritePersonName(XmlWriter writer, int index, string? text)
    {
        writer.WriteStartElement("PersonName", Namespace);
        writer.WriteAttributeString("number", Number(index));
        var groups = (text ?? string.Empty).Split('=', 3);
        for (var g = 0; g < groups.Length; g++)
        {
            if (groups[g].Length == 0)
            {
                continue;
            }

            writer.WriteStartElement(GroupNames[g], Namespace);
            var components = groups[g].Split('^', 5);
            for (var c = 0; c < components.Length; c++)
            {
                if (components[c].Length > 0)
                {
                    writer.WriteElementString(ComponentNames[c], Namespace, components[c]);
                }
            }

            writer.WriteEndElement();
        }

        writer.WriteEndElement();
    }

    private static string Number(int index) => (index + 1).ToString(CultureInfo.InvariantCulture);
}
