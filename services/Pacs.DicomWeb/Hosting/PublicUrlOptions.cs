namespace Pacs.DicomWeb.Hosting;

/// <summary>
/// How the service names itself in the URLs it hands out (BulkDataURI, RetrieveURL, Content-Location): the
/// service root PS3.18 8.2 calls {+SERVICE}. Bound from configuration section "DicomWeb".
/// </summary>
public sealed class PublicUrlOptions
{
    /// <summary>
    /// The service root as clients reach it, e.g. https://pacs.example.org/dicom-web. When set it is used as is,
    /// whatever the request says. Default null: derived from each request.
    /// </summary>
    public Uri? PublicBaseUrl { get; set; }

    /// <summary>
    /// Believe X-Forwarded-Proto, X-Forwarded-Host and X-Forwarded-Prefix. Only turn on behind a reverse proxy that
    /// sets (and overwrites) them; otherwise any client could make the server write URLs to a host of its choosing.
    /// Default false.
    /// </summary>
    public bool TrustForwardedHeaders { get; set; }

    /// <summary>Path of the service below the host and path base when derived from the request. Default "/dicom-web".</summary>
    public string ServicePath { get; set; } = "/dicom-web";
}
