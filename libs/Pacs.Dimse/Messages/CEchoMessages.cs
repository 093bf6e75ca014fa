using Pacs.Dicom;

namespace Pacs.Dimse;

/// <summary>C-ECHO-RQ (PS3.7 9.3.5.1): verification.</summary>
public sealed class CEchoRequest : DimseRequest
{
    public CEchoRequest(string sopClassUid = DicomUid.Verification)
        : base(DimseCommandField.CEchoRequest, hasDataset: false)
    {
        AffectedSopClassUid = sopClassUid;
    }

    internal CEchoRequest(DicomDataset command)
        : base(command)
    {
    }
}

/// <summary>C-ECHO-RSP (PS3.7 9.3.5.2).</summary>
public sealed class CEchoResponse : DimseResponse
{
    public CEchoResponse(CEchoRequest request, DimseStatus status)
        : base(DimseCommandField.CEchoResponse, request, status)
    {
    }

    internal CEchoResponse(DicomDataset command)
        : base(command)
    {
    }
}
