using Pacs.Dicom;
using Pacs.Dimse;

namespace Pacs.Gateway.QueryRetrieve;

/// <summary>One instance to retrieve: its UIDs and, when the archive said, the transfer syntax it is stored in.</summary>
public sealed record RetrieveItem(string StudyInstanceUid, string SeriesInstanceUid, string SopInstanceUid, string SopClassUid, string? TransferSyntaxUid);

/// <summary>Where the C-STORE sub-operations of a retrieve go: the C-MOVE destination, or the C-GET requestor itself.</summary>
internal interface IStoreTarget : IAsyncDisposable
{
    /// <summary>
    /// The transfer syntax to send an instance in: as stored when a context accepted it, otherwise the best accepted
    /// one the archive may convert to (Explicit VR Little Endian first); null when no context takes the SOP class.
    /// </summary>
    string? Choose(string sopClassUid, string? storedTransferSyntaxUid);

    /// <summary>Whether a context accepted this SOP class in this transfer syntax.</summary>
    bool Accepts(string sopClassUid, string transferSyntaxUid);

    /// <summary>Makes sure the association can carry a C-STORE (a C-MOVE reconnects after a break); false with the reason when not.</summary>
    ValueTask<(bool Ready, string? Reason)> EnsureReadyAsync(CancellationToken cancellationToken);

    /// <summary>One C-STORE sub-operation, the data set streamed from <paramref name="dataset"/>.</summary>
    Task<CStoreResponse> StoreAsync(Stream dataset, RetrieveItem item, string transferSyntaxUid, CancellationToken cancellationToken);
}

/// <summary>Negotiated contexts of an association, read for the choice of transfer syntax.</summary>
internal static class ContextChoice
{
    private static readonly string[] Preferred =
    [
        DicomTransferSyntax.ExplicitVRLittleEndian.Uid, DicomTransferSyntax.ImplicitVRLittleEndian.Uid, DicomTransferSyntax.ExplicitVRBigEndian.Uid,
    ];

    public static HashSet<string> Accepted(DimseAssociation association, string sopClassUid) =>
        association.PresentationContexts
            .Where(c => c.IsAccepted && c.AbstractSyntax == sopClassUid && c.TransferSyntax is not null
                // The side that sends C-STOREs must hold the SCU role for the SOP class (PS3.7 D.3.3.4).
                && (association.IsRequestor ? c.RequestorIsScu : c.RequestorIsScp))
            .Select(c => c.TransferSyntax!.Uid)
            .ToHashSet(StringComparer.Ordinal);

    public static string? Choose(HashSet<string> accepted, string? stored)
    {
        if (stored is not null && accepted.Contains(stored))
        {
            return stored;
        }

        foreach (var ts in Preferred)
        {
            if (accepted.Contains(ts))
            {
                return ts;
            }
        }

        // Only some other syntax (RLE, say): the archive may still be able to produce it.
        return accepted.Order(StringComparer.Ordinal).FirstOrDefault();
    }
}

/// <summary>C-GET: the sub-operations go back on the requestor's own association, to the contexts where it took the SCP role.</summary>
internal sealed class GetTarget(DimseAssociation association) : IStoreTarget
{
    public string? Choose(string sopClassUid, string? storedTransferSyntaxUid) =>
        ContextChoice.Choose(ContextChoice.Accepted(association, sopClassUid), storedTransferSyntaxUid);

    public bool Accepts(string sopClassUid, string transferSyntaxUid) => ContextChoice.Accepted(association, sopClassUid).Contains(transferSyntaxUid);

    public ValueTask<(bool Ready, string? Reason)> EnsureReadyAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(association.State == Pacs.Dimse.AssociationState.Sta6Established ? (true, (string?)null) : (false, "the association ended"));

