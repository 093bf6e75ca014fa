using System.Security.Cryptography;
using Pacs.Dimse;

namespace Pacs.Gateway;

/// <summary>Opening associations to a configured <see cref="DimseDestination"/> (routing, storage commitment reports, C-MOVE).</summary>
public static class DimseDestinationExtensions
{
    /// <summary>
    /// Connects to the destination as <see cref="DimseDestination.CallingAeTitle"/> (or <paramref name="gatewayAeTitle"/>),
    /// over TLS when configured (PS3.15 B.1; a pinned certificate fingerprint is accepted even when the platform does
    /// not trust it).
    /// </summary>
    public static Task<DimseAssociation> ConnectAsync(this DimseDestination destination, string gatewayAeTitle,
        IEnumerable<DimsePresentationContextRequest> presentationContexts, DimseClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        options ??= DimseClientOptions.Default;
        if (destination.UseTls)
        {
            var pinned = destination.TlsCertificateSha256?.Replace(":", string.Empty, StringComparison.Ordinal).Trim();
            options = options with
            {
                Tls = new DimseTlsClientOptions
                {
                    TargetHost = destination.TlsServerName ?? destination.Host,
                    ServerCertificateValidation = pinned is { Length: > 0 }
                        ? (_, certificate, _, errors) => errors == System.Net.Security.SslPolicyErrors.None
                            || (certificate is not null && string.Equals(Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData())), pinned, StringComparison.OrdinalIgnoreCase))
                        : null,
                },
            };
        }

        var calling = string.IsNullOrWhiteSpace(destination.CallingAeTitle) ? gatewayAeTitle : destination.CallingAeTitle.Trim();
        return DimseClient.ConnectAsync(destination.Host, destination.Port, calling, destination.AeTitle.Trim(), presentationContexts, options, cancellationToken);
    }
}
