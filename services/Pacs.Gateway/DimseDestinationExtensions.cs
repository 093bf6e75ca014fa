using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using Pacs.Dimse;

namespace Pacs.Gateway;

/// <summary>Opening associations to a configured <see cref="DimseDestination"/> (routing, storage commitment reports, C-MOVE).</summary>
public static class DimseDestinationExtensions
{
    /// <summary>
    /// Connects to the destination as <see cref="DimseDestination.CallingAeTitle"/> (or <paramref name="gatewayAeTitle"/>),
    /// over TLS when configured (PS3.15 B.1; a pinned certificate fingerprint is accepted even when the platform does
    /// not trust it) and over plain TCP otherwise, whatever <paramref name="options"/> says about TLS. The TLS settings of
    /// <paramref name="options"/> (client certificate, protocols, a validation of its own) are kept for a TLS destination.
    /// A refused server certificate is an <see cref="AuthenticationException"/> that says why (untrusted, and which
    /// fingerprint was seen against which one pinned).
    /// </summary>
    public static async Task<DimseAssociation> ConnectAsync(this DimseDestination destination, string gatewayAeTitle,
        IEnumerable<DimsePresentationContextRequest> presentationContexts, DimseClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        options ??= DimseClientOptions.Default;
        var verdict = new CertificateVerdict();
        options = options with { Tls = destination.UseTls ? TlsOptions(destination, options.Tls, verdict) : null };
        var calling = string.IsNullOrWhiteSpace(destination.CallingAeTitle) ? gatewayAeTitle : destination.CallingAeTitle.Trim();
        try
        {
            return await DimseClient.ConnectAsync(destination.Host, destination.Port, calling, destination.AeTitle.Trim(), presentationContexts, options, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (AuthenticationException e) when (verdict.Refusal is { } refusal)
        {
            throw new AuthenticationException($"{refusal} ({destination})", e);
        }
    }

    /// <summary>
    /// The TLS client settings for a destination: <paramref name="configured"/> (or the defaults) aimed at the
    /// destination's name, validating the server certificate by the platform's trust, by the configured callback, or by
    /// the pinned SHA-256 fingerprint (<see cref="DimseDestination.TlsCertificateSha256"/>), whichever accepts it.
    /// </summary>
    internal static DimseTlsClientOptions TlsOptions(DimseDestination destination, DimseTlsClientOptions? configured, CertificateVerdict? verdict = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var tls = (configured ?? new DimseTlsClientOptions()) with { TargetHost = destination.TlsServerName ?? destination.Host };
        var pinned = destination.TlsCertificateSha256?.Replace(":", string.Empty, StringComparison.Ordinal).Replace(" ", string.Empty, StringComparison.Ordinal).Trim();
        if (pinned is not { Length: > 0 })
        {
            return tls;
        }

        var custom = tls.ServerCertificateValidation;
        return tls with
        {
            ServerCertificateValidation = (sender, certificate, chain, errors) =>
            {
                if (errors == SslPolicyErrors.None || (custom is not null && custom(sender, certificate, chain, errors)))
                {
                    return true;
                }

                if (certificate is null)
                {
                    verdict?.Refuse("TLS: the peer presented no certificate");
                    return false;
                }

                var seen = Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData()));
                if (string.Equals(seen, pinned, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }

                // The reason first: a C-MOVE failure carries it in an Error Comment of 64 characters (PS3.7 C.4.2.1.4).
                verdict?.Refuse($"TLS: certificate fingerprint is not the pinned one (SHA-256 {seen}, pinned {pinned.ToUpperInvariant()}, {errors})");
                return false;
            },
        };
    }

    /// <summary>Why the last server certificate was refused (set by the validation callback, read after the handshake failed).</summary>
    internal sealed class CertificateVerdict
    {
        public string? Refusal { get; private set; }

        public void Refuse(string reason) => Refusal = reason;
    }
}
