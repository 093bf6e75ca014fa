using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Pacs.Dicom;

/// <summary>
/// Writes data sets in the DICOM JSON Model (PS3.18 Annex F) over <see cref="Utf8JsonWriter"/>, so output streams
/// to a <see cref="Stream"/> or an <see cref="IBufferWriter{T}"/> as it is produced: one data set as an object, or
/// several (a QIDO-RS answer) as an array.
/// </summary>
/// <remarks>
/// Choices where the standard leaves room, all read back by <see cref="DicomJsonReader"/>:
/// <list type="bullet">
/// <item>DS and IS (F.2.3.1) are JSON Numbers whose literal is the decimal text of the value, respelt only where JSON
/// is stricter ("+1" → 1, ".5" → 0.5, "007" → 7), so no digit is lost to binary floating point. A value that is no
/// number at all is written as a JSON String (F.2.3.1 allows strings for these VRs) rather than dropped.</item>
/// <item>FL and FD values that are NaN or infinite (JSON has no such numbers) are written as the strings "NaN",
/// "Infinity" and "-Infinity".</item>
/// <item>Group length elements (gggg,0000) are left out: they describe a binary encoding the document does not have
/// (PS3.5 7.2).</item>
/// <item>Encapsulated pixel data follow <see cref="DicomModelWriterOptions.EncapsulatedPixelData"/>.</item>
/// <item>(0008,0005), when present, is written as "ISO_IR 192": the text in the document is Unicode whatever character
/// set the data set's bytes used (PS3.18 F.2 documents are UTF-8).</item>
/// <item>Non-ASCII text is written as UTF-8 (not \u escapes); the document is meant for DICOMweb, not for HTML.</item>
/// </list>
/// </remarks>
public sealed class DicomJsonWriter
{
    /// <summary>Hand buffered output to the stream once this much is pending, so memory stays bounded.</summary>
    private const int FlushThresholdBytes = 256 * 1024;

    private static readonly JsonEncodedText VrName = JsonEncodedText.Encode("vr");
    private static readonly JsonEncodedText ValueName = JsonEncodedText.Encode("Value");
    private static readonly JsonEncodedText InlineBinaryName = JsonEncodedText.Encode("InlineBinary");
    private static readonly JsonEncodedText BulkDataUriName = JsonEncodedText.Encode("BulkDataURI");
    private static readonly JsonEncodedText AlphabeticName = JsonEncodedText.Encode("Alphabetic");
    private static readonly JsonEncodedText IdeographicName = JsonEncodedText.Encode("Ideographic");
    private static readonly JsonEncodedText PhoneticName = JsonEncodedText.Encode("Phonetic");

    public DicomJsonWriter(DicomModelWriterOptions? options = null) => Options = options ?? DicomModelWriterOptions.Default;

    public DicomModelWriterOptions Options { get; }

    /// <summary>The <see cref="JsonWriterOptions"/> this writer uses for the writers it creates.</summary>
    public JsonWriterOptions JsonOptions => new()
    {
        Indented = Options.Indented,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        MaxDepth = 1000,
    };

    /// <summary>One data set as a JSON document.</summary>
    public static string Serialize(DicomDataset dataset, DicomModelWriterOptions? options = null) =>
        Encoding.UTF8.GetString(SerializeToUtf8Bytes(dataset, options));

