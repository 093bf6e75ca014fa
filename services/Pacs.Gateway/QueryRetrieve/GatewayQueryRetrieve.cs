using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pacs.Dicom;
using Pacs.Dimse;
using Pacs.Gateway.Archive;
using Pacs.Gateway.Worklist;

namespace Pacs.Gateway.QueryRetrieve;

/// <summary>
/// C-FIND, C-MOVE and C-GET of the Patient Root and Study Root information models (PS3.4 C), translated to the
/// archive's QIDO-RS and WADO-RS through <see cref="IArchiveQuery"/> and <see cref="IArchiveRetrieve"/>, and Modality
/// Worklist C-FIND (PS3.4 K) over an <see cref="IWorklistSource"/> when one is registered.
/// </summary>
public class GatewayQueryRetrieve
{
    private readonly GatewayOptions _gateway;
    private readonly QueryRetrieveOptions _options;
    private readonly IWorklistSource? _worklist;
    private readonly ILogger _logger;
    private readonly QueryFind _find;
    private readonly RetrieveEngine _engine;

    /// <param name="query">The archive's search.</param>
    /// <param name="retrieve">The archive's object retrieval.</param>
    /// <param name="gateway">The gateway's configuration: its AE title and the C-MOVE destinations.</param>
    /// <param name="worklist">The worklist, or null when there is none (Modality Worklist is then refused).</param>
    /// <param name="options">Limits and timeouts; null for the defaults.</param>
    /// <param name="logger">Where failed sub-operations are logged.</param>
    public GatewayQueryRetrieve(IArchiveQuery query, IArchiveRetrieve retrieve, GatewayOptions gateway, IWorklistSource? worklist = null,
        QueryRetrieveOptions? options = null, ILogger<GatewayQueryRetrieve>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(retrieve);
        ArgumentNullException.ThrowIfNull(gateway);
        _gateway = gateway;
        _options = options ?? new QueryRetrieveOptions();
        _worklist = worklist;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _find = new QueryFind(query, _options);
        _engine = new RetrieveEngine(query, retrieve, _options, _logger);
    }

    /// <summary>Whether Modality Worklist C-FIND is served (a worklist source is registered).</summary>
    public bool HasWorklist => _worklist is not null;

    /// <summary>C-FIND: one data set per match, each sent as a pending response (PS3.4 C.4.1.2.2).</summary>
    public virtual IAsyncEnumerable<DicomDataset> FindAsync(DimseRequestContext context, CFindRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        var model = Model(request.AffectedSopClassUid, DimseOperation.Find);
        var identifier = request.Dataset ?? throw new DimseStatusException(DimseStatus.DataSetDoesNotMatchSopClass, "The C-FIND request has no identifier");
        if (model == InformationModel.ModalityWorklist)
        {
            return WorklistAsync(identifier, cancellationToken);
        }

        // PS3.4 C.4.1.1.3.2: Retrieve AE Title is where the matches can be retrieved from: this gateway, as it was called.
        return _find.FindAsync(model, identifier, context.Association.CalledAeTitle, cancellationToken);
    }

    /// <summary>
    /// C-MOVE (PS3.4 C.4.2): the instances the identifier names are fetched from the archive and C-STOREd to the
    /// destination over an association of the gateway's own; the counts are yielded after each sub-operation.
    /// </summary>
    public virtual async IAsyncEnumerable<DimseSubOperations> MoveAsync(DimseRequestContext context, CMoveRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        var model = Model(request.AffectedSopClassUid, DimseOperation.Move);
        var destinationAe = request.MoveDestination.Trim();

        // PS3.4 C.4.2.1.5 and C.4.2.3.1: a Move Destination not known to the SCP is A801, before anything else happens.
        if (_gateway.FindDestination(destinationAe) is not { MoveDestination: true } destination)
        {
            throw new DimseStatusException(DimseStatus.MoveDestinationUnknown, FindKeyParser.Clip($"Move destination '{destinationAe}' is not configured"));
        }

        var identifier = request.Dataset ?? throw new DimseStatusException(DimseStatus.DataSetDoesNotMatchSopClass, "The C-MOVE request has no identifier");
        var (_, items) = await _engine.ResolveAsync(model, identifier, cancellationToken).ConfigureAwait(false);
        if (items.Count == 0)
        {
            yield break;
        }

        var target = new MoveTarget(destination, _gateway.AeTitle, items, context.Association.CallingAeTitle, request.MessageId, _options);
        await using (target.ConfigureAwait(false))
        {
            await foreach (var counts in _engine.PerformAsync(items, target, wholeSeries: true, cancellationToken).ConfigureAwait(false))
            {
                yield return counts;
            }
        }
    }

    /// <summary>
    /// C-GET (PS3.4 C.4.3): the C-STORE sub-operations go back on the requestor's association, in the storage contexts
    /// where it took the SCP role (PS3.7 D.3.3.4); instances of SOP classes without such a context fail.
    /// </summary>
    public virtual async IAsyncEnumerable<DimseSubOperations> GetAsync(DimseRequestContext context, CGetRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        var model = Model(request.AffectedSopClassUid, DimseOperation.Get);
        var identifier = request.Dataset ?? throw new DimseStatusException(DimseStatus.DataSetDoesNotMatchSopClass, "The C-GET request has no identifier");
        var (_, items) = await _engine.ResolveAsync(model, identifier, cancellationToken).ConfigureAwait(false);
        if (items.Count == 0)
        {
            yield break;
        }

        var target = new GetTarget(context.Association);
        await foreach (var counts in _engine.PerformAsync(items, target, wholeSeries: true, cancellationToken).ConfigureAwait(false))
        {
            yield return counts;
        }
    }

    /// <summary>The information model of a request's SOP class, checked against the operation it came with.</summary>
    private InformationModel Model(string? sopClassUid, DimseOperation operation)
    {
        if (sopClassUid is null || !QueryModel.SopClasses.TryGetValue(sopClassUid, out var entry) || entry.Operation != operation)
        {
            throw new DimseStatusException(DimseStatus.SopClassNotSupported, FindKeyParser.Clip($"SOP class {sopClassUid} is not served for this operation"));
        }

        if (entry.Model == InformationModel.ModalityWorklist && _worklist is null)
        {
            throw new DimseStatusException(DimseStatus.SopClassNotSupported, "No worklist is configured");
        }

        return entry.Model;
    }

    /// <summary>
    /// Modality Worklist C-FIND (PS3.4 K.4.1): every key of the identifier (the Scheduled Procedure Step Sequence
    /// item's keys within one item, C.2.2.2.6) is matched on what the source returns; the response carries the keys asked
    /// for.
    /// </summary>
    private async IAsyncEnumerable<DicomDataset> WorklistAsync(DicomDataset identifier, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var keys = FindKeyParser.Parse(identifier, QueryModel.IsControlAttribute, _options.TimeZone);
        var hints = new List<ArchiveMatchKey>();
        foreach (var key in keys.Where(k => k.IsMatching))
        {
            if (key.IsSequence)
            {
                hints.AddRange(key.ItemKeys!.Where(k => k.IsMatching && !k.IsSequence).Select(k => k.Match.InSequence(key.Tag)));
            }
            else
            {
                hints.Add(key.Match);
            }
        }

        var characterSet = identifier.GetString(DicomTag.SpecificCharacterSet);
        var empty = new HashSet<DicomTag>();
        await foreach (var item in _worklist!.FindAsync(hints, cancellationToken).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (LocalMatcher.Matches(item, keys))
            {
                yield return FindResponseBuilder.Build(item, keys, empty, characterSet);
            }
        }
    }
}
