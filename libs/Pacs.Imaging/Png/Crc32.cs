namespace Pacs.Imaging;

/// <summary>
/// The CRC-32 of ISO 3309 / ITU-T V.42 that PNG chunks carry (PNG spec 5.5: polynomial 0x04C11DB7 in reflected form
/// 0xEDB88320, initial value all ones, final value complemented). Table driven, one table lookup per byte.
/// </summary>
public static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    /// <summary>The CRC of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Update(Start, data));

    /// <summary>The register value before any byte.</summary>
    public const uint Start = 0xFFFFFFFFu;

    /// <summary>Feeds more bytes into a running register (start from <see cref="Start"/>, end with <see cref="Finish"/>).</summary>
    public static uint Update(uint register, ReadOnlySpan<byte> data)
    {
        var table = Table;
        foreach (var b in data)
        {
            register = table[(register ^ b) & 0xFF] ^ (register >> 8);
        }

        return register;
    }

    /// <summary>The CRC of everything fed into the register.</summary>
    public static uint Finish(uint register) => register ^ 0xFFFFFFFFu;

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
