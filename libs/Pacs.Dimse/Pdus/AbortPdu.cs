namespace Pacs.Dimse;

/// <summary>Who sent an A-ABORT (PS3.8 Table 9-26).</summary>
public enum AbortSource : byte
{
    ServiceUser = 0,
    Reserved = 1,
    ServiceProvider = 2,
}

/// <summary>Why the service provider aborted (PS3.8 Table 9-26; meaningful only with <see cref="AbortSource.ServiceProvider"/>).</summary>
public enum AbortReason : byte
{
    NotSpecified = 0,
    UnrecognizedPdu = 1,
    UnexpectedPdu = 2,
    Reserved = 3,
    UnrecognizedPduParameter = 4,
    UnexpectedPduParameter = 5,
    InvalidPduParameterValue = 6,
}

/// <summary>A-ABORT (PS3.8 9.3.8).</summary>
public sealed class AbortPdu : Pdu
{
    public AbortPdu(AbortSource source, AbortReason reason)
    {
        Source = source;
        Reason = reason;
    }

    public override PduType Type => PduType.Abort;

    public AbortSource Source { get; }

    public AbortReason Reason { get; }

    public override string ToString() => Source == AbortSource.ServiceProvider ? $"A-ABORT by the service provider ({Reason})" : $"A-ABORT by the {Source}";
}
