using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Pacs.ServiceDefaults;

/// <summary>
/// The three calls every Pacs service host makes:
/// <code>
/// var builder = WebApplication.CreateBuilder(args);   // appsettings.json, environment, command line
/// builder.AddServiceDefaults("pacs-dicomweb");         // logs, telemetry, health, shutdown, auth
/// ... the service's own registrations, dependency checks with AddDependencyCheck ...
/// var app = builder.Build();
/// app.UseServiceDefaults();                            // authentication and authorization, when on
/// app.MapServiceDefaults();                            // /health/live and /health/ready
/// </code>
/// Configuration keys and their environment variable names are listed in docs/deployment.md.
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>
    /// Binds <see cref="ServiceOptions"/> (section <c>Service</c>), validates it, and registers structured console
    /// logs, OpenTelemetry export (when an OTLP endpoint is configured), health checks, graceful shutdown and, when
    /// enabled, JWT bearer authentication. A <see cref="TelemetryHooks"/> registered before this call gets its
    /// processors and readers added to the telemetry providers.
    /// </summary>
    public static ServiceOptions AddServiceDefaults(this WebApplicationBuilder builder, string serviceName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);
        var options = new ServiceOptions();
        builder.Configuration.GetSection(ServiceOptions.ConfigurationSection).Bind(options);
        options.Name ??= builder.Configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } standard ? standard : serviceName;
        options.Validate();
        builder.Services.AddSingleton(options);

        ServiceLogging.Configure(builder.Logging, options.Logging.Format, builder.Configuration);
        var hooks = builder.Services.LastOrDefault(d => d.ServiceType == typeof(TelemetryHooks))?.ImplementationInstance as TelemetryHooks;
        ServiceTelemetry.Add(builder.Services, builder.Logging, options.Name, options.Telemetry, builder.Configuration, hooks);
        ServiceHealth.Add(builder.Services, options.Health);
        ServiceAuth.Add(builder.Services, options.Auth);

        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(options.ShutdownTimeoutSeconds));
        builder.Services.AddHostedService<GracefulShutdown>();
        // Larger receive and send blocks for the HTTP server's connections (see LargeBlockMemoryPool).
        builder.Services.AddSingleton<IMemoryPoolFactory<byte>, LargeBlockMemoryPool.Factory>();
        return options;
    }

    /// <summary>
    /// Adds the request tagging middleware and, when auth is on, authentication and authorization. Call after
    /// middleware that must answer before authorization (CORS, so that a 401 still carries CORS headers).
    /// </summary>
    public static WebApplication UseServiceDefaults(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.Services.GetRequiredService<ServiceOptions>();
        if (options.Auth.Enabled)
        {
            app.UseAuthentication();
            app.UseAuthorization();
        }
        return app;
    }

    /// <summary>Maps <c>/health/live</c> and <c>/health/ready</c> (anonymous).</summary>
    public static WebApplication MapServiceDefaults(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        ServiceHealth.Map(app);
        return app;
    }
}
