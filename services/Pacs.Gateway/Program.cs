using Pacs.Gateway;
using Pacs.Gateway.Hosting;
using Pacs.ServiceDefaults;

// The gateway on its own, at the hospital edge: DIMSE in (Pacs:Gateway:Port, 11112 by default), the durable spool,
// STOW-RS out to a remote archive and query/retrieve through its QIDO-RS and WADO-RS (Pacs:Gateway:ArchiveUrl, HTTPS in
// production); HTTP only for /health/live and /health/ready. Configuration: appsettings.json, environment
// (Pacs__Gateway__Port=104) or the command line (--Pacs:Gateway:Port=104); see docs/dimse-conformance.md.
// `Pacs.Gateway probe [URL]` checks a running one's readiness (the container HEALTHCHECK).
if (HealthProbe.IsRequested(args))
{
    return await HealthProbe.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("pacs-gateway");
builder.Services.AddPacsGatewayHttpArchive();
builder.Services.AddPacsGateway(builder.Configuration);
var app = builder.Build();
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

app.UseServiceDefaults();
app.MapServiceDefaults();
await app.StartAsync();
var listener = app.Services.GetRequiredService<GatewayHost>();

// One line a supervisor (or a test) can wait for: the actual port when 0 was configured.
Console.Out.WriteLine($"Pacs gateway listening as AE {options.AeTitle} on {listener.LocalEndPoint}, spool {Path.GetFullPath(options.SpoolFolder)}, archive {options.ArchiveUrl}");
await Console.Out.FlushAsync();
await app.WaitForShutdownAsync();
return 0;
