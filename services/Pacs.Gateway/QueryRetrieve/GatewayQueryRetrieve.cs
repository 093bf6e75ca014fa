using System.Runtime.CompilerServices;
using Pacs.Dicom;
using Pacs.Dimse;

namespace Pacs.Gateway.QueryRetrieve;

/// <summary>C-FIND, C-MOVE and C-GET, translated to the archive's QIDO-RS and WADO-RS. (Being built.)</summary>
public class GatewayQueryRetrieve
{
    public virtual async IAsyncEnumerable<DicomDataset> FindAsync(DimseRequestContext context, CFindRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        throw new DimseStatusException(DimseStatus.SopClassNotSupported, "query/retrieve is not available yet");
#pragma warning disable CS0162 // an async iterator needs a yield
        yield break;
#pragma warning restore CS0162
    }

    public virtual async IAsyncEnumerable<DimseSubOperations> MoveAsync(DimseRequestContext context, CMoveRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        throw new DimseStatusException(DimseStatus.SopClassNotSupported, "query/retrieve is not available yet");
#pragma warning disable CS0162
        yield break;
#pragma warning restore CS0162
    }

    public virtual async IAsyncEnumerable<DimseSubOperations> GetAsync(DimseRequestContext context, CGetRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        throw new DimseStatusException(DimseStatus.SopClassNotSupported, "query/retrieve is not available yet");
#pragma warning disable CS0162
        yield break;
#pragma warning restore CS0162
    }
}
