using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Pacs.ServiceDefaults;

/// <summary>
/// Liveness and readiness. <c>/health/live</c> answers 200 while the process can serve HTTP at all and checks no
/// dependency: a database outage must not make Kubernetes restart every replica. <c>/health/ready</c> runs every
/// check tagged <see cref="ReadyTag"/> — the service's dependencies (database, blob store, broker) and whether it is
/// shutting down — each bounded by <c>Service:Health:CheckTimeoutSeconds</c>, and answers 503 when one fails, so
/// traffic goes elsewhere until it recovers.
/// </summary>
public static class ServiceHealth
{
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";

    /// <summary>Checks with this tag decide readiness. MassTransit tags its bus check "ready" too, so a broker is checked where one is used.</summary>
    public const string ReadyTag = "ready";

    /// <summary>Checks with this tag decide liveness (none by default: a process that answers is alive).</summary>
    public const string LiveTag = "live";

    /// <summary>
    /// A readiness check of a dependency: <paramref name="check"/> throws (or times out) when the dependency cannot
    /// be used. Named as it appears in the readiness answer, e.g. "database", "blob-store".
    /// </summary>
    public static IHealthChecksBuilder AddDependencyCheck(this IHealthChecksBuilder builder, string name, Func<IServiceProvider, CancellationToken, Task> check)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(check);
        builder.Add(new HealthCheckRegistration(name, sp => new DependencyHealthCheck(sp, check), HealthStatus.Unhealthy, [ReadyTag]));
        return builder;
    }

    internal static void Add(IServiceCollection services, HealthOptions options)
    {
        services.AddSingleton<ServiceReadiness>();
        services.AddHealthChecks().Add(new HealthCheckRegistration("shutdown", sp => sp.GetRequiredService<ServiceReadiness>(), HealthStatus.Unhealthy, [ReadyTag]));
        // Every check gets the timeout, also those other libraries register (MassTransit's bus check has none).
        services.PostConfigure<HealthCheckServiceOptions>(o =>
        {
            foreach (var registration in o.Registrations)
            {
                if (registration.Timeout <= TimeSpan.Zero || registration.Timeout == Timeout.InfiniteTimeSpan)
                    registration.Timeout = TimeSpan.FromSeconds(options.CheckTimeoutSeconds);
            }
        });
    }

    internal static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks(LivePath, new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(LiveTag),
            ResponseWriter = WriteAsync,
        }).AllowAnonymous();
        endpoints.MapHealthChecks(ReadyPath, new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(ReadyTag),
            ResponseWriter = WriteAsync,
        }).AllowAnonymous();
    }

    /// <summary>
    /// A small JSON report: overall status and, per check, its status, duration and what failed. Exception messages
    /// name the failure (host unreachable, authentication refused); the endpoint is meant for the cluster network.
    /// </summary>
    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            durationMs = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                durationMs = Math.Round(e.Value.Duration.TotalMilliseconds, 1),
                description = e.Value.Description ?? e.Value.Exception?.Message,
            }),
        };
        return JsonSerializer.SerializeAsync(context.Response.Body, body, cancellationToken: context.RequestAborted);
    }

    private sealed class DependencyHealthCheck(IServiceProvider services, Func<IServiceProvider, CancellationToken, Task> check) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await check(services, cancellationToken).ConfigureAwait(false);
                return HealthCheckResult.Healthy();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The health check service cancels at the registration's timeout; say so rather than "canceled".
                return new HealthCheckResult(context.Registration.FailureStatus,
                    $"No answer within {context.Registration.Timeout.TotalSeconds:0.#} s.");
            }
#pragma warning disable CA1031 // Any failure of a dependency is an unhealthy answer, never a failed probe request.
            catch (Exception e)
#pragma warning restore CA1031
            {
                return new HealthCheckResult(context.Registration.FailureStatus, $"{e.GetType().Name}: {e.Message}", e);
            }
        }
    }
}

/// <summary>Readiness as far as the process itself decides it: unready once a stop has begun.</summary>
public sealed class ServiceReadiness : IHealthCheck
{
    private volatile bool _stopping;

    public bool IsStopping => _stopping;

    public void MarkStopping() => _stopping = true;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_stopping ? HealthCheckResult.Unhealthy("The service is shutting down.") : HealthCheckResult.Healthy());
}
