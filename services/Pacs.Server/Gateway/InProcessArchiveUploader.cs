using Microsoft.EntityFrameworkCore;
using Pacs.Archive;
using Pacs.Gateway.Archive;

namespace Pacs.Server.Gateway;

/// <summary>
/// The embedded server's archive as the gateway's spool forwarder sees it: each spooled file goes straight into
/// <see cref="IngestService"/> (no HTTP, no second copy over the network), and storage commitment reads the index.
/// An ingest verdict maps onto the same per-object outcomes a STOW-RS response would give.
/// </summary>
public sealed class InProcessArchiveUploader(IngestService ingest, ArchiveDatabase database) : IArchiveUploader
{
    public async Task<IReadOnlyList<ArchiveUploadResult>> UploadAsync(IReadOnlyList<ArchiveUploadItem> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        var results = new List<ArchiveUploadResult>(items.Count);
        foreach (var item in items)
        {
            await using var stream = new FileStream(item.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan);
            var result = await ingest.IngestAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
            results.Add(result.Succeeded
                ? ArchiveUploadResult.Stored
                : StowRsArchiveUploader.Verdict(result.FailureReason, $"refused by the archive ({result.FailureReason:X4}H): {result.FailureDescription}"));
        }

        return results;
    }

    public async Task<IReadOnlyDictionary<string, string>> FindStoredAsync(IReadOnlyCollection<string> sopInstanceUids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sopInstanceUids);
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var db = database.CreateContext();
        foreach (var chunk in sopInstanceUids.Chunk(200))
        {
            // Only committed versions count: a Creating row was never acknowledged (docs/archive.md).
            var rows = await db.Instances.AsNoTracking()
                .Where(i => chunk.Contains(i.SopInstanceUid) && i.Status == InstanceStatus.Created)
                .Select(i => new { i.SopInstanceUid, i.SopClassUid })
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var row in rows)
            {
                found[row.SopInstanceUid] = row.SopClassUid;
            }
        }

        return found;
    }
}
