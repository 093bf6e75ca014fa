using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Pacs.ServiceDefaults;

/// <summary>
/// The first step of a stop (SIGTERM from Kubernetes or Docker): readiness turns 503 at once, then the service keeps
/// serving for <c>Service:DrainDelaySeconds</c> while load balancers take it out of rotation. Only then does the
/// host stop Kestrel, which refuses new connections and lets requests in flight finish within the rest of
/// <c>Service:ShutdownTimeoutSeconds</c>.
/// </summary>
internal sealed partial class GracefulShutdown(ServiceReadiness readiness, ServiceOptions options, IServiceProvider services, ILogger<GracefulShutdown> logger)
    : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        // Resolving the telemetry providers here makes the container own them, so disposing the host flushes them.
        _ = services.GetService(typeof(TelemetryProviders));
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        readiness.MarkStopping();
        if (options.DrainDelaySeconds > 0)
        {
            LogDraining(logger, options.DrainDelaySeconds);
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(options.DrainDelaySeconds), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The shutdown timeout ran out during the delay: go on stopping.
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: readiness reports 503; still serving for {Seconds} s before refusing new connections")]
    private static partial void LogDraining(ILogger logger, int seconds);
}
