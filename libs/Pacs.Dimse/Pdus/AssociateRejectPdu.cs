namespace Pacs.Dimse;

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
