using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Pacs.Dicom;
using Pacs.Dimse;

namespace Pacs.Gateway;

/// <summary>
/// Who may associate with the gateway and what it accepts, built from <see cref="GatewayOptions"/>:
/// <list type="bullet">
/// <item>called AE title: the gateway's own (and any additional ones), else A-ASSOCIATE-RJ permanent, service-user,
/// reason 7 "called-AE-title-not-recognized" (PS3.8 Table 9-21);</item>
/// <item>calling AE title: when an allow-list is configured, only its entries (each optionally from one host), else
/// reason 3 "calling-AE-title-not-recognized";</item>
/// <item>every storage SOP class of the registry, with every transfer syntax the archive can keep as it arrives (the
/// modality's own choice wins, so nothing is decompressed or recompressed on the way);</item>
/// <item>Verification, Storage Commitment Push Model, and the query/retrieve information models.</item>
/// </list>
/// </summary>
public sealed class GatewayAssociationPolicy : DimseAssociationPolicy
{
    /// <summary>
    /// Every transfer syntax of the registry except the one the DICOM core cannot read as sent: JPIP Referenced Deflate
    /// (1.2.840.10008.1.2.4.95) has a deflated data set that is not flagged as such (PS3.5 A.6), so the archive could
    /// not index it. Everything else is stored byte for byte; uncompressed first so that a requestor proposing several
    /// syntaxes in one context still gets its own first choice (<see cref="TransferSyntaxPreference.Requestor"/>).
    /// </summary>
    public static readonly IReadOnlyList<string> StorableTransferSyntaxes =
        [.. DimseTransferSyntaxes.All.Where(ts => ts != "1.2.840.10008.1.2.4.95")];

    /// <summary>The query/retrieve SOP classes served through <see cref="QueryRetrieve.GatewayQueryRetrieve"/> (PS3.4 C and K).</summary>
    public static readonly IReadOnlyList<string> QueryRetrieveSopClasses =
    [
        DicomUid.PatientRootQueryRetrieveInformationModelFind,
        DicomUid.PatientRootQueryRetrieveInformationModelMove,
        DicomUid.PatientRootQueryRetrieveInformationModelGet,
        DicomUid.StudyRootQueryRetrieveInformationModelFind,
        DicomUid.StudyRootQueryRetrieveInformationModelMove,
        DicomUid.StudyRootQueryRetrieveInformationModelGet,
        DicomUid.ModalityWorklistInformationModelFind,
    ];

    private static readonly TimeSpan HostCacheLifetime = TimeSpan.FromMinutes(1);
    private readonly IReadOnlyList<GatewayCallingAe>? _allowList;
    private readonly ConcurrentDictionary<string, (DateTime Expires, IPAddress[] Addresses)> _resolved = new(StringComparer.OrdinalIgnoreCase);

    /// <param name="options">The gateway's configuration.</param>
    /// <param name="worklistAvailable">
    /// Whether a worklist source is registered: without one the Modality Worklist presentation context is refused
    /// (abstract syntax not supported, PS3.8 9.3.3.2), so a modality learns at association time that there is no worklist.
    /// </param>
    public GatewayAssociationPolicy(GatewayOptions options, bool worklistAvailable = false)
    {
        ArgumentNullException.ThrowIfNull(options);
        CalledAeTitles = options.CalledAeTitles;
        StorageTransferSyntaxes = StorableTransferSyntaxes;
        TransferSyntaxPreference = TransferSyntaxPreference.Requestor;
        MaxAsynchronousOperationsWindow = new AsynchronousOperationsWindow(1, (ushort)Math.Clamp(options.MaxOperationsPerformed, 1, ushort.MaxValue));
        var syntaxes = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
        {
            [DicomUid.Verification] = DimseTransferSyntaxes.Uncompressed,
            [DicomUid.StorageCommitmentPushModel] = DimseTransferSyntaxes.Uncompressed,
        };
        foreach (var sopClass in QueryRetrieveSopClasses)
        {
            if (sopClass != DicomUid.ModalityWorklistInformationModelFind || worklistAvailable)
            {
                syntaxes[sopClass] = DimseTransferSyntaxes.Uncompressed;
            }
        }

        AbstractSyntaxes = syntaxes;
        if (options.CallingAeTitles.Count > 0)
        {
            var list = options.CallingAeTitles.Select(c => new GatewayCallingAe { AeTitle = c.AeTitle.Trim(), Host = c.Host }).ToList();
            if (options.DestinationsMayCall)
            {
                list.AddRange(options.Destinations.Select(d => new GatewayCallingAe { AeTitle = d.AeTitle.Trim(), Host = d.Host }));
            }

            _allowList = list;
        }
    }

    public override async ValueTask<AssociateRejectPdu?> CheckAsync(AssociateRequestPdu request, EndPoint? remoteEndPoint, CancellationToken cancellationToken)
    {
        // Application context and called AE title: the base class (reasons 2 and 7).
        if (await base.CheckAsync(request, remoteEndPoint, cancellationToken).ConfigureAwait(false) is { } reject)
        {
            return reject;
        }

        if (_allowList is null)
        {
            return null;
        }

        var remote = (remoteEndPoint as IPEndPoint)?.Address;
        foreach (var entry in _allowList.Where(e => string.Equals(e.AeTitle, request.CallingAeTitle, StringComparison.Ordinal)))
        {
            if (string.IsNullOrWhiteSpace(entry.Host) || (remote is not null && await HostMatchesAsync(entry.Host.Trim(), remote, cancellationToken).ConfigureAwait(false)))
            {
                return null;
            }
        }

        // PS3.8 Table 9-21: rejected-permanent, DICOM UL service-user, calling-AE-title-not-recognized. An AE known
        // only from another host is the same case: the title is not recognized for that peer.
        return new AssociateRejectPdu(AssociateRejectResult.RejectedPermanent, AssociateRejectSource.ServiceUser, AssociateRejectReason.UserCallingAeTitleNotRecognized);
    }

    private async ValueTask<bool> HostMatchesAsync(string host, IPAddress remote, CancellationToken cancellationToken)
    {
        if (remote.IsIPv4MappedToIPv6)
        {
            remote = remote.MapToIPv4();
        }

        if (host.Contains('/', StringComparison.Ordinal))
        {
            return IPNetwork.TryParse(host, out var network) && network.Contains(remote);
        }

        if (IPAddress.TryParse(host, out var address))
        {
            return address.Equals(remote);
        }

        // A DNS name: resolved now and then, so a renumbered modality is followed without a restart.
        if (!_resolved.TryGetValue(host, out var cached) || cached.Expires < DateTime.UtcNow)
        {
            try
            {
                cached = (DateTime.UtcNow + HostCacheLifetime, await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false));
            }
            catch (SocketException)
            {
                cached = (DateTime.UtcNow + HostCacheLifetime, []);
            }

            _resolved[host] = cached;
        }

        return cached.Addresses.Any(a => (a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a).Equals(remote));
    }
}
