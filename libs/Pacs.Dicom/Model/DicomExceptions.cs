namespace Pacs.Dicom;

/// <summary>Base type of every error this library raises about DICOM content.</summary>
public class DicomException : Exception
{
    public DicomException(string message) : base(message)
    {
    }

    public DicomException(string message, Exception? inner) : base(message, inner)
    {
    }
}

/// <summary>
/// What could not be read, where: the absolute byte offset in the source and, when known, the tag
/// of the element being read.
/// </summary>
public class DicomReadException : DicomException
{
    public DicomReadException(DicomReadError error, string reason, long offset, DicomTag? tag = null, Exception? inner = null)
        : base(Format(reason, offset, tag), inner)
    {
        Error = error;
        Reason = reason;
        Offset = offset;
        Tag = tag;
    }

    /// <summary>The kind of defect, for callers that map it to a status (e.g. a STOW-RS failure reason).</summary>
    public DicomReadError Error { get; }

    /// <summary>The reason without the location.</summary>
    public string Reason { get; }

    /// <summary>Absolute offset in the source at which the problem was found.</summary>
    public long Offset { get; }

    /// <summary>The element being read, if the problem lies inside one.</summary>
    public DicomTag? Tag { get; }

    private static string Format(string reason, long offset, DicomTag? tag)
    {
        if (tag is { } t)
        {
            var keyword = DicomDictionary.Lookup(t)?.Keyword;
            var name = string.IsNullOrEmpty(keyword) ? t.ToString() : $"{keyword} {t}";
            return $"{reason} (element {name} at offset {offset})";
        }

        return $"{reason} (at offset {offset})";
    }
}

public enum DicomReadError
{
    /// <summary>The input is not DICOM at all (no DICM prefix and no plausible data set).</summary>
    NotDicom,

    /// <summary>The input ended before a header or value it announced.</summary>
    Truncated,

    /// <summary>A length that cannot be right (larger than what remains, undefined where not allowed, …).</summary>
    InvalidLength,

    /// <summary>Sequence or item structure is broken (missing delimiters, items overrunning their sequence).</summary>
    InvalidStructure,

    /// <summary>The transfer syntax is unknown or cannot be read.</summary>
    UnsupportedTransferSyntax,

    /// <summary>The deflated stream could not be inflated.</summary>
    InvalidDeflateStream,

    /// <summary>Nesting or element count beyond what the reader accepts.</summary>
    LimitExceeded,
}
