using Pacs.Gateway;
using Pacs.Gateway.Hosting;

// The gateway on its own, at the hospital edge: DIMSE in, the durable spool, and STOW-RS out to a remote archive
// (Pacs:Gateway:ArchiveUrl, HTTPS in production). Configuration: appsettings.json, environment (Pacs__Gateway__Port)
// or the command line (--Pacs:Gateway:Port=104); see docs/dimse-conformance.md.
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddPacsGatewayHttpArchive();
builder.Services.AddPacsGateway(builder.Configuration);
using var host = builder.Build();
var options = host.Services.GetRequiredService<GatewayOptions>();
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

await host.StartAsync();
var listener = host.Services.GetRequiredService<GatewayHost>();

// One line a supervisor (or a test) can wait for: the actual port when 0 was configured.
Console.Out.WriteLine($"Pacs gateway listening as AE {options.AeTitle} on {listener.LocalEndPoint}, spool {Path.GetFullPath(options.SpoolFolder)}, archive {options.ArchiveUrl}");
await Console.Out.FlushAsync();
await host.WaitForShutdownAsync();
return 0;
