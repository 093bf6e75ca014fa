using Pacs.Gateway;
using Pacs.Gateway.Hosting;
using Pacs.ServiceDefaults;

// The gateway on its own, at the hospital edge: DIMSE in, the durable spool, and STOW-RS out to a remote archive
// (Pacs:Gateway:ArchiveUrl, HTTPS in production). Configuration: appsettings.json, environment (Pacs__Gateway__Port)
// or the command line (--Pacs:Gateway:Port=104); see docs/dimse-conformance.md. HTTP serves only /health/live and
// /health/ready (docs/deployment.md); `probe` checks a running instance's readiness (the image's HEALTHCHECK).
if (HealthProbe.IsRequested(args))
    return await HealthProbe.RunAsync(args);

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("pacs-gateway");
// With no HTTP address configured (the images set ASPNETCORE_HTTP_PORTS), a free loopback port rather than Kestrel's
// fixed default, so several gateways on one machine never collide over their health endpoints.
if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["http_ports"])
    && string.IsNullOrEmpty(builder.Configuration["https_ports"]))
{
    builder.WebHost.UseUrls("http://127.0.0.1:0");
}
// STOW-RS for what is forwarded; C-FIND, C-MOVE and C-GET answered from the remote archive over QIDO-RS and WADO-RS.
builder.Services.AddPacsGatewayHttpArchive();
builder.Services.AddPacsGateway(builder.Configuration);
// Ready while the DIMSE listener runs. Not the archive: C-STORE goes on into the spool while it is away.
builder.Services.AddHealthChecks().AddDependencyCheck("dimse-listener", (services, _) =>
    services.GetRequiredService<GatewayHost>().Server is null
        ? throw new InvalidOperationException("The DIMSE listener is not running.")
        : Task.CompletedTask);
await using var app = builder.Build();
app.UseServiceDefaults();
app.MapServiceDefaults();
var options = app.Services.GetRequiredService<GatewayOptions>();
var errors = options.Validate();
if (errors.Count > 0 || string.IsNullOrWhiteSpace(options.ArchiveUrl))
{
    foreach (var error in errors)
    {
        Console.Error.WriteLine(error);
    }

    if (string.IsNullOrWhiteSpace(options.ArchiveUrl))
    {
        Console.Error.WriteLine($"{GatewayOptions.ConfigurationSection}:ArchiveUrl is not set: the archive's DICOMweb base URL, e.g. https://pacs.example.org/dicom-web");
    }

    return 2;
}

await app.StartAsync();
var listener = app.Services.GetRequiredService<GatewayHost>();

// One line a supervisor (or a test) can wait for: the actual port when 0 was configured.
Console.Out.WriteLine($"Pacs gateway listening as AE {options.AeTitle} on {listener.LocalEndPoint}, spool {Path.GetFullPath(options.SpoolFolder)}, archive {options.ArchiveUrl}");
await Console.Out.FlushAsync();
await app.WaitForShutdownAsync();
return 0;
