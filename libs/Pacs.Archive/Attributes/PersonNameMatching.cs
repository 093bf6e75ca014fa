using System.Globalization;
using System.Text;

namespace Pacs.Archive;

/// <summary>
/// The normalised form of a person name kept beside it for fuzzy matching (PS3.18 8.3.4.1 fuzzymatching=true; PS3.4
/// C.2.2.2.1 allows PN matching that ignores case and accents): upper case, accents removed, every component of
/// every group a separate word, words separated and surrounded by single spaces, e.g. <c>" MULLER HANS DR "</c>.
/// A fuzzy query word then matches when some name component starts with it: <c>LIKE '% HAN%'</c>.
/// </summary>
public static class PersonNameMatching
{
    /// <summary>The normalised name, or null for an empty name.</summary>
    public static string? Normalize(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
            return null;
        var words = Words(name);
        return words.Count == 0 ? null : " " + string.Join(' ', words) + " ";
    }

    /// <summary>The normalised words of a name or of a fuzzy query value (separators: ^ = \ space , and the like).</summary>
    public static IReadOnlyList<string> Words(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string decomposed = text.Normalize(NormalizationForm.FormD);
        var builder = new StringBuilder(decomposed.Length);
        foreach (char c in decomposed)
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category == UnicodeCategory.NonSpacingMark)
                continue;
            builder.Append(char.IsLetterOrDigit(c) || c is '*' or '?' or '\'' or '-' ? char.ToUpperInvariant(c) : ' ');
        }
        return builder.ToString().Normalize(NormalizationForm.FormC)
            .Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
