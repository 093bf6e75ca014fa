using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Pacs.Dicom;
using Pacs.Dimse;
using Pacs.Gateway.Archive;

namespace Pacs.Gateway.QueryRetrieve;

/// <summary>
/// The common half of C-MOVE and C-GET (PS3.4 C.4.2, C.4.3): resolve the identifier to the instances it names (QIDO-RS
/// at the instance level), then fetch them from the archive (WADO-RS) and C-STORE each to the target as it streams in,
/// reporting the sub-operation counts after each one. Whole series go as one multipart request when every instance of
/// it is sent as stored; an instance the target needs in another transfer syntax is asked for converted, on its own.
/// </summary>
internal sealed partial class RetrieveEngine(IArchiveQuery query, IArchiveRetrieve retrieve, QueryRetrieveOptions options, ILogger logger)
{
    /// <summary>
    /// The instances the identifier names. PS3.4 C.4.2.2.1: the unique key of the level (one value, or a list of UIDs)
    /// is required; unique keys of the levels above narrow the match when given; other keys are ignored.
    /// </summary>
    public async Task<(QueryRetrieveLevel Level, List<RetrieveItem> Items)> ResolveAsync(InformationModel model, DicomDataset identifier, CancellationToken cancellationToken)
    {
        var level = QueryFind.ReadLevel(model, identifier);
        var keys = new List<FindKey>();
        for (var l = QueryModel.TopLevel(model); l <= level; l++)
        {
            var tag = QueryModel.UniqueKey(l);
            var vr = DicomDictionary.GetVR(tag);
            var value = identifier.GetString(tag)?.Trim() ?? string.Empty;
            if (value.Length == 0)
            {
                if (l == level)
                {
                    throw new DimseStatusException(DimseStatus.DataSetDoesNotMatchSopClass,
                        FindKeyParser.Clip($"{FindKeyParser.Name(tag)} is required at the {QueryModel.Name(level)} level"));
                }

                continue;
            }

            var match = FindKeyParser.Classify(tag, vr, value);
            if (match.Kind is not (ArchiveMatchKind.Single or ArchiveMatchKind.UidList) || (tag == DicomTag.PatientID && match.Values.Count != 1))
            {
                throw new DimseStatusException(DimseStatus.DataSetDoesNotMatchSopClass,
                    FindKeyParser.Clip($"{FindKeyParser.Name(tag)} must be a single value or a UID list, not '{value}'"));
            }

            keys.Add(new FindKey { Tag = tag, VR = vr, Match = match });
        }

        if (level == QueryRetrieveLevel.Patient && identifier.GetString(DicomTag.IssuerOfPatientID) is { Length: > 0 } issuer)
        {
            keys.Add(new FindKey { Tag = DicomTag.IssuerOfPatientID, VR = DicomVR.LO, Match = ArchiveMatchKey.Single(DicomTag.IssuerOfPatientID, issuer.Trim()) });
        }

        var search = new ArchiveSearch(query, ArchiveQueryLevel.Instance, keys,
            [DicomTag.StudyInstanceUID, DicomTag.SeriesInstanceUID, DicomTag.SOPInstanceUID, DicomTag.SOPClassUID, DicomTag.AvailableTransferSyntaxUID]);
        var items = new List<RetrieveItem>();
        await foreach (var match in search.RunAsync(options.RetrieveListPageSize, cancellationToken).ConfigureAwait(false))
        {
            var item = new RetrieveItem(
                match.GetString(DicomTag.StudyInstanceUID) ?? string.Empty,
                match.GetString(DicomTag.SeriesInstanceUID) ?? string.Empty,
                match.GetString(DicomTag.SOPInstanceUID) ?? string.Empty,
                match.GetString(DicomTag.SOPClassUID) ?? string.Empty,
                match.GetString(DicomTag.AvailableTransferSyntaxUID) is { Length: > 0 } ts ? ts : null);
            if (item.StudyInstanceUid.Length == 0 || item.SeriesInstanceUid.Length == 0 || item.SopInstanceUid.Length == 0 || item.SopClassUid.Length == 0)
            {
                continue;
            }

            items.Add(item);
            if (items.Count > options.MaxInstancesPerRetrieve)
            {
                throw new DimseStatusException(DimseStatus.OutOfResourcesUnableToPerformSubOperations,
                    FindKeyParser.Clip($"More than {options.MaxInstancesPerRetrieve} instances match; retrieve less at once"));
            }
        }

        return (level, items);
    }

