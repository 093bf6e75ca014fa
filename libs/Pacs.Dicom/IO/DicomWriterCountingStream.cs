namespace Pacs.Dicom;

/// <summary>
/// A write-only pass-through that counts the bytes a deflate stream produces, so the writer can add the NUL that makes
/// an odd-length deflated data set even (PS3.5 A.5) without seeking. Does not own the inner stream.
/// </summary>
internal sealed class DicomWriterCountingStream : WriteOnlyStream
{
    private readonly Stream _inner;

    public DicomWriterCountingStream(Stream inner) => _inner = inner;

    public long BytesWritten { get; private set; }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _inner.Write(buffer);
        BytesWritten += buffer.Length;
    }

    public override void WriteByte(byte value)
    {
        _inner.WriteByte(value);
        BytesWritten++;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        BytesWritten += buffer.Length;
    }

    public override void Flush() => _inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);
}
