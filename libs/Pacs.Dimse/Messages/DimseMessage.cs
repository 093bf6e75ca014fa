using Pacs.Dicom;

namespace Pacs.Dimse;

/// <summary>
/// A DIMSE message (PS3.7 6.3): a command set (group 0000, always Implicit VR Little Endian) and, when
/// <see cref="HasDataset"/>, a data set in the presentation context's transfer syntax. The typed properties of the
/// subclasses read and write the command set itself, so what is sent is exactly what the properties say.
/// </summary>
public abstract class DimseMessage
{
    /// <summary>Command Data Set Type (0000,0800): 0101H means no data set (PS3.7 E.1).</summary>
    public const ushort NoDataSet = 0x0101;

    /// <summary>The value this library sends when a data set follows (any value but 0101H means one does).</summary>
    public const ushort DataSetPresent = 0x0000;

    protected DimseMessage(DimseCommandField commandField, bool hasDataset)
    {
        Command = new DicomDataset();
        Command.SetValues(DicomTag.CommandGroupLength, DicomVR.UL, 0u);
        SetUInt16(DicomTag.CommandField, (ushort)commandField);
        HasDataset = hasDataset;
    }

    protected DimseMessage(DicomDataset command)
    {
        Command = command;
    }

    /// <summary>The command set; group length (0000,0000) is recomputed when written.</summary>
    public DicomDataset Command { get; }

    public DimseCommandField CommandField => (DimseCommandField)(GetUInt16(DicomTag.CommandField) ?? 0);

    public bool IsRequest => ((ushort)CommandField & 0x8000) == 0;

    /// <summary>Whether a data set follows the command (Command Data Set Type is not 0101H).</summary>
    public bool HasDataset
    {
        get => GetUInt16(DicomTag.CommandDataSetType) is { } type && type != NoDataSet;
        set => SetUInt16(DicomTag.CommandDataSetType, value ? DataSetPresent : NoDataSet);
    }

    /// <summary>
    /// The data set when it is held in memory (identifiers, attribute lists, event information). Null for C-STORE, whose
    /// data set is streamed. Setting it sets <see cref="HasDataset"/>.
    /// </summary>
    public DicomDataset? Dataset
    {
        get => _dataset;
        set
        {
            _dataset = value;
            HasDataset = value is not null;
        }
    }

    private DicomDataset? _dataset;

    /// <summary>Affected SOP Class UID (0000,0002).</summary>
    public string? AffectedSopClassUid
    {
        get => GetString(DicomTag.AffectedSOPClassUID);
        set => SetString(DicomTag.AffectedSOPClassUID, DicomVR.UI, value);
    }

    /// <summary>Affected SOP Instance UID (0000,1000).</summary>
    public string? AffectedSopInstanceUid
    {
        get => GetString(DicomTag.AffectedSOPInstanceUID);
        set => SetString(DicomTag.AffectedSOPInstanceUID, DicomVR.UI, value);
    }

    public override string ToString() => $"{CommandField} ({Describe()})";

    /// <summary>Short description for logs: the identifying fields of the message.</summary>
    protected abstract string Describe();

    /// <summary>Wraps a received command set in the message class its Command Field names (PS3.7 E.1).</summary>
    public static DimseMessage FromCommand(DicomDataset command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var field = command.GetUInt16(DicomTag.CommandField)
            ?? throw new DimseException("The command set has no Command Field (0000,0100) (PS3.7 E.1).");
        return (DimseCommandField)field switch
        {
            DimseCommandField.CEchoRequest => new CEchoRequest(command),
            DimseCommandField.CEchoResponse => new CEchoResponse(command),
            DimseCommandField.CStoreRequest => new CStoreRequest(command),
            DimseCommandField.CStoreResponse => new CStoreResponse(command),
            DimseCommandField.CFindRequest => new CFindRequest(command),
            DimseCommandField.CFindResponse => new CFindResponse(command),
            DimseCommandField.CMoveRequest => new CMoveRequest(command),
            DimseCommandField.CMoveResponse => new CMoveResponse(command),
            DimseCommandField.CGetRequest => new CGetRequest(command),
            DimseCommandField.CGetResponse => new CGetResponse(command),
            DimseCommandField.CCancelRequest => new CCancelRequest(command),
            DimseCommandField.NEventReportRequest => new NEventReportRequest(command),
            DimseCommandField.NEventReportResponse => new NEventReportResponse(command),
            DimseCommandField.NGetRequest => new NGetRequest(command),
            DimseCommandField.NGetResponse => new NGetResponse(command),
            DimseCommandField.NSetRequest => new NSetRequest(command),
            DimseCommandField.NSetResponse => new NSetResponse(command),
            DimseCommandField.NActionRequest => new NActionRequest(command),
            DimseCommandField.NActionResponse => new NActionResponse(command),
            DimseCommandField.NCreateRequest => new NCreateRequest(command),
            DimseCommandField.NCreateResponse => new NCreateResponse(command),
            DimseCommandField.NDeleteRequest => new NDeleteRequest(command),
            DimseCommandField.NDeleteResponse => new NDeleteResponse(command),
            _ => throw new DimseException($"Command Field 0x{field:X4} is not a DIMSE command of PS3.7 E.1."),
        };
    }

