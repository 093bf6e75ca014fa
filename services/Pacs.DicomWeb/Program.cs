using Pacs.DicomWeb.Hosting;

// The DICOMweb service host (PS3.18). Endpoint groups (STOW-RS, QIDO-RS, WADO-RS) are added as their features land.
var builder = WebApplication.CreateBuilder(args);

// STOW-RS bodies are whole studies; they stream through (nothing is buffered), so Kestrel's 30 MB default cap
// would only refuse legitimate uploads.
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = null);
builder.Services.AddDicomWeb(builder.Configuration);

var app = builder.Build();
app.UseDicomWeb();
app.Run();
