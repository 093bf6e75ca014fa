using Pacs.Dicom;

namespace Pacs.Dimse;

/// <summary>N-GET-RQ (PS3.7 10.3.2.1).</summary>
public sealed class NGetRequest : DimseNRequest
{
    public NGetRequest(string sopClassUid, string sopInstanceUid, params DicomTag[] attributeIdentifiers)
        : base(DimseCommandField.NGetRequest, hasDataset: false)
    {
        RequestedSopClassUid = sopClassUid;
        RequestedSopInstanceUid = sopInstanceUid;
        if (attributeIdentifiers.Length > 0)
        {
            Command.SetTags(DicomTag.AttributeIdentifierList, attributeIdentifiers);
        }
    }

    internal NGetRequest(DicomDataset command)
        : base(command)
    {
    }

    /// <summary>Attribute Identifier List (0000,1005); empty means all attributes.</summary>
    public IReadOnlyList<DicomTag> AttributeIdentifiers
    {
        get
        {
            var count = (int)(Command.Get(DicomTag.AttributeIdentifierList)?.Length ?? 0) / 4;
            return [.. Enumerable.Range(0, count).Select(i => Command.GetTag(DicomTag.AttributeIdentifierList, i) ?? default)];
        }
    }
}

/// <summary>N-GET-RSP (PS3.7 10.3.2.2): the attribute list in <see cref="DimseMessage.Dataset"/>.</summary>
public sealed class NGetResponse : DimseNResponse
{
    public NGetResponse(NGetRequest request, DimseStatus status, DicomDataset? attributes = null)
        : base(DimseCommandField.NGetResponse, request, status, attributes)
    {
    }

    internal NGetResponse(DicomDataset command)
        : base(command)
    {
    }
}
