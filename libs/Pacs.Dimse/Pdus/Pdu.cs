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

/// <summary>A-ASSOCIATE-RJ result (PS3.8 Table 9-21).</summary>
public enum AssociateRejectResult : byte
{
    RejectedPermanent = 1,
    RejectedTransient = 2,
}

/// <summary>A-ASSOCIATE-RJ source (PS3.8 Table 9-21).</summary>
public enum AssociateRejectSource : byte
{
    ServiceUser = 1,
    ServiceProviderAcse = 2,
    ServiceProviderPresentation = 3,
}

/// <summary>
/// A-ASSOCIATE-RJ reason/diagnostic (PS3.8 Table 9-21). The same byte means different things by source, so the values
/// are named with their source.
/// </summary>
public static class AssociateRejectReason
{
    // Source 1: DICOM UL service-user.
    public const byte UserNoReasonGiven = 1;
    public const byte UserApplicationContextNameNotSupported = 2;
    public const byte UserCallingAeTitleNotRecognized = 3;
    public const byte UserCalledAeTitleNotRecognized = 7;

    // Source 2: DICOM UL service-provider (ACSE related function).
    public const byte AcseNoReasonGiven = 1;
    public const byte AcseProtocolVersionNotSupported = 2;

    // Source 3: DICOM UL service-provider (presentation related function).
    public const byte PresentationTemporaryCongestion = 1;
    public const byte PresentationLocalLimitExceeded = 2;
}

/// <summary>A-ASSOCIATE-RJ (PS3.8 9.3.4).</summary>
public sealed class AssociateRejectPdu : Pdu
{
    public AssociateRejectPdu(AssociateRejectResult result, AssociateRejectSource source, byte reason)
    {
        Result = result;
        Source = source;
        Reason = reason;
    }

    public override PduType Type => PduType.AssociateReject;

    public AssociateRejectResult Result { get; }

    public AssociateRejectSource Source { get; }

    public byte Reason { get; }

    /// <summary>The rejection in words, e.g. "rejected-permanent by the service-user: called-AE-title-not-recognized".</summary>
    public string Describe()
    {
        var result = Result == AssociateRejectResult.RejectedPermanent ? "rejected-permanent" : Result == AssociateRejectResult.RejectedTransient ? "rejected-transient" : $"result {(byte)Result}";
        var (source, reason) = (Source, Reason) switch
        {
            (AssociateRejectSource.ServiceUser, AssociateRejectReason.UserNoReasonGiven) => ("service-user", "no-reason-given"),
            (AssociateRejectSource.ServiceUser, AssociateRejectReason.UserApplicationContextNameNotSupported) => ("service-user", "application-context-name-not-supported"),
            (AssociateRejectSource.ServiceUser, AssociateRejectReason.UserCallingAeTitleNotRecognized) => ("service-user", "calling-AE-title-not-recognized"),
            (AssociateRejectSource.ServiceUser, AssociateRejectReason.UserCalledAeTitleNotRecognized) => ("service-user", "called-AE-title-not-recognized"),
            (AssociateRejectSource.ServiceProviderAcse, AssociateRejectReason.AcseNoReasonGiven) => ("service-provider (ACSE)", "no-reason-given"),
            (AssociateRejectSource.ServiceProviderAcse, AssociateRejectReason.AcseProtocolVersionNotSupported) => ("service-provider (ACSE)", "protocol-version-not-supported"),
            (AssociateRejectSource.ServiceProviderPresentation, AssociateRejectReason.PresentationTemporaryCongestion) => ("service-provider (presentation)", "temporary-congestion"),
            (AssociateRejectSource.ServiceProviderPresentation, AssociateRejectReason.PresentationLocalLimitExceeded) => ("service-provider (presentation)", "local-limit-exceeded"),
            _ => ($"source {(byte)Source}", $"reason {Reason}"),
        };
        return $"{result} by the {source}: {reason}";
    }

    public override string ToString() => "A-ASSOCIATE-RJ " + Describe();
}
