using System.Runtime.CompilerServices;

namespace Pacs.Storage;

/// <summary>Conveniences over <see cref="IBlobStore"/>.</summary>
public static class BlobStoreExtensions
{
    /// <summary>
    /// Every blob whose name starts with <paramref name="prefix"/>, fetched page by page as the caller consumes them,
    /// so a listing of millions of blobs holds one page in memory at a time.
    /// </summary>
    public static async IAsyncEnumerable<BlobProperties> ListAsync(this IBlobStore store, string prefix,
        int? pageSize = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        string? token = null;
        do
        {
            var page = await store.ListPageAsync(prefix, token, pageSize, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items)
                yield return item;
            token = page.ContinuationToken;
        }
        while (token is not null);
    }

    /// <summary>Puts a byte array (small objects, tests).</summary>
    public static async Task<BlobPutResult> PutAsync(this IBlobStore store, string name, ReadOnlyMemory<byte> content,
        BlobPutOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        using var stream = new ReadOnlyMemoryStream(content);
        return await store.PutAsync(name, stream, options, cancellationToken).ConfigureAwait(false);
    }

    private sealed class ReadOnlyMemoryStream(ReadOnlyMemory<byte> memory) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => memory.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = Math.Min(buffer.Length, memory.Length - _position);
            memory.Span.Slice(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return ValueTask.FromResult(Read(buffer.Span));
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
