using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace Pacs.ServiceDefaults;

/// <summary>
/// The memory pool of the HTTP server's connections: pinned blocks of <see cref="BlockSize"/> bytes, where the server's
/// own pool hands out 4 KiB. A connection receives into one block at a time, so the block size is the most one receive
/// call takes from the socket: with 4 KiB blocks a 513 KB STOW-RS part took about 180 receive calls (each also a
/// wake-up of the request's reader), with 64 KiB blocks it takes a tenth of that (docs/benchmarks.md). Sends of large
/// responses (WADO-RS) go out in the same larger pieces.
/// <para>
/// Memory stays bounded: a connection buffers at most the server's request buffer limit (1 MiB by default) whatever the
/// block size, an idle connection holds no block (the server waits for data before it takes one), and the pool keeps at
/// most <see cref="MaxRetainedBlocks"/> returned blocks, letting the garbage collector have the rest.
/// </para>
/// </summary>
public sealed class LargeBlockMemoryPool : MemoryPool<byte>
{
    /// <summary>Bytes per block.</summary>
    public const int BlockSize = 64 * 1024;

    /// <summary>Returned blocks kept for reuse (4 MiB).</summary>
    public const int MaxRetainedBlocks = 64;

    private readonly ConcurrentQueue<Block> _free = new();
    private int _freeCount;
    private volatile bool _disposed;

    /// <summary>Blocks kept for reuse now (for tests).</summary>
    public int RetainedBlocks => Volatile.Read(ref _freeCount);

    public override int MaxBufferSize => BlockSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
        if (_free.TryDequeue(out var block))
        {
            Interlocked.Decrement(ref _freeCount);
            block.Lease();
            return block;
        }
        return new Block(this);
    }

    private void Return(Block block)
    {
        if (_disposed)
            return;
        if (Interlocked.Increment(ref _freeCount) > MaxRetainedBlocks)
        {
            Interlocked.Decrement(ref _freeCount);
            return;
        }
        _free.Enqueue(block);
    }

    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        _free.Clear();
        Volatile.Write(ref _freeCount, 0);
    }

    private sealed class Block : IMemoryOwner<byte>
    {
        private readonly LargeBlockMemoryPool _pool;
        private readonly Memory<byte> _memory;
        private int _leased;

        public Block(LargeBlockMemoryPool pool)
        {
            _pool = pool;
            // Pinned: the socket layer reads into it without pinning each time, and the GC never moves it.
            _memory = GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true);
            _leased = 1;
        }

        public Memory<byte> Memory
        {
            get
            {
                ObjectDisposedException.ThrowIf(Volatile.Read(ref _leased) == 0, this);
                return _memory;
            }
        }

        public void Lease() => Volatile.Write(ref _leased, 1);

        public void Dispose()
        {
            // Returned once, however often it is disposed.
            if (Interlocked.Exchange(ref _leased, 0) == 1)
                _pool.Return(this);
        }
    }

    /// <summary>Makes the pools the server asks for (one per socket queue, one for the server itself).</summary>
    public sealed class Factory : IMemoryPoolFactory<byte>
    {
        public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new LargeBlockMemoryPool();
    }
}
