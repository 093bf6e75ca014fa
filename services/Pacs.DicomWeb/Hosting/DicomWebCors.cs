using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Net.Http.Headers;

namespace Pacs.DicomWeb.Hosting;

/// <summary>
/// CORS for the DICOMweb API on top of ASP.NET Core's CORS middleware: GET, POST and DELETE with the request
/// headers viewers send (Accept, Authorization, Content-Type), the response headers they read (ETag,
/// Content-Location, Content-Range …) exposed, and <c>Vary: Origin</c> on every response so a shared cache never
/// hands one origin's answer to another.
/// </summary>
public static class DicomWebCors
{
    public const string PolicyName = "DicomWeb";

    /// <summary>Methods of the DICOMweb services a browser may call (PS3.18 10: GET for WADO/QIDO, POST for STOW, DELETE).</summary>
    public static IReadOnlyList<string> AllowedMethods { get; } = ["GET", "POST", "DELETE"];

    /// <summary>Request headers allowed in every configuration.</summary>
    public static IReadOnlyList<string> AllowedHeaders { get; } = [HeaderNames.Accept, HeaderNames.Authorization, HeaderNames.ContentType];

    /// <summary>
    /// Response headers scripts may read: validators for metadata caching (ETag), the part and range headers of
    /// retrieves, the Location of created resources and the Warning QIDO-RS uses when it trims a result (PS3.18 8.3.4.4).
    /// </summary>
    public static IReadOnlyList<string> ExposedHeaders { get; } =
    [
        HeaderNames.ETag, HeaderNames.ContentLocation, HeaderNames.ContentRange, HeaderNames.ContentLength,
        HeaderNames.AcceptRanges, HeaderNames.Location, HeaderNames.Warning,
    ];

    /// <summary>The policy the options describe; throws for contradictory settings.</summary>
    public static CorsPolicy BuildPolicy(DicomWebCorsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.AllowsAnyOrigin && options.AllowCredentials)
        {
            throw new InvalidOperationException(
                "DicomWeb:Cors allows every origin (\"*\") and credentials; that would let any web page act with a user's credentials. List the origins instead.");
        }

        var origins = new HashSet<string>(options.AllowedOrigins.Select(NormalizeOrigin), StringComparer.OrdinalIgnoreCase);
        var builder = new CorsPolicyBuilder()

            // A predicate rather than WithOrigins: ASP.NET Core then always adds Vary: Origin to allowed answers.
            .SetIsOriginAllowed(origin => options.AllowsAnyOrigin || origins.Contains(NormalizeOrigin(origin)))
            .WithMethods([.. AllowedMethods])
            .WithHeaders([.. AllowedHeaders, .. options.ExtraAllowedHeaders])
            .WithExposedHeaders([.. ExposedHeaders])
            .SetPreflightMaxAge(TimeSpan.FromSeconds(options.PreflightMaxAgeSeconds));
        if (options.AllowCredentials)
        {
            builder.AllowCredentials();
        }

        return builder.Build();
    }

    /// <summary>Registers the policy; pair with <see cref="UseDicomWebCors"/>.</summary>
    public static IServiceCollection AddDicomWebCors(this IServiceCollection services, DicomWebCorsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(options);
        if (options.Enabled)
        {
            var policy = BuildPolicy(options);
            services.AddCors(cors => cors.AddPolicy(PolicyName, policy));
        }

        return services;
    }

    /// <summary>
    /// Adds the CORS middleware when origins are configured. Responses the CORS middleware leaves alone (no Origin,
    /// an origin not allowed) still get <c>Vary: Origin</c>: they too depend on the Origin header.
    /// </summary>
    public static IApplicationBuilder UseDicomWebCors(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.ApplicationServices.GetRequiredService<DicomWebCorsOptions>();
        if (!options.Enabled)
        {
            return app;
        }

        var policy = BuildPolicy(options);
        app.Use((context, next) =>
        {
            var origin = context.Request.Headers.Origin.ToString();
            if (origin.Length == 0 || !policy.IsOriginAllowed(origin))
            {
                context.Response.Headers.Append(HeaderNames.Vary, HeaderNames.Origin);
            }

            return next(context);
        });
        return app.UseCors(PolicyName);
    }

    /// <summary>Origins compare by scheme, host and port; a trailing slash in configuration is forgiven.</summary>
    private static string NormalizeOrigin(string origin) => origin.Trim().TrimEnd('/');
}
