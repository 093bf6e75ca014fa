using Pacs.DicomWeb.Hosting;
using Pacs.ServiceDefaults;

// The DICOMweb API on its own: `dotnet run --project services/Pacs.DicomWeb -- --urls http://127.0.0.1:8081`.
// Configuration: docs/deployment.md. `probe` checks a running instance's readiness (the image's HEALTHCHECK).
if (HealthProbe.IsRequested(args))
    return await HealthProbe.RunAsync(args);

var app = DicomWebService.Build(args);
await DicomWebService.StartAsync(app);
await app.WaitForShutdownAsync();
return 0;
