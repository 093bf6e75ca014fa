using Pacs.Dicom;
using Pacs.Gateway.Archive;

namespace Pacs.Gateway.Worklist;

/// <summary>
/// Where Modality Worklist items come from (PS3.4 K.6.1: one Scheduled Procedure Step each, with its requested
/// procedure, imaging service request, visit and patient attributes at the top level). Without one registered the
/// gateway refuses the Modality Worklist presentation context at association time; with one it answers C-FIND on it.
/// </summary>
public interface IWorklistSource
{
    /// <summary>
    /// The worklist items that may match. <paramref name="keys"/> are the request's matching keys (keys inside the
    /// Scheduled Procedure Step Sequence carry it as <see cref="ArchiveMatchKey.SequenceTag"/>), given so a source can
    /// narrow its search; it may return more than match, because the gateway applies every key to what is returned with
    /// PS3.4 C.2.2.2 semantics before answering.
    /// </summary>
    IAsyncEnumerable<DicomDataset> FindAsync(IReadOnlyList<ArchiveMatchKey> keys, CancellationToken cancellationToken);
}
