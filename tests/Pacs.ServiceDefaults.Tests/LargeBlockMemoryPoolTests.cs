using System.Buffers;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Pacs.ServiceDefaults.Tests;

public sealed class LargeBlockMemoryPoolTests
{
    [Fact]
    public void Rent_hands_out_a_whole_block_whatever_size_is_asked()
    {
        using var pool = new LargeBlockMemoryPool();
        Assert.Equal(LargeBlockMemoryPool.BlockSize, pool.MaxBufferSize);
        foreach (int size in new[] { -1, 0, 1, 4096, LargeBlockMemoryPool.BlockSize })
        {
            using var block = pool.Rent(size);
            Assert.Equal(LargeBlockMemoryPool.BlockSize, block.Memory.Length);
        }
    }

    [Fact]
    public void Rent_refuses_a_size_over_the_block_size()
    {
        using var pool = new LargeBlockMemoryPool();
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(LargeBlockMemoryPool.BlockSize + 1));
    }

    [Fact]
    public void A_returned_block_is_reused_and_a_second_dispose_does_not_return_it_twice()
    {
        using var pool = new LargeBlockMemoryPool();
        var first = pool.Rent();
        first.Memory.Span[0] = 42;
        var memory = first.Memory;
        first.Dispose();
        first.Dispose();
        Assert.Equal(1, pool.RetainedBlocks);

        using var again = pool.Rent();
        Assert.True(again.Memory.Span.Overlaps(memory.Span), "the returned block was not reused");
        Assert.Equal(0, pool.RetainedBlocks);
        using var other = pool.Rent();
        Assert.False(other.Memory.Span.Overlaps(again.Memory.Span), "one block was handed out twice");
    }

    [Fact]
    public void A_disposed_block_refuses_its_memory()
    {
        using var pool = new LargeBlockMemoryPool();
        var block = pool.Rent();
        block.Dispose();
        Assert.Throws<ObjectDisposedException>(() => block.Memory);
    }

    [Fact]
    public void The_pool_keeps_at_most_its_limit_of_returned_blocks()
    {
        using var pool = new LargeBlockMemoryPool();
        var blocks = Enumerable.Range(0, LargeBlockMemoryPool.MaxRetainedBlocks + 10).Select(_ => pool.Rent()).ToList();
        foreach (var block in blocks)
            block.Dispose();
        Assert.Equal(LargeBlockMemoryPool.MaxRetainedBlocks, pool.RetainedBlocks);
    }

    [Fact]
    public void A_disposed_pool_keeps_nothing_and_rents_nothing()
    {
        var pool = new LargeBlockMemoryPool();
        var block = pool.Rent();
        pool.Dispose();
        block.Dispose();
        Assert.Equal(0, pool.RetainedBlocks);
        Assert.Throws<ObjectDisposedException>(() => pool.Rent());
    }

    [Fact]
    public async Task A_service_receives_request_bodies_in_blocks_larger_than_4_KiB()
    {
        int largest = 0;
        long total = 0;
        await using var service = await TestService.StartAsync(map: app => app.MapPost("/body", async (HttpContext context) =>
        {
            var reader = context.Request.BodyReader;
            while (true)
            {
                var result = await reader.ReadAsync();
                foreach (var segment in result.Buffer)
                    largest = Math.Max(largest, segment.Length);
                total += result.Buffer.Length;
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                    break;
            }
            return Results.Ok();
        }));
        Assert.IsType<LargeBlockMemoryPool.Factory>(service.App.Services.GetRequiredService<IMemoryPoolFactory<byte>>());

        // 4 MiB in one write: the socket has far more than 4 KiB waiting at almost every receive.
        var body = new byte[4 * 1024 * 1024];
        using var response = await service.Client.PostAsync("body", new ByteArrayContent(body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body.Length, total);
        // The server's own pool has 4 KiB blocks, so no segment of a request body would be larger.
        Assert.InRange(largest, 4096 + 1, LargeBlockMemoryPool.BlockSize);
    }
}
