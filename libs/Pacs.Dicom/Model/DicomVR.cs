namespace Pacs.Dicom;

/// <summary>
/// Value Representations of PS3.5 6.2, the current standard's full set. The numeric value is the two
/// ASCII characters as they appear in an explicit-VR stream (first character in the high byte),
/// so a VR read from the wire converts with one shift and no lookup.
/// </summary>
public enum DicomVR : ushort
{
    /// <summary>No VR: items and delimiters (FFFE,E000/E00D/E0DD), or an unknown VR code.</summary>
    None = 0,
    AE = ('A' << 8) | 'E',
    AS = ('A' << 8) | 'S',
    AT = ('A' << 8) | 'T',
    CS = ('C' << 8) | 'S',
    DA = ('D' << 8) | 'A',
    DS = ('D' << 8) | 'S',
    DT = ('D' << 8) | 'T',
    FD = ('F' << 8) | 'D',
    FL = ('F' << 8) | 'L',
    IS = ('I' << 8) | 'S',
    LO = ('L' << 8) | 'O',
    LT = ('L' << 8) | 'T',
    OB = ('O' << 8) | 'B',
    OD = ('O' << 8) | 'D',
    OF = ('O' << 8) | 'F',
    OL = ('O' << 8) | 'L',
    OV = ('O' << 8) | 'V',
    OW = ('O' << 8) | 'W',
    PN = ('P' << 8) | 'N',
    SH = ('S' << 8) | 'H',
    SL = ('S' << 8) | 'L',
    SQ = ('S' << 8) | 'Q',
    SS = ('S' << 8) | 'S',
    ST = ('S' << 8) | 'T',
    SV = ('S' << 8) | 'V',
    TM = ('T' << 8) | 'M',
    UC = ('U' << 8) | 'C',
    UI = ('U' << 8) | 'I',
    UL = ('U' << 8) | 'L',
    UN = ('U' << 8) | 'N',
    UR = ('U' << 8) | 'R',
    US = ('U' << 8) | 'S',
    UT = ('U' << 8) | 'T',
    UV = ('U' << 8) | 'V',
}

/// <summary>Facts about each VR from PS3.5 6.2 and 7.1.2.</summary>
public static class DicomVRInfo
{
    /// <summary>Parses two ASCII bytes into a VR; false when they name no VR of the standard.</summary>
    public static bool TryParse(byte first, byte second, out DicomVR vr)
    {
        vr = (DicomVR)((first << 8) | second);
        if (IsKnown(vr))
        {
            return true;
        }

        vr = DicomVR.None;
        return false;
    }

    /// <summary>Parses "PN" etc. (case-sensitive, as the standard spells them).</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out DicomVR vr)
    {
        vr = DicomVR.None;
        return text.Length == 2 && text[0] < 128 && text[1] < 128 && TryParse((byte)text[0], (byte)text[1], out vr);
    }

    public static DicomVR Parse(string text) => TryParse(text, out var vr)
        ? vr
        : throw new FormatException($"'{text}' is not a DICOM Value Representation (PS3.5 6.2).");

    public static bool IsKnown(this DicomVR vr) => vr switch
    {
        DicomVR.AE or DicomVR.AS or DicomVR.AT or DicomVR.CS or DicomVR.DA or DicomVR.DS or DicomVR.DT
            or DicomVR.FD or DicomVR.FL or DicomVR.IS or DicomVR.LO or DicomVR.LT or DicomVR.OB or DicomVR.OD
            or DicomVR.OF or DicomVR.OL or DicomVR.OV or DicomVR.OW or DicomVR.PN or DicomVR.SH or DicomVR.SL
            or DicomVR.SQ or DicomVR.SS or DicomVR.ST or DicomVR.SV or DicomVR.TM or DicomVR.UC or DicomVR.UI
            or DicomVR.UL or DicomVR.UN or DicomVR.UR or DicomVR.US or DicomVR.UT or DicomVR.UV => true,
        _ => false,
    };

    /// <summary>The two-letter code, "??" for <see cref="DicomVR.None"/>.</summary>
    public static string Code(this DicomVR vr) => vr == DicomVR.None ? "??" : vr.ToString();

