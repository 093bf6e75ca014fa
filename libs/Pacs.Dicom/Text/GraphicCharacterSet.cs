namespace Pacs.Dicom;

/// <summary>The code element a graphic character set is designated to (ISO/IEC 2022; PS3.3 Tables C.12-3 and C.12-4).</summary>
internal enum CodeElement
{
    /// <summary>Invoked into the left half: bytes 0x21–0x7E.</summary>
    G0,

    /// <summary>Invoked into the right half: bytes 0xA0/0xA1–0xFE/0xFF (the high bit is stripped before lookup).</summary>
    G1,
}

/// <summary>
/// One graphic character set as DICOM uses it under ISO/IEC 2022 (PS3.5 6.1.2.4, PS3.3 C.12.1.1.2): the escape
/// sequence that designates it, the code element it is designated to, and its mapping to Unicode. Codes passed in
/// and out are 7-bit (the high bit of G1 bytes is stripped by the caller), so one set serves G0 and G1 alike.
/// </summary>
internal abstract class GraphicCharacterSet
{
    protected GraphicCharacterSet(string registration, CodeElement element, byte[] designation)
    {
        Registration = registration;
        Element = element;
        Designation = designation;
    }

    /// <summary>The ISO-IR registration, e.g. "ISO-IR 87", for messages.</summary>
    public string Registration { get; }

    public CodeElement Element { get; }

    /// <summary>The escape sequence that designates this set, ESC included (PS3.3 Tables C.12-3, C.12-4).</summary>
    public byte[] Designation { get; }

    /// <summary>True for the 94×94 sets, whose characters take two bytes.</summary>
    public abstract bool IsDoubleByte { get; }

    /// <summary>The character of a single-byte code (0x20–0x7F), or <see cref="SingleByteTables.Unassigned"/>.</summary>
    public virtual char Decode(int code) => SingleByteTables.Unassigned;

    /// <summary>The character of a two-byte code (each 0x21–0x7E), or <see cref="SingleByteTables.Unassigned"/>.</summary>
    public virtual char Decode(int first, int second) => SingleByteTables.Unassigned;

    /// <summary>The 7-bit code of <paramref name="c"/> in this set: one byte, or two as (first &lt;&lt; 8) | second.</summary>
    public abstract bool TryEncode(char c, out int code);

    public override string ToString() => Registration;
}

/// <summary>A 94- or 96-character single-byte set, held as a table of its 7-bit positions.</summary>
internal sealed class SingleByteCharacterSet : GraphicCharacterSet
{
    private readonly char[] _table;
    private readonly Dictionary<char, byte> _reverse;

    /// <param name="table">The characters of codes 0x00–0x7F; <see cref="SingleByteTables.Unassigned"/> where none.</param>
    public SingleByteCharacterSet(string registration, CodeElement element, byte[] designation, char[] table)
        : base(registration, element, designation)
    {
        _table = table;
        _reverse = new Dictionary<char, byte>(96);
        for (var code = 0x20; code < 0x80; code++)
        {
            var c = table[code];
            if (c != SingleByteTables.Unassigned)
            {
                _reverse.TryAdd(c, (byte)code);
            }
        }
    }

    public override bool IsDoubleByte => false;

    public override char Decode(int code) => _table[code & 0x7F];

    public override bool TryEncode(char c, out int code)
    {
        if (_reverse.TryGetValue(c, out var b))
        {
            code = b;
            return true;
        }

        code = 0;
        return false;
    }

    /// <summary>A 96-character set whose positions 0xA0–0xFF are <paramref name="upperHalf"/> (96 characters).</summary>
    public static SingleByteCharacterSet From96(string registration, byte finalByte, string upperHalf)
    {
        var table = EmptyTable();
        for (var i = 0; i < 96; i++)
        {
            table[0x20 + i] = upperHalf[i];
        }

        // PS3.3 Table C.12-3: ESC 02/13 F designates a 96-character set to G1.
        return new SingleByteCharacterSet(registration, CodeElement.G1, [0x1B, 0x2D, finalByte], table);
    }

    /// <summary>A 94-character set whose codes 0x21–0x7E map to <paramref name="map"/>.</summary>
    public static SingleByteCharacterSet From94(string registration, CodeElement element, byte[] designation, Func<int, char> map)
    {
        var table = EmptyTable();
        for (var code = 0x21; code < 0x7F; code++)
        {
            table[code] = map(code);
        }

        return new SingleByteCharacterSet(registration, element, designation, table);
    }

    private static char[] EmptyTable()
    {
        var table = new char[128];
        Array.Fill(table, SingleByteTables.Unassigned);
        return table;
    }
}
