using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pacs.Dimse;

namespace Pacs.Gateway.Hosting;

/// <summary>
/// The gateway's DIMSE listener as a hosted service: a <see cref="DimseServer"/> on
/// <see cref="GatewayOptions.BindAddress"/>:<see cref="GatewayOptions.Port"/> with the <see cref="GatewayAssociationPolicy"/>
/// built from the options, serving each association with a <see cref="GatewayDimseService"/>. Stopping lets running
/// associations finish for a grace period, then aborts them (a C-STORE cut off that way was never acknowledged).
/// </summary>
/// <param name="worklist">The worklist source, when one is registered (Modality Worklist is accepted only then).</param>
public sealed class GatewayHost(GatewayOptions options, Func<DimseAssociation, DimseService> serviceFactory, ILogger<GatewayHost> logger,
    Worklist.IWorklistSource? worklist = null) : IHostedService, IAsyncDisposable
{
    private static readonly TimeSpan StopGracePeriod = TimeSpan.FromSeconds(10);
    private DimseServer? _server;

    /// <summary>Where the listener is bound (the actual port when 0 was configured); null before start.</summary>
    public IPEndPoint? LocalEndPoint => _server?.LocalEndPoint;

    /// <summary>The running listener; null before start and after stop.</summary>
    public DimseServer? Server => _server;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Validate() is { Count: > 0 } errors)
        {
            throw new InvalidOperationException($"The gateway configuration ({GatewayOptions.ConfigurationSection}) is invalid:{Environment.NewLine}" + string.Join(Environment.NewLine, errors));
        }

        _server = DimseServer.Start(new DimseServerOptions
        {
            EndPoint = new IPEndPoint(IPAddress.Parse(options.BindAddress), options.Port),
            Policy = new GatewayAssociationPolicy(options, worklist is not null),
            ServiceFactory = serviceFactory,
            MaxAssociations = options.MaxAssociations,
            Timeouts = DimseTimeouts.Default with { Artim = options.AssociationRequestTimeout, Idle = options.IdleTimeout },
            Tls = LoadTls(options.Tls),
            ConnectionFailed = (remote, error) => logger.LogInformation("DIMSE connection from {Remote} ended abnormally: {Reason}", remote, error.Message),
        });
        logger.LogInformation("Pacs gateway listening as AE {AeTitle} on {EndPoint}{Tls}", options.AeTitle, _server.LocalEndPoint, options.Tls?.CertificatePath is { Length: > 0 } ? " (TLS)" : string.Empty);
        if (DescriptorLimitWarning(OpenFileLimit(), options.MaxAssociations) is { } warning)
        {
            logger.LogWarning("{Warning}", warning);
        }

        return Task.CompletedTask;
    }

    /// <summary>Descriptors kept free beside one socket per association: spool and archive files, HTTP connections, the runtime's own.</summary>
    internal const int DescriptorHeadroom = 512;

    /// <summary>
    /// A warning when the process may run out of file descriptors before it reaches <paramref name="maxAssociations"/>
    /// (each association is one socket), else null. Past the limit accept() fails and a C-STORE cannot open its spool
    /// file, so the operator should hear it at start rather than from a modality at the thousandth association.
    /// </summary>
    /// <param name="openFileLimit">The process's limit on open files (soft limit; .NET raises it to the hard limit at start), or null when unknown.</param>
    internal static string? DescriptorLimitWarning(long? openFileLimit, int maxAssociations) =>
        openFileLimit is { } limit && limit < (long)maxAssociations + DescriptorHeadroom
            ? $"The process may open only {limit} files, fewer than MaxAssociations ({maxAssociations}) plus {DescriptorHeadroom} for everything else: " +
              $"raise the hard limit (ulimit -Hn, LimitNOFILE= in a systemd unit, --ulimit nofile= for a container) or lower {GatewayOptions.ConfigurationSection}:MaxAssociations."
            : null;

    /// <summary>The soft limit on open files of this process, from /proc/self/limits (Linux); null elsewhere or when unlimited.</summary>
    internal static long? OpenFileLimit()
    {
        const string file = "/proc/self/limits";
        if (!File.Exists(file))
        {
            return null;
        }

        try
        {
            return ParseOpenFileLimit(File.ReadLines(file));
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The soft limit of the "Max open files" line of a /proc/{pid}/limits listing.</summary>
    internal static long? ParseOpenFileLimit(IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            if (line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return fields.Length > 0 && long.TryParse(fields[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var soft) ? soft : null;
            }
        }

        return null;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is { } server)
        {
            _server = null;
            await server.StopAsync(StopGracePeriod).ConfigureAwait(false);
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    private static DimseTlsServerOptions? LoadTls(GatewayTlsOptions? tls)
    {
        if (tls?.CertificatePath is not { Length: > 0 } path)
        {
            return null;
        }

        X509Certificate2 certificate;
        if (path.EndsWith(".pem", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".crt", StringComparison.OrdinalIgnoreCase))
        {
            certificate = X509Certificate2.CreateFromPemFile(path, tls.PrivateKeyPath);
        }
        else
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, tls.CertificatePassword);
        }

        return new DimseTlsServerOptions { ServerCertificate = certificate, RequireClientCertificate = tls.RequireClientCertificate };
    }
}