    /// <summary>One data set as UTF-8 JSON.</summary>
    public static byte[] SerializeToUtf8Bytes(DicomDataset dataset, DicomModelWriterOptions? options = null)
    {
        var buffer = new ArrayBufferWriter<byte>();
        new DicomJsonWriter(options).Write(buffer, dataset);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes one data set as a JSON object to <paramref name="stream"/>.</summary>
    public void Write(Stream stream, DicomDataset dataset)
    {
        using var writer = new Utf8JsonWriter(stream, JsonOptions);
        Write(writer, dataset);
    }

    /// <summary>Writes one data set as a JSON object to <paramref name="output"/>.</summary>
    public void Write(IBufferWriter<byte> output, DicomDataset dataset)
    {
        using var writer = new Utf8JsonWriter(output, JsonOptions);
        Write(writer, dataset);
    }

    /// <summary>Writes data sets as a JSON array (PS3.18 F.2: the form of a QIDO-RS response).</summary>
    public void WriteArray(Stream stream, IEnumerable<DicomDataset> datasets)
    {
        using var writer = new Utf8JsonWriter(stream, JsonOptions);
        WriteArray(writer, datasets);
    }

    /// <summary>Writes data sets as a JSON array.</summary>
    public void WriteArray(IBufferWriter<byte> output, IEnumerable<DicomDataset> datasets)
    {
        using var writer = new Utf8JsonWriter(output, JsonOptions);
        WriteArray(writer, datasets);
    }

    /// <summary>Writes data sets as a JSON array, flushing after each so a client sees results as they are found.</summary>
    public async Task WriteArrayAsync(Stream stream, IAsyncEnumerable<DicomDataset> datasets, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(datasets);
        await using var writer = new Utf8JsonWriter(stream, JsonOptions);
        writer.WriteStartArray();
        await foreach (var dataset in datasets.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            Write(writer, dataset);
            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        writer.WriteEndArray();
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes data sets as a JSON array to a caller's writer (flushed when done).</summary>
    public void WriteArray(Utf8JsonWriter writer, IEnumerable<DicomDataset> datasets)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(datasets);
        writer.WriteStartArray();
        foreach (var dataset in datasets)
        {
            Write(writer, dataset);
        }

        writer.WriteEndArray();
        writer.Flush();
    }

    /// <summary>Writes one data set as a JSON object to a caller's writer (flushed when done).</summary>
    public void Write(Utf8JsonWriter writer, DicomDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(dataset);
        WriteDataset(writer, dataset);
        writer.Flush();
    }

    private void WriteDataset(Utf8JsonWriter writer, DicomDataset dataset)
    {
        writer.WriteStartObject();
        foreach (var element in dataset)
        {
            // PS3.18 F.2.1: attributes in ascending tag order; the data set keeps its elements sorted.
            WriteElement(writer, dataset, element);
            if (writer.BytesPending > FlushThresholdBytes)
            {
                writer.Flush();
            }
        }

        writer.WriteEndObject();
    }

    private void WriteElement(Utf8JsonWriter writer, DicomDataset dataset, DicomElement element)
    {
        if (element.Tag.IsGroupLength)
        {
            return;
        }

        var form = DicomModelValues.Choose(element, Options, out var uri);
        if (form == DicomValueForm.Omit)
        {
            return;
        }

        Span<byte> key = stackalloc byte[8];
        element.Tag.Value.TryFormat(key, out _, "X8", System.Globalization.CultureInfo.InvariantCulture);
        writer.WritePropertyName(key);
        writer.WriteStartObject();
        var vr = element.VR == DicomVR.None ? DicomVR.UN : element.VR;
        writer.WriteString(VrName, vr.Code());
        switch (form)
        {
            case DicomValueForm.BulkDataUri:
                writer.WriteString(BulkDataUriName, uri);
                break;
            case DicomValueForm.InlineBinary:
                writer.WritePropertyName(InlineBinaryName);
                WriteBase64(writer, DicomModelValues.InlineChunks(element));
                break;
            default:
                WriteValues(writer, dataset, element);
                break;
        }

        writer.WriteEndObject();
    }

    private static void WriteBase64(Utf8JsonWriter writer, IEnumerable<ReadOnlyMemory<byte>> chunks)
    {
        // One base64 string written in segments: a value read from its source never has to be in memory whole.
        ReadOnlyMemory<byte>? pending = null;
        foreach (var chunk in chunks)
        {
            if (pending is { } previous)
            {
                writer.WriteBase64StringSegment(previous.Span, isFinalSegment: false);
                if (writer.BytesPending > FlushThresholdBytes)
                {
                    writer.Flush();
                }
            }

            pending = chunk;
        }

        writer.WriteBase64StringSegment(pending is { } last ? last.Span : [], isFinalSegment: true);
    }

    private void WriteValues(Utf8JsonWriter writer, DicomDataset dataset, DicomElement element)
    {
        if (element is DicomSequence sequence)
        {
            if (sequence.Items.Count == 0)
            {
                return;
            }

            // PS3.18 F.2.4: a sequence's Value is an array of data set objects ({} for an empty item).
            writer.WritePropertyName(ValueName);
            writer.WriteStartArray();
            foreach (var item in sequence.Items)
            {
                WriteDataset(writer, item);
            }

            writer.WriteEndArray();
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
            var count = value.Length / 4;
            writer.WritePropertyName(ValueName);
            writer.WriteStartArray();
            for (var i = 0; i < count; i++)
            {
                writer.WriteStringValue(DicomModelValues.FormatAttributeTag(value.Span, i));
            }

            writer.WriteEndArray();
            return;
        }

        if (DicomModelValues.IsBinaryNumber(vr))
        {
            writer.WritePropertyName(ValueName);
            writer.WriteStartArray();
            WriteBinaryNumbers(writer, vr, value.Span);
            writer.WriteEndArray();
            return;
        }

        if (!vr.IsString())
        {
            // A binary VR with a value (Choose sends non-empty ones to InlineBinary); nothing else reaches here.
            writer.WriteBase64String(InlineBinaryName, value.Span);
            return;
        }

        var values = DicomModelValues.GetTextValues(dataset, element, value);
        if (values.Length == 0)
        {
            // PS3.18 F.2.5: an empty value is an attribute with its vr and no Value.
            return;
        }

        writer.WritePropertyName(ValueName);
        writer.WriteStartArray();
        foreach (var text in values)
        {
            if (text is null)
            {
                // PS3.18 F.2.5: an empty entry of a multi-valued attribute is null.
                writer.WriteNullValue();
            }
            else if (vr == DicomVR.PN)
            {
                WritePersonName(writer, text);
            }
            else if (vr is DicomVR.DS or DicomVR.IS && DicomModelValues.TryGetJsonNumber(text, out var literal))
            {
                writer.WriteRawValue(literal, skipInputValidation: true);
            }
            else
            {
                writer.WriteStringValue(text);
            }
        }

        writer.WriteEndArray();
    }

    /// <summary>PS3.18 F.2.2: a PN value is an object with one string per non-empty component group.</summary>
    private static void WritePersonName(Utf8JsonWriter writer, string text)
    {
        var groups = text.Split('=', 3);
        string Group(int i) => i < groups.Length ? groups[i] : string.Empty;
        if (Group(0).Length + Group(1).Length + Group(2).Length == 0)
        {
            writer.WriteNullValue();
            return;
        }

        writer.WriteStartObject();
        if (Group(0).Length > 0)
        {
            writer.WriteString(AlphabeticName, Group(0));
        }

        if (Group(1).Length > 0)
        {
            writer.WriteString(IdeographicName, Group(1));
        }

        if (Group(2).Length > 0)
        {
            writer.WriteString(PhoneticName, Group(2));
        }

        writer.WriteEndObject();
    }

    private static void WriteBinaryNumbers(Utf8JsonWriter writer, DicomVR vr, ReadOnlySpan<byte> value)
    {
        var size = vr.BinaryValueSize();
        for (var offset = 0; offset + size <= value.Length; offset += size)
        {
            var s = value.Slice(offset, size);
            switch (vr)
            {
                case DicomVR.US: writer.WriteNumberValue(BinaryPrimitives.ReadUInt16LittleEndian(s)); break;
                case DicomVR.SS: writer.WriteNumberValue(BinaryPrimitives.ReadInt16LittleEndian(s)); break;
                case DicomVR.UL: writer.WriteNumberValue(BinaryPrimitives.ReadUInt32LittleEndian(s)); break;
                case DicomVR.SL: writer.WriteNumberValue(BinaryPrimitives.ReadInt32LittleEndian(s)); break;
                case DicomVR.UV: writer.WriteNumberValue(BinaryPrimitives.ReadUInt64LittleEndian(s)); break;
                case DicomVR.SV: writer.WriteNumberValue(BinaryPrimitives.ReadInt64LittleEndian(s)); break;
                case DicomVR.FL: WriteFloating(writer, BinaryPrimitives.ReadSingleLittleEndian(s)); break;
                default: WriteFloating(writer, BinaryPrimitives.ReadDoubleLittleEndian(s)); break;
            }
        }
    }

    private static void WriteFloating(Utf8JsonWriter writer, float value)
    {
        if (DicomModelValues.NonFiniteName(value) is { } name)
        {
            writer.WriteStringValue(name);
        }
        else
        {
            writer.WriteNumberValue(value);
        }
    }

    private static void WriteFloating(Utf8JsonWriter writer, double value)
    {
        if (DicomModelValues.NonFiniteName(value) is { } name)
        {
            writer.WriteStringValue(name);
        }
        else
        {
            writer.WriteNumberValue(value);
        }
    }
}
