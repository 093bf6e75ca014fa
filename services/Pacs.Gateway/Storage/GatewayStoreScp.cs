using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pacs.Dicom;
using Pacs.Dimse;
using Pacs.Gateway.Routing;
using Pacs.Gateway.Spool;

namespace Pacs.Gateway.Storage;

/// <summary>
/// The C-STORE SCP (PS3.4 B.2): every object is written to the spool as it arrives, fsynced and queued for the archive
/// (and the routing destinations its rules name) before success is answered. The archive's state plays no part: while
/// it is unreachable objects keep being accepted until the spool's disk is really full.
/// </summary>
public sealed class GatewayStoreScp(GatewaySpool spool, GatewayRouter router, ILogger<GatewayStoreScp>? logger = null)
{
    private static readonly DicomReadOptions HeaderOnly = new() { StopBeforeTag = DicomTag.PixelData, BulkDataThresholdBytes = 4096 };
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;
    private long _stored;

    /// <summary>Objects acknowledged since start.</summary>
    public long Stored => Interlocked.Read(ref _stored);

    /// <summary>C-STORE command arrived: refuse at once when the disk is full, else open the spool file.</summary>
    public ValueTask<Stream> OpenAsync(DimseRequestContext context, CStoreRequest request)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        if (!spool.HasRoom)
        {
            // PS3.4 B.2.3: A7xx "Refused: Out of Resources". Only now, with the disk really full, does a modality see a
            // failure; it keeps the object and retries later.
            _logger.LogError("Refusing {SopInstanceUid} from {CallingAe}: the spool's disk has only {Free} bytes free", request.AffectedSopInstanceUid, context.Association.CallingAeTitle, spool.AvailableFreeSpace);
            throw new DimseStatusException(DimseStatus.OutOfResources, $"The gateway's spool disk is full ({spool.AvailableFreeSpace} bytes free).");
        }

        var sopClass = request.AffectedSopClassUid ?? string.Empty;
        var sopInstance = request.AffectedSopInstanceUid ?? string.Empty;
        if (sopInstance.Length == 0 || sopClass.Length == 0)
        {
            throw new DimseStatusException(DimseStatus.CannotUnderstand, "The C-STORE request has no Affected SOP Class or Instance UID.");
        }

        return ValueTask.FromResult<Stream>(spool.Begin(sopClass, sopInstance, context.TransferSyntax));
    }

    /// <summary>Every byte arrived: check the header, make the object durable, queue it; then success.</summary>
    public async ValueTask<DimseStatus> CompleteAsync(DimseRequestContext context, CStoreRequest request, Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        var writer = (SpoolWriter)destination;
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);

        DicomFile header;
        try
        {
            header = DicomFile.Open(writer.Path, HeaderOnly);
        }
        catch (DicomException e)
        {
            // PS3.4 B.2.3: Cxxx "Cannot understand". Refused now, so the modality knows, rather than accepted and refused
            // by the archive later where nobody sees it.
            await GatewaySpool.AbandonAsync(writer).ConfigureAwait(false);
            throw new DimseStatusException(DimseStatus.CannotUnderstand, $"The data set cannot be parsed: {e.Message}");
        }

        var datasetInstance = header.Dataset.GetString(DicomTag.SOPInstanceUID);
        if (datasetInstance is not null && datasetInstance != request.AffectedSopInstanceUid)
        {
            // PS3.4 B.2.3: A900 "Data Set does not match SOP Class": the archive would index another instance than the
            // one acknowledged (and storage commitment would never find it).
            await GatewaySpool.AbandonAsync(writer).ConfigureAwait(false);
            throw new DimseStatusException(DimseStatus.DataSetDoesNotMatchSopClass,
                $"SOP Instance UID (0008,0018) of the data set '{datasetInstance}' differs from the Affected SOP Instance UID '{request.AffectedSopInstanceUid}'.");
        }

        if (string.IsNullOrWhiteSpace(header.Dataset.GetString(DicomTag.StudyInstanceUID)) || string.IsNullOrWhiteSpace(header.Dataset.GetString(DicomTag.SeriesInstanceUID)))
        {
            // PS3.4 B.2.3: A900 again: Study and Series Instance UID are Type 1 in every storage IOD, and the archive cannot
            // file an object without them; the modality hears it now instead of the object waiting in quarantine.
            await GatewaySpool.AbandonAsync(writer).ConfigureAwait(false);
            throw new DimseStatusException(DimseStatus.DataSetDoesNotMatchSopClass, "Study Instance UID (0020,000D) or Series Instance UID (0020,000E) is missing.");
        }

        var routes = router.HasRoutes
            ? router.Match(context.Association.CallingAeTitle, request.AffectedSopClassUid!, header.Dataset.GetString(DicomTag.Modality))
            : [];
        try
        {
            await spool.CommitAsync(writer, routes, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            // fsync or rename failed (disk full, disk gone): not durable, so not acknowledged.
            _logger.LogError(e, "Spooling {SopInstanceUid} failed", request.AffectedSopInstanceUid);
            await GatewaySpool.AbandonAsync(writer).ConfigureAwait(false);
            throw new DimseStatusException(DimseStatus.OutOfResources, $"The object could not be made durable: {e.Message}");
        }

        Interlocked.Increment(ref _stored);
        return DimseStatus.Success;
    }

    /// <summary>The data set did not arrive whole: nothing of it stays.</summary>
    public async ValueTask AbortedAsync(CStoreRequest request, Stream destination, Exception reason)
    {
        ArgumentNullException.ThrowIfNull(request);
        _logger.LogInformation("C-STORE of {SopInstanceUid} did not complete ({Reason}); its partial file is removed", request.AffectedSopInstanceUid, reason.Message);
        if (destination is SpoolWriter writer)
        {
            await GatewaySpool.AbandonAsync(writer).ConfigureAwait(false);
        }
    }
}
