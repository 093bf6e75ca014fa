namespace Pacs.Dimse;

/// <summary>
/// One Presentation Data Value item (PS3.8 9.3.5.1 and Annex E.2): a fragment of a DIMSE message's command set or data
/// set on one presentation context, with the message control header's two flags.
/// </summary>
public readonly record struct PresentationDataValue(byte PresentationContextId, bool IsCommand, bool IsLastFragment, ReadOnlyMemory<byte> Data)
{
    /// <summary>PS3.8 E.2: bit 0 set = command, bit 1 set = last fragment.</summary>
    public byte MessageControlHeader => (byte)((IsCommand ? 0x01 : 0x00) | (IsLastFragment ? 0x02 : 0x00));
}

/// <summary>P-DATA-TF (PS3.8 9.3.5): one or more PDVs.</summary>
public sealed class PDataTfPdu : Pdu
{
    public PDataTfPdu(IReadOnlyList<PresentationDataValue> values)
    {
        Values = values;
    }

    public override PduType Type => PduType.PDataTransfer;

    public IReadOnlyList<PresentationDataValue> Values { get; }
}
