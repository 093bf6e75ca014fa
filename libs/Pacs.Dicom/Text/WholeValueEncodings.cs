using System.Text;

namespace Pacs.Dicom;

/// <summary>
/// The encodings of the Defined Terms without code extensions whose characters take more than one byte
/// (PS3.3 Table C.12-5). Decoding never loses a byte: a byte that is not valid in the encoding becomes the Latin-1
/// character of the same value, the lenient reading of mislabelled data. Encoding throws on what it cannot represent.
/// </summary>
internal static class WholeValueEncodings
{
    /// <summary>ISO_IR 192: UTF-8.</summary>
    public static readonly Encoding Utf8 = Encoding.GetEncoding(
        "utf-8", EncoderFallback.ExceptionFallback, Latin1ByteFallback.Instance);

    /// <summary>GB18030 (code page 54936).</summary>
    public static readonly Encoding Gb18030 = CodePage(54936);

    /// <summary>GBK (code page 936, which is GBK).</summary>
    public static readonly Encoding Gbk = CodePage(936);

    private static Encoding CodePage(int codePage) =>
        CodePagesEncodingProvider.Instance.GetEncoding(codePage, EncoderFallback.ExceptionFallback, Latin1ByteFallback.Instance)
        ?? throw new InvalidOperationException($"Code page {codePage} is not available on this platform.");
}

/// <summary>Turns each byte an encoding cannot decode into the Latin-1 character of the same value.</summary>
internal sealed class Latin1ByteFallback : DecoderFallback
{
    public static readonly Latin1ByteFallback Instance = new();

    public override int MaxCharCount => 4;

    public override DecoderFallbackBuffer CreateFallbackBuffer() => new Buffer();

    private sealed class Buffer : DecoderFallbackBuffer
    {
        private byte[] _bytes = [];
        private int _next;

        public override int Remaining => _bytes.Length - _next;

        public override bool Fallback(byte[] bytesUnknown, int index)
        {
            _bytes = bytesUnknown;
            _next = 0;
            return bytesUnknown.Length > 0;
        }

        public override char GetNextChar() => _next < _bytes.Length ? (char)_bytes[_next++] : '\0';

        public override bool MovePrevious()
        {
            if (_next == 0)
            {
                return false;
            }

            _next--;
            return true;
        }

        public override void Reset()
        {
            _bytes = [];
            _next = 0;
        }
    }
}
