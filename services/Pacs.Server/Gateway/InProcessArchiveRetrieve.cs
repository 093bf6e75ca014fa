using System.Runtime.CompilerServices;
using Pacs.Archive;
using Pacs.Dicom;
using Pacs.Gateway.Archive;
using Pacs.Storage;

namespace Pacs.Server.Gateway;

/// <summary>
/// The gateway's object retrieval in the embedded server: C-MOVE and C-GET read the stored objects from the archive's
/// <see cref="RetrieveService"/> one at a time, as stored, or re-written in another transfer syntax when the
/// destination needs one and the conversion is lossless and available (between the uncompressed syntaxes, and to or
/// from RLE Lossless, as WADO-RS offers).
/// </summary>
public sealed class InProcessArchiveRetrieve(RetrieveService retrieve) : IArchiveRetrieve
{
    public async IAsyncEnumerable<ArchiveObject> RetrieveAsync(ArchiveRetrieveTarget target, string? transferSyntaxUid,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var instances = await retrieve.FindInstancesAsync(target.StudyInstanceUid, target.SeriesInstanceUid, target.SopInstanceUid, cancellationToken)
            .ConfigureAwait(false);
        if (instances.Count == 0)
        {
            throw new ArchiveRetrieveException(ArchiveRetrieveFailure.NotFound, $"The archive holds no {target}.");
        }

        foreach (var instance in instances)
        {
            var wanted = transferSyntaxUid ?? instance.TransferSyntaxUid;
            if (wanted != instance.TransferSyntaxUid && !(Convertible(instance.TransferSyntaxUid) && Convertible(wanted)))
            {
                throw new ArchiveRetrieveException(ArchiveRetrieveFailure.NotConvertible,
                    $"Instance {instance.SopInstanceUid} is stored in {instance.TransferSyntaxUid}, which the archive cannot convert to {wanted}.");
            }

            var content = wanted == instance.TransferSyntaxUid
                ? await OpenAsync(instance, cancellationToken).ConfigureAwait(false)
                : await ConvertAsync(instance, wanted, cancellationToken).ConfigureAwait(false);
            await using (content.ConfigureAwait(false))
            {
                yield return new ArchiveObject(content, wanted);
            }
        }
    }

    private static bool Convertible(string uid) => uid == DicomTransferSyntax.RLELossless.Uid || !DicomTransferSyntax.Lookup(uid).IsEncapsulated;

    private async Task<Stream> OpenAsync(StoredInstance instance, CancellationToken cancellationToken)
    {
        try
        {
            return await retrieve.OpenAsync(instance, null, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobNotFoundException e)
        {
            throw new ArchiveRetrieveException(ArchiveRetrieveFailure.NotFound, $"Instance {instance.SopInstanceUid} went away: {e.Message}", e);
        }
        catch (BlobArchivedException e)
        {
            throw new ArchiveRetrieveException(ArchiveRetrieveFailure.NotOnline, $"Instance {instance.SopInstanceUid} is in the archive tier: {e.Message}", e);
        }
        catch (BlobStoreException e)
        {
            throw new ArchiveRetrieveException(ArchiveRetrieveFailure.Unavailable, $"The store could not serve {instance.SopInstanceUid}: {e.Message}", e);
        }
    }

    /// <summary>
    /// The object re-written in <paramref name="transferSyntaxUid"/>: the stored copy goes to a temporary file (the writer
    /// reads the pixel data back frame by frame from it), the result to another one, deleted when the stream is closed.
    /// Nothing of the object is held in memory.
    /// </summary>
    private async Task<Stream> ConvertAsync(StoredInstance instance, string transferSyntaxUid, CancellationToken cancellationToken)
    {
        var source = Path.Combine(Path.GetTempPath(), $"pacs-gateway-{Guid.NewGuid():N}.dcm");
        var converted = Path.Combine(Path.GetTempPath(), $"pacs-gateway-{Guid.NewGuid():N}.dcm");
        try
        {
            await using (var stored = await OpenAsync(instance, cancellationToken).ConfigureAwait(false))
            await using (var copy = File.Create(source))
            {
                await stored.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
            }

            var bulkData = new DicomFileBulkDataSource(source);
            var file = DicomFile.Open(source);
            await using (var output = File.Create(converted))
            {
                await DicomWriter.WriteFileAsync(output, file, new DicomWriteOptions
                {
                    TransferSyntax = DicomTransferSyntax.Lookup(transferSyntaxUid),
                    BulkDataSource = bulkData,
                    PixelDataTranscoder = new RleTranscoder(bulkData),
                    FlushToDisk = false,
                }, cancellationToken).ConfigureAwait(false);
            }

            return new FileStream(converted, FileMode.Open, FileAccess.Read, FileShare.Delete, 64 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        }
        catch (Exception e) when (e is DicomException or IOException or InvalidOperationException or NotSupportedException)
        {
            File.Delete(converted);
            throw new ArchiveRetrieveException(ArchiveRetrieveFailure.NotConvertible,
                $"Instance {instance.SopInstanceUid} could not be converted to {transferSyntaxUid}: {e.Message}", e);
        }
        finally
        {
            File.Delete(source);
        }
    }
}
