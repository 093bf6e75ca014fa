using System.Text;

namespace Pacs.Http;

/// <summary>Reads the pieces of a media type or Accept element: tokens, '=' and quoted-strings (RFC 9110 5.6).</summary>
internal ref struct MediaTypeTokenizer
{
    private readonly ReadOnlySpan<char> _text;
    private int _position;

    public MediaTypeTokenizer(ReadOnlySpan<char> text)
    {
        _text = text;
        _position = 0;
    }

    public readonly bool AtEnd => _position >= _text.Length;

    public readonly char Peek => _text[_position];

    /// <summary>RFC 9110 5.6.2 tchar.</summary>
    public static bool IsTokenChar(char c) =>
        c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9'
            or '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';

    public void SkipWhitespace()
    {
        while (!AtEnd && _text[_position] is ' ' or '\t')
        {
            _position++;
        }
    }

    public bool TryConsume(char c)
    {
        SkipWhitespace();
        if (!AtEnd && _text[_position] == c)
        {
            _position++;
            return true;
        }

        return false;
    }

    public bool TryReadToken(out string token)
    {
        SkipWhitespace();
        var start = _position;
        while (!AtEnd && IsTokenChar(_text[_position]))
        {
            _position++;
        }

        token = _text[start.._position].ToString();
        return token.Length > 0;
    }

    /// <summary>
    /// A quoted-string (unescaped), or an unquoted value up to the next ';'. The unquoted form is more permissive
    /// than RFC 9110's token: <c>type=application/dicom</c> is common and unambiguous.
    /// </summary>
    public bool TryReadValue(out string value)
    {
        SkipWhitespace();
        if (!AtEnd && _text[_position] == '"')
        {
            return TryReadQuoted(out value);
        }

        var start = _position;
        while (!AtEnd && _text[_position] is not ';' and not '"' and not ',')
        {
            _position++;
        }

        value = _text[start.._position].TrimEnd(" \t").ToString();
        return value.Length > 0 && !value.Contains(' ', StringComparison.Ordinal);
    }

    private bool TryReadQuoted(out string value)
    {
        var text = new StringBuilder();
        _position++; // opening quote
        while (!AtEnd)
        {
            var c = _text[_position++];
            if (c == '"')
            {
                value = text.ToString();
                return true;
            }

            if (c == '\\' && !AtEnd)
            {
                c = _text[_position++]; // RFC 9110 5.6.4 quoted-pair
            }

            text.Append(c);
        }

        value = string.Empty;
        return false; // unterminated quoted-string
    }
}
