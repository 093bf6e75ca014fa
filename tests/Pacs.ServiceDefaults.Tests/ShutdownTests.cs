using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Pacs.ServiceDefaults.Tests;

public sealed class ShutdownTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_stop_turns_readiness_to_503_keeps_serving_through_the_drain_delay_then_finishes_requests_in_flight()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var settings = new Dictionary<string, string?> { ["Service:DrainDelaySeconds"] = "2", ["Service:ShutdownTimeoutSeconds"] = "20" };
        var service = await TestService.StartAsync(settings, map: app => app.MapGet("/slow", async () =>
        {
            entered.TrySetResult();
            await release.Task;
            return "finished";
        }));
        try
        {
            // A second client, so the request in flight and the probes use different connections.
            using var probes = new HttpClient { BaseAddress = service.Address, Timeout = Deadline };
            var inFlight = service.Client.GetStringAsync("slow");
            await entered.Task.WaitAsync(Deadline);

            var stopping = service.App.StopAsync();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, await PollStatusAsync(probes, "health/ready", HttpStatusCode.ServiceUnavailable));
            // During the drain delay new requests are still served (liveness is such a request).
            Assert.Equal(HttpStatusCode.OK, (await probes.GetAsync("health/live")).StatusCode);

            release.SetResult();
            Assert.Equal("finished", await inFlight.WaitAsync(Deadline));
            await stopping.WaitAsync(Deadline);

            // Stopped: the port no longer accepts connections.
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await Assert.ThrowsAnyAsync<SocketException>(() => socket.ConnectAsync(IPAddress.Loopback, service.Address.Port));
        }
        finally
        {
            release.TrySetResult();
            await service.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_shutdown_timeout_is_the_hosts()
    {
        var settings = new Dictionary<string, string?> { ["Service:ShutdownTimeoutSeconds"] = "45" };
        await using var service = await TestService.StartAsync(settings);
        Assert.Equal(TimeSpan.FromSeconds(45), service.App.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
    }

    private static async Task<HttpStatusCode> PollStatusAsync(HttpClient client, string path, HttpStatusCode wanted)
    {
        var until = DateTime.UtcNow + Deadline;
        HttpStatusCode last;
        do
        {
            using var response = await client.GetAsync(path);
            last = response.StatusCode;
            if (last == wanted)
                return last;
            await Task.Yield();
        }
        while (DateTime.UtcNow < until);
        return last;
    }
}
