using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Pacs.Dimse;

/// <summary>
/// TLS for an SCU (PS3.15 B.1, the secure transport connection profile): the server's certificate is validated by the
/// system's chain policy unless <see cref="ServerCertificateValidation"/> decides otherwise; a client certificate is
/// presented when given.
/// </summary>
public sealed record DimseTlsClientOptions
{
    /// <summary>The name the server's certificate must carry; defaults to the host connected to.</summary>
    public string? TargetHost { get; init; }

    /// <summary>Client certificate (with private key) for mutual authentication; null for none.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>Custom validation, e.g. pinning a hospital CA; null uses the platform's validation.</summary>
    public RemoteCertificateValidationCallback? ServerCertificateValidation { get; init; }

    /// <summary>Protocol versions; default lets the platform choose (TLS 1.2 and 1.3, as BCP 195 asks).</summary>
    public SslProtocols EnabledProtocols { get; init; } = SslProtocols.None;
}

/// <summary>TLS for an SCP host (PS3.15 B.1).</summary>
public sealed record DimseTlsServerOptions
{
    /// <summary>The server certificate, with its private key.</summary>
    public required X509Certificate2 ServerCertificate { get; init; }

    /// <summary>Ask every client for a certificate and refuse connections without a valid one.</summary>
    public bool RequireClientCertificate { get; init; }

    /// <summary>Custom validation of client certificates; null uses the platform's validation.</summary>
    public RemoteCertificateValidationCallback? ClientCertificateValidation { get; init; }

    public SslProtocols EnabledProtocols { get; init; } = SslProtocols.None;
}
