using Pacs.Dicom;

namespace Pacs.Dimse;

/// <summary>C-CANCEL-RQ (PS3.7 9.3.2.3): asks the performer to stop the C-FIND, C-GET or C-MOVE with the given message ID.</summary>
public sealed class CCancelRequest : DimseMessage
{
    public CCancelRequest(ushort messageIdBeingCancelled)
        : base(DimseCommandField.CCancelRequest, hasDataset: false)
    {
        MessageIdBeingRespondedTo = messageIdBeingCancelled;
    }

    internal CCancelRequest(DicomDataset command)
        : base(command)
    {
    }

    public ushort MessageIdBeingRespondedTo
    {
        get => GetUInt16(DicomTag.MessageIDBeingRespondedTo) ?? 0;
        set => SetUInt16(DicomTag.MessageIDBeingRespondedTo, value);
    }

    protected override string Describe() => $"of message {MessageIdBeingRespondedTo}";
}
