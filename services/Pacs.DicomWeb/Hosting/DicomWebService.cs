using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pacs.Messaging.Bus;
using Pacs.Messaging.Outbox;
using Pacs.ServiceDefaults;

namespace Pacs.DicomWeb.Hosting;

/// <summary>
/// The DICOMweb API as a service of its own (<c>dotnet Pacs.DicomWeb.dll</c>, the <c>pacs-dicomweb</c> container):
/// service defaults (logs, telemetry, health, shutdown, auth), the archive from configuration and the DICOMweb
/// endpoints. services/Pacs.Server hosts the same endpoints inside the embedded process with
/// <see cref="DicomWebHosting.AddDicomWeb"/>, <see cref="DicomWebHosting.UseDicomWeb"/> and
/// <see cref="DicomWebEndpoints.MapDicomWeb"/>.
/// </summary>
public static class DicomWebService
{
    public const string DefaultName = "pacs-dicomweb";

    /// <summary>Builds the application; <paramref name="configure"/> lets a test add configuration or services before anything is read.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        builder.AddServiceDefaults(DefaultName);
        builder.AddArchiveFromConfiguration();
        builder.Services.AddDicomWeb(builder.Configuration);
        AddOutboxPublishing(builder);
        // STOW-RS bodies are whole studies that stream through part by part; Kestrel's 30 MB cap would refuse them.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = null);

        var app = builder.Build();
        app.UseDicomWeb();
        app.UseServiceDefaults();
        app.MapServiceDefaults();
        app.MapDicomWeb(app.Services.GetRequiredService<PublicUrlOptions>().ServicePath);
        return app;
    }

    /// <summary>
    /// The outbox dispatcher that publishes ingest's events (docs/messaging.md) on the bus (section <c>Bus</c>; RabbitMQ
    /// unless configured otherwise, so events wait in the outbox rather than vanish into a bus nobody listens to). A
    /// broker outage leaves readiness alone: ingest goes on and the events follow when the broker returns.
    /// </summary>
    private static void AddOutboxPublishing(WebApplicationBuilder builder)
    {
        var bus = new BusOptions { Transport = BusTransport.RabbitMq, BrokerDecidesReadiness = false };
        builder.Configuration.GetSection(BusOptions.ConfigurationSection).Bind(bus);
        var dispatcher = new OutboxDispatcherOptions();
        builder.Configuration.GetSection(OutboxDispatcherOptions.ConfigurationSection).Bind(dispatcher);
        builder.Services.AddPacsBus(bus);
        builder.Services.AddOutboxDispatcher(dispatcher);
        // The bus check stays registered (and reported by MassTransit) but out of readiness: ingest never waits on the broker.
        builder.Services.PostConfigure<HealthCheckServiceOptions>(o =>
        {
            foreach (var registration in o.Registrations.Where(r => r.Tags.Contains("masstransit")))
                registration.Tags.Remove(ServiceHealth.ReadyTag);
        });
    }

    /// <summary>Waits for the database and migrates it, then starts listening.</summary>
    public static async Task StartAsync(WebApplication app, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(app);
        await ArchiveHosting.PrepareArchiveAsync(app.Services, cancellationToken).ConfigureAwait(false);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
    }
}
