namespace Pacs.DicomWeb.Hosting;

/// <summary>
/// Which browser origins may call the DICOMweb API (web viewers such as OHIF served from another origin).
/// Bound from configuration section "DicomWeb:Cors". With no origins, CORS is off and no CORS headers are sent.
/// </summary>
public sealed class DicomWebCorsOptions
{
    /// <summary>Origins allowed, e.g. "https://viewer.example.org"; "*" allows every origin. Default none.</summary>
    public IList<string> AllowedOrigins { get; } = [];

    /// <summary>Let browsers send cookies or HTTP authentication with cross-origin requests. Not allowed with "*". Default false.</summary>
    public bool AllowCredentials { get; set; }

    /// <summary>Request headers allowed besides Accept, Authorization and Content-Type (e.g. "Range"). Default none.</summary>
    public IList<string> ExtraAllowedHeaders { get; } = [];

    /// <summary>How long a browser may cache a preflight answer, in seconds. Default 600.</summary>
    public int PreflightMaxAgeSeconds { get; set; } = 600;

    public bool Enabled => AllowedOrigins.Count > 0;

    public bool AllowsAnyOrigin => AllowedOrigins.Contains("*");
}
