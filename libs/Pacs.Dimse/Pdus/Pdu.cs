namespace Pacs.Dimse;

/// <summary>One upper layer protocol data unit (PS3.8 9.3).</summary>
public abstract class Pdu
{
    public abstract PduType Type { get; }
}

/// <summary>A-RELEASE-RQ (PS3.8 9.3.6): four reserved bytes.</summary>
public sealed class ReleaseRequestPdu : Pdu
{
    public static readonly ReleaseRequestPdu Instance = new();

    public override PduType Type => PduType.ReleaseRequest;
}

/// <summary>A-RELEASE-RP (PS3.8 9.3.7): four reserved bytes.</summary>
public sealed class ReleaseResponsePdu : Pdu
{
    public static readonly ReleaseResponsePdu Instance = new();

    public override PduType Type => PduType.ReleaseResponse;
}