    public Task<CStoreResponse> StoreAsync(Stream dataset, RetrieveItem item, string transferSyntaxUid, CancellationToken cancellationToken) =>
        association.StoreAsync(dataset, item.SopClassUid, item.SopInstanceUid, DicomTransferSyntax.Lookup(transferSyntaxUid), null, cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>
/// C-MOVE: an association of our own to the destination (PS3.4 C.4.2.2.1), with one presentation context per SOP class
/// and transfer syntax needed: each stored syntax, plus Explicit and Implicit VR Little Endian to fall back on.
/// Re-opened when it breaks, up to <see cref="QueryRetrieveOptions.MaxDestinationReconnects"/> times.
/// </summary>
internal sealed class MoveTarget : IStoreTarget
{
    private readonly DimseDestination _destination;
    private readonly string _callingAeTitle;
    private readonly IReadOnlyList<DimsePresentationContextRequest> _contexts;
    private readonly CStoreOptions _storeOptions;
    private readonly QueryRetrieveOptions _options;
    private DimseAssociation? _association;
    private int _opens;
    private bool _unreachable;
    private string? _lastError;

    /// <param name="destination">The configured destination the C-MOVE named.</param>
    /// <param name="gatewayAeTitle">The calling AE title unless the destination declares its own.</param>
    /// <param name="items">The instances to send (their SOP classes and stored syntaxes decide the contexts proposed).</param>
    /// <param name="originatorAeTitle">Move Originator Application Entity Title of the sub-operations (PS3.7 9.1.1.1).</param>
    /// <param name="originatorMessageId">Move Originator Message ID of the sub-operations.</param>
    /// <param name="options">Reconnects, timeouts, TLS.</param>
    public MoveTarget(DimseDestination destination, string gatewayAeTitle, IEnumerable<RetrieveItem> items, string originatorAeTitle, ushort originatorMessageId,
        QueryRetrieveOptions options)
    {
        _destination = destination;
        _callingAeTitle = string.IsNullOrWhiteSpace(destination.CallingAeTitle) ? gatewayAeTitle : destination.CallingAeTitle.Trim();
        _options = options;
        _storeOptions = new CStoreOptions { MoveOriginatorAeTitle = originatorAeTitle, MoveOriginatorMessageId = originatorMessageId };
        _contexts = Proposals(items);
    }

    /// <summary>The contexts to propose, at most 128 (PS3.8 9.3.2.2): Explicit VR Little Endian per SOP class first, then the stored syntaxes, then Implicit.</summary>
    internal static IReadOnlyList<DimsePresentationContextRequest> Proposals(IEnumerable<RetrieveItem> items)
    {
        var explicitLe = DicomTransferSyntax.ExplicitVRLittleEndian.Uid;
        var implicitLe = DicomTransferSyntax.ImplicitVRLittleEndian.Uid;
        var bySopClass = items.GroupBy(i => i.SopClassUid, StringComparer.Ordinal)
            .Select(g => (SopClass: g.Key, Stored: g.Select(i => i.TransferSyntaxUid).OfType<string>().Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).ToList()))
            .ToList();
        var proposals = new List<(string, string)>();
        proposals.AddRange(bySopClass.Select(s => (s.SopClass, explicitLe)));
        proposals.AddRange(bySopClass.SelectMany(s => s.Stored.Where(t => t != explicitLe && t != implicitLe).Select(t => (s.SopClass, t))));
        proposals.AddRange(bySopClass.Select(s => (s.SopClass, implicitLe)));
        return proposals.Take(128).Select(p => new DimsePresentationContextRequest(p.Item1, [p.Item2])).ToList();
    }

    public string Describe() => $"{_destination.AeTitle} at {_destination.Host}:{_destination.Port}";

    public string? Choose(string sopClassUid, string? storedTransferSyntaxUid) =>
        _association is null ? null : ContextChoice.Choose(ContextChoice.Accepted(_association, sopClassUid), storedTransferSyntaxUid);

    public bool Accepts(string sopClassUid, string transferSyntaxUid) =>
        _association is not null && ContextChoice.Accepted(_association, sopClassUid).Contains(transferSyntaxUid);

    public async ValueTask<(bool Ready, string? Reason)> EnsureReadyAsync(CancellationToken cancellationToken)
    {
        if (_association is { State: Pacs.Dimse.AssociationState.Sta6Established })
        {
            return (true, null);
        }

        if (_association is not null)
        {
            await _association.DisposeAsync().ConfigureAwait(false);
            _association = null;
        }

        if (_unreachable || _opens > _options.MaxDestinationReconnects)
        {
            return (false, _lastError ?? $"the association to {Describe()} broke");
        }

        _opens++;
        try
        {
            // The same connection as routing and storage commitment reports: TLS when the destination is declared with it,
            // its pinned certificate fingerprint checked (PS3.15 B.1), plain TCP otherwise.
            _association = await _destination.ConnectAsync(_callingAeTitle, _contexts,
                new DimseClientOptions { Timeouts = _options.DestinationTimeouts, Tls = _options.DestinationTls }, cancellationToken).ConfigureAwait(false);
            return (true, null);
        }
        catch (Exception e) when (e is DimseException or System.Net.Sockets.SocketException or IOException or System.Security.Authentication.AuthenticationException)
        {
            // A destination that refused or could not be reached is not tried again within this C-MOVE.
            // A refused TLS handshake says why first (the Error Comment holds 64 characters).
            _lastError = e is System.Security.Authentication.AuthenticationException ? $"{e.Message} [{Describe()}]" : $"{Describe()}: {e.Message}";
            _unreachable = true;
            return (false, _lastError);
        }
    }

    public Task<CStoreResponse> StoreAsync(Stream dataset, RetrieveItem item, string transferSyntaxUid, CancellationToken cancellationToken) =>
        _association!.StoreAsync(dataset, item.SopClassUid, item.SopInstanceUid, DicomTransferSyntax.Lookup(transferSyntaxUid), _storeOptions, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_association is not null)
        {
            await _association.DisposeAsync().ConfigureAwait(false);
            _association = null;
        }
    }
}
