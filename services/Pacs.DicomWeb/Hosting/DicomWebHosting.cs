using Pacs.DicomWeb.Problems;

namespace Pacs.DicomWeb.Hosting;

/// <summary>Wires the DICOMweb building blocks into a host; the endpoints themselves are mapped by their feature files.</summary>
public static class DicomWebHosting
{
    public const string ConfigurationSection = "DicomWeb";

    /// <summary>Binds <see cref="PublicUrlOptions"/> ("DicomWeb") and <see cref="DicomWebCorsOptions"/> ("DicomWeb:Cors").</summary>
    public static IServiceCollection AddDicomWeb(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(ConfigurationSection);
        var urls = new PublicUrlOptions();
        section.Bind(urls);
        var cors = new DicomWebCorsOptions();
        section.GetSection("Cors").Bind(cors);
        services.AddSingleton(urls);
        services.AddSingleton(_ => new Retrieve.MetadataCache(section.GetValue("MetadataCacheBytes", 64L * 1024 * 1024)));
        services.AddDicomWebCors(cors);
        return services;
    }

    /// <summary>CORS outermost, so that problem responses carry the CORS headers a browser needs to show them; then problems.</summary>
    public static IApplicationBuilder UseDicomWeb(this IApplicationBuilder app)
    {
        app.UseDicomWebCors();
        app.UseMiddleware<DicomWebProblemMiddleware>();
        return app;
    }
}
