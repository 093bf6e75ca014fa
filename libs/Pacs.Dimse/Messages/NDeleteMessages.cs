using Pacs.Dicom;

namespace Pacs.Dimse;

/// <summary>N-DELETE-RQ (PS3.7 10.3.6.1).</summary>
public sealed class NDeleteRequest : DimseNRequest
{
    public NDeleteRequest(string sopClassUid, string sopInstanceUid)
        : base(DimseCommandField.NDeleteRequest, hasDataset: false)
    {
        RequestedSopClassUid = sopClassUid;
        RequestedSopInstanceUid = sopInstanceUid;
    }

    internal NDeleteRequest(DicomDataset command)
        : base(command)
    {
    }
}

/// <summary>N-DELETE-RSP (PS3.7 10.3.6.2).</summary>
public sealed class NDeleteResponse : DimseNResponse
{
    public NDeleteResponse(NDeleteRequest request, DimseStatus status)
        : base(DimseCommandField.NDeleteResponse, request, status, null)
    {
    }

    internal NDeleteResponse(DicomDataset command)
        : base(command)
    {
    }
}
