namespace Pacs.Dimse;

/// <summary>
/// A PDU that breaks PS3.8 9.3: wrong lengths, unknown type, a missing mandatory item. The association is aborted with
/// <see cref="Reason"/> (PS3.8 9.3.8: A-ABORT from the service provider).
/// </summary>
public sealed class DimsePduException : DimseException
{
    public DimsePduException(string message, AbortReason reason = AbortReason.InvalidPduParameterValue)
        : base(message)
    {
        Reason = reason;
    }

    /// <summary>The reason sent in the A-ABORT PDU.</summary>
    public AbortReason Reason { get; }
}