    protected ushort? GetUInt16(DicomTag tag) => Command.GetUInt16(tag);

    protected void SetUInt16(DicomTag tag, ushort? value)
    {
        if (value is null)
        {
            Command.Remove(tag);
        }
        else
        {
            Command.SetValues(tag, DicomVR.US, value.Value);
        }
    }

    protected string? GetString(DicomTag tag) => Command.GetString(tag) is { Length: > 0 } text ? text : null;

    protected void SetString(DicomTag tag, DicomVR vr, string? value)
    {
        if (value is null)
        {
            Command.Remove(tag);
        }
        else
        {
            Command.Set(tag, vr, value);
        }
    }
}

/// <summary>A request: it carries a Message ID (0000,0110) that its responses refer to.</summary>
public abstract class DimseRequest : DimseMessage
{
    protected DimseRequest(DimseCommandField commandField, bool hasDataset)
        : base(commandField, hasDataset)
    {
    }

    protected DimseRequest(DicomDataset command)
        : base(command)
    {
    }

    /// <summary>Message ID (0000,0110); the association assigns it when the request is sent.</summary>
    public ushort MessageId
    {
        get => GetUInt16(DicomTag.MessageID) ?? 0;
        set => SetUInt16(DicomTag.MessageID, value);
    }

    protected override string Describe() => $"message {MessageId}";
}

/// <summary>A response: Message ID Being Responded To (0000,0120), Status (0000,0900) and its error fields.</summary>
public abstract class DimseResponse : DimseMessage
{
    protected DimseResponse(DimseCommandField commandField, DimseRequest? request, DimseStatus status, bool hasDataset = false)
        : base(commandField, hasDataset)
    {
        if (request is not null)
        {
            MessageIdBeingRespondedTo = request.MessageId;
            AffectedSopClassUid = request.AffectedSopClassUid;
        }

        Status = status;
    }

    protected DimseResponse(DicomDataset command)
        : base(command)
    {
    }

    public ushort MessageIdBeingRespondedTo
    {
        get => GetUInt16(DicomTag.MessageIDBeingRespondedTo) ?? 0;
        set => SetUInt16(DicomTag.MessageIDBeingRespondedTo, value);
    }

    public DimseStatus Status
    {
        get => new(GetUInt16(DicomTag.Status) ?? 0xC000);
        set => SetUInt16(DicomTag.Status, value.Code);
    }

    /// <summary>Error Comment (0000,0902): free text explaining a failure or warning (64 characters at most).</summary>
    public string? ErrorComment
    {
        get => GetString(DicomTag.ErrorComment);
        set => SetString(DicomTag.ErrorComment, DicomVR.LO, value is { Length: > 64 } ? value[..64] : value);
    }

    /// <summary>Offending Element (0000,0901): the tags a failure refers to.</summary>
    public IReadOnlyList<DicomTag> OffendingElements
    {
        get => Command.Contains(DicomTag.OffendingElement) ? ReadTags(DicomTag.OffendingElement) : [];
        set => Command.SetTags(DicomTag.OffendingElement, [.. value]);
    }

    /// <summary>Error ID (0000,0903), used by some N-services.</summary>
    public ushort? ErrorId
    {
        get => GetUInt16(DicomTag.ErrorID);
        set => SetUInt16(DicomTag.ErrorID, value);
    }

    protected override string Describe() => $"to message {MessageIdBeingRespondedTo}, status {Status}" + (ErrorComment is { } c ? $": {c}" : string.Empty);

    private DicomTag[] ReadTags(DicomTag tag)
    {
        var count = (int)(Command.Get(tag)?.Length ?? 0) / 4;
        var tags = new DicomTag[count];
        for (var i = 0; i < count; i++)
        {
            tags[i] = Command.GetTag(tag, i) ?? default;
        }

        return tags;
    }
}