    /// <summary>
    /// PS3.5 7.1.2: in explicit VR these VRs have two reserved bytes and a 32-bit length;
    /// all others have a 16-bit length.
    /// </summary>
    public static bool HasLongExplicitLength(this DicomVR vr) => vr switch
    {
        DicomVR.OB or DicomVR.OD or DicomVR.OF or DicomVR.OL or DicomVR.OV or DicomVR.OW or DicomVR.SQ
            or DicomVR.SV or DicomVR.UC or DicomVR.UN or DicomVR.UR or DicomVR.UT or DicomVR.UV => true,
        _ => false,
    };

    /// <summary>Character string VRs (values are text, padded with a space or, for UI, a NUL).</summary>
    public static bool IsString(this DicomVR vr) => vr switch
    {
        DicomVR.AE or DicomVR.AS or DicomVR.CS or DicomVR.DA or DicomVR.DS or DicomVR.DT or DicomVR.IS
            or DicomVR.LO or DicomVR.LT or DicomVR.PN or DicomVR.SH or DicomVR.ST or DicomVR.TM or DicomVR.UC
            or DicomVR.UI or DicomVR.UR or DicomVR.UT => true,
        _ => false,
    };

    /// <summary>PS3.5 6.1.2.3: the VRs whose values are decoded with the Specific Character Set.</summary>
    public static bool UsesSpecificCharacterSet(this DicomVR vr) => vr switch
    {
        DicomVR.SH or DicomVR.LO or DicomVR.UC or DicomVR.ST or DicomVR.LT or DicomVR.UT or DicomVR.PN => true,
        _ => false,
    };

    /// <summary>VRs whose value is one string with no backslash-separated multiplicity (PS3.5 6.2).</summary>
    public static bool IsSingleValuedText(this DicomVR vr) =>
        vr is DicomVR.LT or DicomVR.ST or DicomVR.UT or DicomVR.UR;

    /// <summary>Binary VRs and the size of one value in bytes (the unit of byte swapping); 0 for others.</summary>
    public static int BinaryValueSize(this DicomVR vr) => vr switch
    {
        DicomVR.OB or DicomVR.UN => 1,
        DicomVR.SS or DicomVR.US or DicomVR.OW => 2,
        DicomVR.SL or DicomVR.UL or DicomVR.FL or DicomVR.OF or DicomVR.OL or DicomVR.AT => 4,
        DicomVR.FD or DicomVR.OD or DicomVR.SV or DicomVR.UV or DicomVR.OV => 8,
        _ => 0,
    };

    /// <summary>
    /// The unit a big-endian transfer syntax swaps. AT is two 16-bit numbers (PS3.5 6.2, AT), so it swaps per 2 bytes.
    /// </summary>
    public static int ByteSwapUnit(this DicomVR vr) => vr == DicomVR.AT ? 2 : vr.BinaryValueSize();

    /// <summary>Padding byte for odd-length values: NUL for UI and the binary VRs, space for other strings (PS3.5 6.2).</summary>
    public static byte PaddingByte(this DicomVR vr) => vr.IsString() && vr != DicomVR.UI ? (byte)' ' : (byte)0;

    /// <summary>
    /// PS3.5 7.1.1: values have even length. Returns the bytes as they are when even, else a copy with the VR's
    /// padding byte (space for strings, NUL for UI and binary) appended.
    /// </summary>
    internal static byte[] PadToEvenLength(byte[] bytes, DicomVR vr)
    {
        if ((bytes.Length & 1) == 0)
        {
            return bytes;
        }

        var padded = new byte[bytes.Length + 1];
        bytes.CopyTo(padded, 0);
        padded[^1] = vr.PaddingByte();
        return padded;
    }

    /// <summary>The maximum length of one value in bytes (or characters for the text VRs) PS3.5 6.2 allows; 0 when unbounded.</summary>
    public static int MaxValueLength(this DicomVR vr) => vr switch
    {
        DicomVR.AE => 16,
        DicomVR.AS => 4,
        DicomVR.CS => 16,
        DicomVR.DA => 8,
        DicomVR.DS => 16,
        DicomVR.DT => 26,
        DicomVR.IS => 12,
        DicomVR.LO => 64,
        DicomVR.LT => 10240,
        DicomVR.PN => 64 * 3 + 2,
        DicomVR.SH => 16,
        DicomVR.ST => 1024,
        DicomVR.TM => 14,
        DicomVR.UI => 64,
        _ => 0,
    };
}
