using Pacs.Dicom;

namespace Pacs.Dimse;

/// <summary>N-CREATE-RQ (PS3.7 10.3.5.1): the attribute list in <see cref="DimseMessage.Dataset"/>.</summary>
public sealed class NCreateRequest : DimseNRequest
{
    public NCreateRequest(string sopClassUid, string? sopInstanceUid, DicomDataset? attributes)
        : base(DimseCommandField.NCreateRequest, hasDataset: false)
    {
        AffectedSopClassUid = sopClassUid;
        AffectedSopInstanceUid = sopInstanceUid;
        Dataset = attributes;
    }

    internal NCreateRequest(DicomDataset command)
        : base(command)
    {
    }
}

/// <summary>N-CREATE-RSP (PS3.7 10.3.5.2): carries the instance UID the performer assigned when the request had none.</summary>
public sealed class NCreateResponse : DimseNResponse
{
    public NCreateResponse(NCreateRequest request, DimseStatus status, DicomDataset? attributes = null)
        : base(DimseCommandField.NCreateResponse, request, status, attributes)
    {
    }

    internal NCreateResponse(DicomDataset command)
        : base(command)
    {
    }
}
