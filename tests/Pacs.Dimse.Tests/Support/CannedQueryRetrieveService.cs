using System.Runtime.CompilerServices;
using Pacs.Dicom;

namespace Pacs.Dimse.Tests.Support;

/// <summary>
/// A tiny query/retrieve SCP: C-FIND answers from a fixed list of studies; C-MOVE and C-GET send a fixed list of
/// files (to the destination AE's host and port, or back on the association).
/// </summary>
public sealed class CannedQueryRetrieveService : DimseService
{
    public IReadOnlyList<DicomDataset> Studies { get; init; } = [];

    /// <summary>C-FIND: answer this many matches, then wait for C-CANCEL instead of finishing (null: finish normally).</summary>
    public int? StallAfter { get; init; }

    public IReadOnlyList<string> RetrieveFiles { get; init; } = [];

    /// <summary>Move destinations: AE title → port on 127.0.0.1.</summary>
    public IReadOnlyDictionary<string, int> Destinations { get; init; } = new Dictionary<string, int>();

    public TaskCompletionSource<bool> FindCancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DicomDataset? LastIdentifier { get; private set; }

    public override async IAsyncEnumerable<DicomDataset> OnFindAsync(DimseRequestContext context, CFindRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        LastIdentifier = request.Dataset;
        var sent = 0;
        foreach (var study in Studies)
        {
            if (StallAfter is { } stall && sent == stall)
            {
                try
                {
                    // A C-CANCEL from the peer cancels the token; the bound only keeps a broken test from hanging.
                    await Task.Delay(TimeSpan.FromSeconds(15), cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    FindCancelled.TrySetResult(true);
                    throw;
                }

                FindCancelled.TrySetResult(false);
            }

            yield return study;
            sent++;
        }
    }

    public override async IAsyncEnumerable<DimseSubOperations> OnMoveAsync(DimseRequestContext context, CMoveRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!Destinations.TryGetValue(request.MoveDestination, out var port))
        {
            throw new DimseStatusException(DimseStatus.MoveDestinationUnknown, $"Unknown destination '{request.MoveDestination}'.");
        }

        var contexts = RetrieveFiles.Select(f => DicomFile.Open(f)).Select(f => new DimsePresentationContextRequest(f.SopClassUid!, [f.TransferSyntax.Uid])).Distinct().ToList();
        await using var destination = await DimseClient.ConnectAsync("127.0.0.1", port, context.Association.CalledAeTitle, request.MoveDestination, contexts,
            new DimseClientOptions { Timeouts = TestTimeouts.Short }, cancellationToken);
        await foreach (var step in StoreAllAsync(destination, new CStoreOptions { MoveOriginatorAeTitle = context.Association.CallingAeTitle, MoveOriginatorMessageId = request.MessageId }, cancellationToken))
        {
            yield return step;
        }
    }

    public override IAsyncEnumerable<DimseSubOperations> OnGetAsync(DimseRequestContext context, CGetRequest request, CancellationToken cancellationToken) =>
        StoreAllAsync(context.Association, null, cancellationToken);

    private async IAsyncEnumerable<DimseSubOperations> StoreAllAsync(DimseAssociation association, CStoreOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        int completed = 0, failed = 0;
        var failedUids = new List<string>();
        for (var i = 0; i < RetrieveFiles.Count; i++)
        {
            bool stored;
            try
            {
                stored = (await association.StoreFileAsync(RetrieveFiles[i], options, cancellationToken)).Status.IsSuccessOrWarning;
            }
            catch (DimseException e) when (e is not DimseAssociationAbortedException)
            {
                // No context this file can travel in (e.g. compressed, and the peer takes only uncompressed).
                stored = false;
            }

            if (stored)
            {
                completed++;
            }
            else
            {
                failed++;
                failedUids.Add(DicomFile.Open(RetrieveFiles[i]).SopInstanceUid!);
            }

            yield return new DimseSubOperations(RetrieveFiles.Count - i - 1, completed, failed, 0) { FailedSopInstanceUids = failedUids };
        }
    }

    public static DicomDataset Study(int n) => new DicomDataset()
        .Set(DicomTag.SpecificCharacterSet, "ISO_IR 100")
        .Set(DicomTag.QueryRetrieveLevel, "STUDY")
        .Set(DicomTag.PatientName, $"Doe^Jane{n}")
        .Set(DicomTag.PatientID, $"PID{n:D3}")
        .Set(DicomTag.StudyInstanceUID, $"1.2.826.0.1.3680043.10.1234.{n}")
        .Set(DicomTag.StudyDate, "20240102");
}
