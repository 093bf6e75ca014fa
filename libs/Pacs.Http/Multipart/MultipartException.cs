namespace Pacs.Http.Multipart;

/// <summary>
/// A multipart/related body that breaks RFC 2046 5.1 in a way the reader cannot work around: no boundary
/// parameter, no delimiter, a body that ends before its closing delimiter, a header block that is too large or
/// malformed. The message says which part and what was found.
/// </summary>
public sealed class MultipartException : Exception
{
    public MultipartException(string message)
        : base(message)
    {
    }

    public MultipartException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
