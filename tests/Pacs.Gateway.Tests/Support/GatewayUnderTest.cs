using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pacs.Gateway.Forwarding;
using Pacs.Gateway.Hosting;
using Pacs.Gateway.Spool;
using Pacs.Gateway.Storage;

namespace Pacs.Gateway.Tests.Support;

/// <summary>
/// The gateway on its own, hosted in this process as Program.cs hosts it: DIMSE on a free loopback port, its spool in a
/// test folder, forwarding by STOW-RS to <see cref="ArchiveServer.UrlFor"/> with short retry delays.
/// </summary>
public sealed class GatewayUnderTest : IAsyncDisposable
{
    private readonly IHost _host;

    private GatewayUnderTest(IHost host)
    {
        _host = host;
        Options = host.Services.GetRequiredService<GatewayOptions>();
        Port = host.Services.GetRequiredService<GatewayHost>().LocalEndPoint!.Port;
    }

    public GatewayOptions Options { get; }

    public int Port { get; }

    public string AeTitle => Options.AeTitle;

    public GatewaySpool Spool => _host.Services.GetRequiredService<GatewaySpool>();

    public ArchiveForwarder Forwarder => _host.Services.GetRequiredService<ArchiveForwarder>();

    public RouteForwarder Router => _host.Services.GetRequiredService<RouteForwarder>();

    public StorageCommitmentScp Commitment => _host.Services.GetRequiredService<StorageCommitmentScp>();

    public GatewayHost Listener => _host.Services.GetRequiredService<GatewayHost>();

    public static async Task<GatewayUnderTest> StartAsync(string spoolFolder, int archivePort, Action<GatewayOptions>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, Configuration = new ConfigurationManager() });
        builder.Services.AddLogging();
        builder.Services.AddPacsGatewayHttpArchive();
        builder.Services.AddPacsGateway(builder.Configuration, options =>
        {
            options.Port = 0;
            options.SpoolFolder = spoolFolder;
            options.ArchiveUrl = ArchiveServer.UrlFor(archivePort);
            options.MinimumFreeDiskBytes = 0;
            options.Forwarding.RetryDelay = TimeSpan.FromMilliseconds(100);
            options.Forwarding.MaxRetryDelay = TimeSpan.FromMilliseconds(500);
            options.Forwarding.BreakDuration = TimeSpan.FromMilliseconds(500);
            options.Forwarding.RequestTimeout = TimeSpan.FromSeconds(30);
            options.StorageCommitment.PollInterval = TimeSpan.FromMilliseconds(200);
            configure?.Invoke(options);
        });
        var host = builder.Build();
        await host.StartAsync();
        return new GatewayUnderTest(host);
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _host.StopAsync(stop.Token);
        _host.Dispose();
    }
}

/// <summary>Waiting for something asynchronous: poll a condition until a deadline, then fail saying what was awaited.</summary>
public static class Eventually
{
    public static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not reached within {timeout.TotalSeconds} s: {what}");
            }

            await Task.Delay(50);
        }
    }

    public static Task WaitAsync(Func<bool> condition, TimeSpan timeout, string what) => WaitAsync(() => Task.FromResult(condition()), timeout, what);
}
