namespace Pacs.Dimse;

/// <summary>Base of every error the DIMSE library raises.</summary>
public class DimseException : Exception
{
    public DimseException(string message)
        : base(message)
    {
    }

    public DimseException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The peer refused the association (A-ASSOCIATE-RJ, PS3.8 9.3.4).</summary>
public sealed class DimseAssociationRejectedException : DimseException
{
    public DimseAssociationRejectedException(AssociateRejectPdu reject)
        : base($"The association was rejected: {reject.Describe()}.")
    {
        Reject = reject;
    }

    public AssociateRejectPdu Reject { get; }
}

/// <summary>The association ended by A-ABORT (from either side), by a protocol error, a timeout or a closed connection.</summary>
public sealed class DimseAssociationAbortedException : DimseException
{
    public DimseAssociationAbortedException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>A wait took longer than its configured timeout (<see cref="DimseTimeouts"/>).</summary>
public sealed class DimseTimeoutException : DimseException
{
    public DimseTimeoutException(string message)
        : base(message)
    {
    }
}

/// <summary>
/// Thrown by an application's service handler to answer a request with a DIMSE status other than success (e.g. out of
/// resources, SOP class not supported), with an optional error comment (0000,0902).
/// </summary>
public sealed class DimseStatusException : DimseException
{
    public DimseStatusException(DimseStatus status, string? errorComment = null)
        : base(errorComment is null ? $"DIMSE status {status}" : $"DIMSE status {status}: {errorComment}")
    {
        Status = status;
        ErrorComment = errorComment;
    }

    public DimseStatus Status { get; }

    public string? ErrorComment { get; }
}
