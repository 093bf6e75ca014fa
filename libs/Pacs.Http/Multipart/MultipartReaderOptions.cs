namespace Pacs.Http.Multipart;

/// <summary>Limits of <see cref="MultipartRelatedReader"/>; each bounds memory or time spent on a malformed body.</summary>
public sealed record MultipartReaderOptions
{
    public static MultipartReaderOptions Default { get; } = new();

    /// <summary>Most bytes of one part's header block (all header lines and the blank line). Default 16 KiB.</summary>
    public int MaxHeaderBytes { get; init; } = 16 * 1024;

    /// <summary>Most bytes skipped before the first delimiter (RFC 2046 5.1.1 preamble). Default 64 KiB.</summary>
    public int MaxPreambleBytes { get; init; } = 64 * 1024;

    /// <summary>Buffer size in bytes when reading from a <see cref="Stream"/> (not used over a PipeReader). Default 64 KiB.</summary>
    public int StreamBufferBytes { get; init; } = 64 * 1024;
}
