using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Pacs.ServiceDefaults.Tests;

public sealed class HealthTests
{
    [Fact]
    public async Task Readiness_answers_503_naming_the_failing_dependency_while_liveness_stays_200()
    {
        await using var service = await TestService.StartAsync(configure: builder => builder.Services.AddHealthChecks()
            .AddDependencyCheck("database", (_, _) => Task.CompletedTask)
            .AddDependencyCheck("blob-store", (_, _) => throw new HttpRequestException("Connection refused (127.0.0.1:1)")));

        using var ready = await service.Client.GetAsync("health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        using var report = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        var checks = report.RootElement.GetProperty("checks");
        Assert.Equal("Healthy", checks.GetProperty("database").GetProperty("status").GetString());
        Assert.Equal("Unhealthy", checks.GetProperty("blob-store").GetProperty("status").GetString());
        Assert.Contains("Connection refused", checks.GetProperty("blob-store").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal("no-store, no-cache", ready.Headers.CacheControl?.ToString());

        using var live = await service.Client.GetAsync("health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task Readiness_answers_200_when_every_dependency_answers()
    {
        int calls = 0;
        await using var service = await TestService.StartAsync(configure: builder => builder.Services.AddHealthChecks()
            .AddDependencyCheck("database", (_, _) => { Interlocked.Increment(ref calls); return Task.CompletedTask; }));

        using var ready = await service.Client.GetAsync("health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(1, calls);

        // Liveness runs no dependency check: a database outage must not restart the process.
        using var live = await service.Client.GetAsync("health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task A_dependency_that_never_answers_fails_readiness_after_the_configured_timeout()
    {
        var settings = new Dictionary<string, string?> { ["Service:Health:CheckTimeoutSeconds"] = "1" };
        await using var service = await TestService.StartAsync(settings, configure: builder => builder.Services.AddHealthChecks()
            .AddDependencyCheck("broker", (_, cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken)));

        using var ready = await service.Client.GetAsync("health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        using var report = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        Assert.Equal("No answer within 1 s.", report.RootElement.GetProperty("checks").GetProperty("broker").GetProperty("description").GetString());
    }

    [Fact]
    public async Task Probe_exits_0_when_ready_and_1_when_not_or_when_nothing_listens()
    {
        bool healthy = true;
        await using var service = await TestService.StartAsync(configure: builder => builder.Services.AddHealthChecks()
            .AddDependencyCheck("database", (_, _) => healthy ? Task.CompletedTask : throw new InvalidOperationException("down")));
        var ready = new Uri(service.Address, "health/ready").ToString();

        using var output = new StringWriter();
        Assert.Equal(0, await HealthProbe.RunAsync(["probe", ready], output));
        healthy = false;
        Assert.Equal(1, await HealthProbe.RunAsync(["probe", ready], output));
        Assert.Equal(1, await HealthProbe.RunAsync(["probe", $"http://127.0.0.1:{Pacs.Testing.FreePort.Next()}/health/ready"], output));
        Assert.Equal(2, await HealthProbe.RunAsync(["probe", "not a url"], output));
        Assert.Contains("answered 503", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Probe_defaults_to_the_readiness_endpoint_on_the_first_configured_http_port()
    {
        Assert.True(HealthProbe.IsRequested(["probe"]));
        Assert.False(HealthProbe.IsRequested(["--urls", "probe"]));
        Assert.Equal("http://127.0.0.1:8080/health/ready", HealthProbe.DefaultUri(_ => null).ToString());
        Assert.Equal("http://127.0.0.1:9000/health/ready", HealthProbe.DefaultUri(n => n == "ASPNETCORE_HTTP_PORTS" ? "9000;9001" : null).ToString());
    }
}