    /// <summary>
    /// Performs the sub-operations in order and yields the counts after each. Cancellation (C-CANCEL) is honoured between
    /// sub-operations: the one in flight completes, then the enumeration ends with <see cref="OperationCanceledException"/>
    /// and the last counts stand.
    /// </summary>
    public async IAsyncEnumerable<DimseSubOperations> PerformAsync(IReadOnlyList<RetrieveItem> items, IStoreTarget target, bool wholeSeries,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var progress = new Progress(items.Count);
        foreach (var series in Series(items))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (ready, reason) = await target.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
            if (!ready)
            {
                // Nothing more can be sent: the rest fail at once, and the final status tells why.
                foreach (var item in items.Skip(progress.Done))
                {
                    progress.Fail(item);
                }

                LogUnreachable(logger, reason ?? "?", items.Count - progress.Completed - progress.Warning);
                yield return progress.Counts();
                throw new DimseStatusException(DimseStatus.OutOfResourcesUnableToPerformSubOperations, FindKeyParser.Clip(reason ?? "the destination cannot be reached"));
            }

            // Plan: which instances go as stored, which converted, which cannot go at all.
            var asStored = new List<RetrieveItem>();
            var single = new List<(RetrieveItem Item, string? TransferSyntax)>();
            foreach (var item in series)
            {
                var chosen = target.Choose(item.SopClassUid, item.TransferSyntaxUid);
                if (chosen is null)
                {
                    LogNoContext(logger, item.SopInstanceUid, item.SopClassUid);
                    progress.Fail(item);
                    yield return progress.Counts();
                }
                else if (chosen == item.TransferSyntaxUid)
                {
                    asStored.Add(item);
                }
                else
                {
                    single.Add((item, item.TransferSyntaxUid is null && chosen is not null ? null : chosen));
                }
            }

            var units = new List<(ArchiveRetrieveTarget Target, string? TransferSyntax, List<RetrieveItem> Items)>();
            if (wholeSeries && asStored.Count > 1 && asStored.Count == series.Count)
            {
                units.Add((new ArchiveRetrieveTarget(series[0].StudyInstanceUid, series[0].SeriesInstanceUid), null, asStored));
            }
            else
            {
                units.AddRange(asStored.Select(i => (Unit(i), (string?)null, new List<RetrieveItem> { i })));
            }

            units.AddRange(single.Select(s => (Unit(s.Item), s.TransferSyntax, new List<RetrieveItem> { s.Item })));
            var retry = new List<(RetrieveItem Item, string TransferSyntax)>();
            foreach (var unit in units)
            {
                await foreach (var counts in SendUnitAsync(unit.Target, unit.TransferSyntax, unit.Items, target, progress, retry, cancellationToken).ConfigureAwait(false))
                {
                    yield return counts;
                }
            }

            // The archive sent some instance in a syntax the target did not accept: ask for it converted.
            foreach (var (item, transferSyntax) in retry)
            {
                await foreach (var counts in SendUnitAsync(Unit(item), transferSyntax, [item], target, progress, null, cancellationToken).ConfigureAwait(false))
                {
                    yield return counts;
                }
            }
        }
    }

    private async IAsyncEnumerable<DimseSubOperations> SendUnitAsync(ArchiveRetrieveTarget unit, string? transferSyntax, List<RetrieveItem> items, IStoreTarget target,
        Progress progress, List<(RetrieveItem, string)>? retry, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pending = items.ToDictionary(i => i.SopInstanceUid, StringComparer.Ordinal);
        var objects = retrieve.RetrieveAsync(unit, transferSyntax, cancellationToken).GetAsyncEnumerator(cancellationToken);
        string? failure = null;
        try
        {
            while (pending.Count > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                bool more;
                try
                {
                    more = await objects.MoveNextAsync().ConfigureAwait(false);
                }
                catch (ArchiveRetrieveException e)
                {
                    failure = e.Message;
                    break;
                }

                if (!more)
                {
                    break;
                }

                var outcome = await SendObjectAsync(objects.Current, pending, target, retry, cancellationToken).ConfigureAwait(false);
                if (outcome.Item is null)
                {
                    // Not one of those asked for, retried later, or unreadable (then its instance is among those left over).
                    failure = outcome.Reason ?? failure;
                    continue;
                }

                progress.Record(outcome.Item, outcome.Status);
                if (outcome.Reason is { } reason)
                {
                    LogSubOperationFailed(logger, outcome.Item.SopInstanceUid, reason);
                }

                yield return progress.Counts();
            }
        }
        finally
        {
            await objects.DisposeAsync().ConfigureAwait(false);
        }

        // What the archive did not deliver (gone meanwhile, refused, broke off) failed.
        foreach (var item in pending.Values)
        {
            LogSubOperationFailed(logger, item.SopInstanceUid, failure ?? "the archive did not deliver it");
            progress.Fail(item);
            yield return progress.Counts();
        }
    }

    /// <summary>The result of one object: the instance and its C-STORE status, or no instance when nothing was sent for it.</summary>
    private readonly record struct Outcome(RetrieveItem? Item, DimseStatus Status, string? Reason);

    /// <summary>One object from the archive to the target.</summary>
    private static async Task<Outcome> SendObjectAsync(ArchiveObject received, Dictionary<string, RetrieveItem> pending,
        IStoreTarget target, List<(RetrieveItem, string)>? retry, CancellationToken cancellationToken)
    {
        Part10Header header;
        try
        {
            header = await Part10Header.ReadAsync(received.Content, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or DicomException or Pacs.Http.Multipart.MultipartException)
        {
            // Which instance it was cannot be told; it stays pending and fails with this reason if nothing else arrives for it.
            return new Outcome(null, DimseStatus.ProcessingFailure, $"the archive sent an unreadable object: {e.Message}");
        }

        if (!pending.Remove(header.SopInstanceUid, out var item))
        {
            // An instance stored after the list was made: not part of this retrieve.
            return new Outcome(null, DimseStatus.Success, null);
        }

        var transferSyntax = header.TransferSyntaxUid;
        if (!target.Accepts(item.SopClassUid, transferSyntax))
        {
            var chosen = target.Choose(item.SopClassUid, transferSyntax);
            if (retry is not null && chosen is not null && chosen != transferSyntax)
            {
                retry.Add((item, chosen));
                return new Outcome(null, DimseStatus.Success, null);
            }

            return new Outcome(item, DimseStatus.ProcessingFailure, $"the archive sent it in {transferSyntax}, which the destination did not accept");
        }

        var (ready, reason) = await target.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        if (!ready)
        {
            return new Outcome(item, DimseStatus.ProcessingFailure, reason);
        }

        try
        {
            // Not cancelled half way: a C-STORE cut in the middle of its data set would abort the association (PS3.8).
            var response = await target.StoreAsync(header.Dataset, item, transferSyntax, CancellationToken.None).ConfigureAwait(false);
            return new Outcome(item, response.Status,
                response.Status.IsFailure ? $"the destination answered {response.Status}{(response.ErrorComment is { } c ? ": " + c : string.Empty)}" : null);
        }
        catch (Exception e) when (e is DimseException or IOException or Pacs.Http.Multipart.MultipartException or ArchiveRetrieveException or InvalidOperationException)
        {
            return new Outcome(item, DimseStatus.ProcessingFailure, e.Message);
        }
    }

    private static ArchiveRetrieveTarget Unit(RetrieveItem item) => new(item.StudyInstanceUid, item.SeriesInstanceUid, item.SopInstanceUid);

    /// <summary>The items cut into runs of one series each, in order.</summary>
    private static IEnumerable<List<RetrieveItem>> Series(IReadOnlyList<RetrieveItem> items)
    {
        var run = new List<RetrieveItem>();
        foreach (var item in items)
        {
            if (run.Count > 0 && run[0].SeriesInstanceUid != item.SeriesInstanceUid)
            {
                yield return run;
                run = [];
            }

            run.Add(item);
        }

        if (run.Count > 0)
        {
            yield return run;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retrieve sub-operation for {SopInstanceUid} failed: {Reason}")]
    private static partial void LogSubOperationFailed(ILogger logger, string sopInstanceUid, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Instance {SopInstanceUid} not sent: no presentation context accepted SOP class {SopClassUid}")]
    private static partial void LogNoContext(ILogger logger, string sopInstanceUid, string sopClassUid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retrieve target unusable ({Reason}); {Count} sub-operations failed")]
    private static partial void LogUnreachable(ILogger logger, string reason, int count);

    /// <summary>The sub-operation counts of PS3.4 C.4.2.1.4 and the failed SOP Instance UIDs.</summary>
    private sealed class Progress(int total)
    {
        private readonly List<string> _failed = [];

        public int Completed { get; private set; }

        public int Warning { get; private set; }

        public int Failed => _failed.Count;

        public int Done => Completed + Warning + Failed;

        public void Record(RetrieveItem item, DimseStatus status)
        {
            if (status.IsSuccess)
            {
                Completed++;
            }
            else if (status.IsWarning)
            {
                Warning++;
            }
            else
            {
                _failed.Add(item.SopInstanceUid);
            }
        }

        public void Fail(RetrieveItem item) => _failed.Add(item.SopInstanceUid);

        public DimseSubOperations Counts() => new(total - Done, Completed, Failed, Warning) { FailedSopInstanceUids = [.. _failed] };
    }
}
