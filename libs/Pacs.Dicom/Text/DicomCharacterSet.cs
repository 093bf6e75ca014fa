using System.Text;

namespace Pacs.Dicom;

/// <summary>
/// PLACEHOLDER: decoding and encoding of text values under a Specific Character Set (PS3.5 6.1).
/// </summary>
public sealed class DicomCharacterSet
{
    private DicomCharacterSet(string[] terms) => Terms = terms;

    /// <summary>The default repertoire (ISO IR 6); decoded leniently as Latin-1 so bytes above 0x7F are never lost.</summary>
    public static DicomCharacterSet Default { get; } = new([]);

    /// <summary>The defined terms of (0008,0005), e.g. ["", "ISO 2022 IR 87"].</summary>
    public IReadOnlyList<string> Terms { get; }

    public static DicomCharacterSet FromSpecificCharacterSet(string value) =>
        new(value.Split('\\').Select(t => t.Trim()).ToArray());

    public string Decode(ReadOnlySpan<byte> bytes, DicomVR vr) =>
        Terms.Contains("ISO_IR 192") ? Encoding.UTF8.GetString(bytes) : Encoding.Latin1.GetString(bytes);

    public byte[] Encode(string text, DicomVR vr) =>
        Terms.Contains("ISO_IR 192") ? Encoding.UTF8.GetBytes(text) : Encoding.Latin1.GetBytes(text);
}
