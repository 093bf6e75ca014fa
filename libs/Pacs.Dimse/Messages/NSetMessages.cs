using Pacs.Dicom;

namespace Pacs.Dimse;

/// <summary>N-SET-RQ (PS3.7 10.3.3.1): the modification list in <see cref="DimseMessage.Dataset"/>.</summary>
public sealed class NSetRequest : DimseNRequest
{
    public NSetRequest(string sopClassUid, string sopInstanceUid, DicomDataset modifications)
        : base(DimseCommandField.NSetRequest, hasDataset: true)
    {
        RequestedSopClassUid = sopClassUid;
        RequestedSopInstanceUid = sopInstanceUid;
        Dataset = modifications;
    }

    internal NSetRequest(DicomDataset command)
        : base(command)
    {
    }
}

/// <summary>N-SET-RSP (PS3.7 10.3.3.2).</summary>
public sealed class NSetResponse : DimseNResponse
{
    public NSetResponse(NSetRequest request, DimseStatus status, DicomDataset? attributes = null)
        : base(DimseCommandField.NSetResponse, request, status, attributes)
    {
    }

    internal NSetResponse(DicomDataset command)
        : base(command)
    {
    }
}
