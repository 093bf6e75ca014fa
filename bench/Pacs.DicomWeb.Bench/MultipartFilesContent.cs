using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Pacs.DicomWeb.Bench;

/// <summary>
/// A STOW-RS body (PS3.18 10.5: multipart/related; type="application/dicom") streamed from files: each part is copied
/// from disk as the request is sent, so a 2 GB request costs the client one buffer. The length is known up front, so the
/// request carries Content-Length (every server accepts that; not every server accepts chunked uploads).
/// </summary>
internal sealed class MultipartFilesContent : HttpContent
{
    private const int CopyBufferBytes = 256 * 1024;

    private readonly IReadOnlyList<BenchFile> _files;
    private readonly byte[] _partHeader;
    private readonly byte[] _closing;

    public MultipartFilesContent(IReadOnlyList<BenchFile> files, string boundary)
    {
        _files = files;
        _partHeader = Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n");
        _closing = Encoding.ASCII.GetBytes($"--{boundary}--\r\n");
        var type = new MediaTypeHeaderValue("multipart/related");
        type.Parameters.Add(new NameValueHeaderValue("type", "\"application/dicom\""));
        type.Parameters.Add(new NameValueHeaderValue("boundary", boundary));
        Headers.ContentType = type;
    }

    public long Bytes => _files.Sum(f => f.Length);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(CopyBufferBytes);
        try
        {
            foreach (var file in _files)
            {
                await stream.WriteAsync(_partHeader, cancellationToken).ConfigureAwait(false);
                var source = new FileStream(file.Path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
                await using (source.ConfigureAwait(false))
                {
                    long left = file.Length;
                    while (left > 0)
                    {
                        int n = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancellationToken).ConfigureAwait(false);
                        if (n == 0)
                            throw new IOException($"{file.Path} became shorter while it was being sent.");
                        await stream.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                        left -= n;
                    }
                }
                await stream.WriteAsync("\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
            }
            await stream.WriteAsync(_closing, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = _closing.Length + _files.Sum(f => _partHeader.Length + f.Length + 2);
        return true;
    }
}

internal readonly record struct BenchFile(string Path, long Length);
