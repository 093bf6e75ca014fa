using System.Globalization;

namespace Pacs.Dimse;

/// <summary>The class a status code belongs to (PS3.7 Annex C).</summary>
public enum DimseStatusCategory
{
    Success,
    Pending,
    Cancel,
    Warning,
    Failure,
}

/// <summary>
/// A DIMSE status (0000,0900), with the codes of PS3.7 Annex C and PS3.4 named. <see cref="Category"/> classifies any
/// code, named or not, by the ranges of PS3.7 C.1.
/// </summary>
public readonly record struct DimseStatus(ushort Code)
{
    // ---- PS3.7 C.1: general
    public static readonly DimseStatus Success = new(0x0000);
    public static readonly DimseStatus Pending = new(0xFF00);

    /// <summary>C-FIND pending: one or more optional keys were not supported for matching (PS3.4 C.4.1.1.4).</summary>
    public static readonly DimseStatus PendingWarningOptionalKeysNotSupported = new(0xFF01);
    public static readonly DimseStatus Cancel = new(0xFE00);

    // ---- PS3.7 C.3 to C.5: warnings
    public static readonly DimseStatus AttributeListError = new(0x0107);
    public static readonly DimseStatus AttributeValueOutOfRange = new(0x0116);

    /// <summary>C-STORE: coercion of data elements; C-MOVE/C-GET: sub-operations complete, one or more failures or warnings.</summary>
    public static readonly DimseStatus WarningSubOperationsCompleteOneOrMoreFailures = new(0xB000);
    public static readonly DimseStatus WarningCoercionOfDataElements = new(0xB000);
    public static readonly DimseStatus WarningDataSetDoesNotMatchSopClass = new(0xB007);
    public static readonly DimseStatus WarningElementsDiscarded = new(0xB006);

    // ---- failures
    public static readonly DimseStatus NoSuchAttribute = new(0x0105);
    public static readonly DimseStatus InvalidAttributeValue = new(0x0106);
    public static readonly DimseStatus ProcessingFailure = new(0x0110);
    public static readonly DimseStatus DuplicateSopInstance = new(0x0111);
    public static readonly DimseStatus NoSuchSopInstance = new(0x0112);
    public static readonly DimseStatus NoSuchEventType = new(0x0113);
    public static readonly DimseStatus NoSuchArgument = new(0x0114);
    public static readonly DimseStatus InvalidArgumentValue = new(0x0115);
    public static readonly DimseStatus InvalidObjectInstance = new(0x0117);
    public static readonly DimseStatus NoSuchSopClass = new(0x0118);
    public static readonly DimseStatus ClassInstanceConflict = new(0x0119);
    public static readonly DimseStatus MissingAttribute = new(0x0120);
    public static readonly DimseStatus MissingAttributeValue = new(0x0121);
    public static readonly DimseStatus SopClassNotSupported = new(0x0122);
    public static readonly DimseStatus NoSuchActionType = new(0x0123);
    public static readonly DimseStatus NotAuthorized = new(0x0124);
    public static readonly DimseStatus DuplicateInvocation = new(0x0210);
    public static readonly DimseStatus UnrecognizedOperation = new(0x0211);
    public static readonly DimseStatus MistypedArgument = new(0x0212);
    public static readonly DimseStatus ResourceLimitation = new(0x0213);

    /// <summary>C-STORE: refused, out of resources (PS3.4 B.2.3).</summary>
    public static readonly DimseStatus OutOfResources = new(0xA700);

    /// <summary>C-FIND/C-MOVE/C-GET: refused, out of resources, unable to calculate number of matches (PS3.4 C.4).</summary>
    public static readonly DimseStatus OutOfResourcesUnableToCalculateMatches = new(0xA701);

    /// <summary>C-MOVE/C-GET: refused, out of resources, unable to perform sub-operations (PS3.4 C.4.2.1.5).</summary>
    public static readonly DimseStatus OutOfResourcesUnableToPerformSubOperations = new(0xA702);

    /// <summary>C-MOVE: refused, move destination unknown (PS3.4 C.4.2.1.5).</summary>
    public static readonly DimseStatus MoveDestinationUnknown = new(0xA801);

    /// <summary>C-STORE: data set does not match SOP class; C-FIND/MOVE/GET: identifier does not match SOP class.</summary>
    public static readonly DimseStatus DataSetDoesNotMatchSopClass = new(0xA900);

    /// <summary>C-FIND/MOVE/GET: failed, sub-operations all failed (PS3.4 C.4.2.1.5, A702 family ends here).</summary>
    public static readonly DimseStatus UnableToProcess = new(0xC000);

    /// <summary>C-STORE: error, cannot understand (0xC000–0xCFFF range, PS3.4 B.2.3).</summary>
    public static readonly DimseStatus CannotUnderstand = new(0xC000);

    public DimseStatusCategory Category => Code switch
    {
        0x0000 => DimseStatusCategory.Success,
        0xFF00 or 0xFF01 => DimseStatusCategory.Pending,
        0xFE00 => DimseStatusCategory.Cancel,
        0x0001 or 0x0107 or 0x0116 => DimseStatusCategory.Warning,
        >= 0xB000 and <= 0xBFFF => DimseStatusCategory.Warning,
        _ => DimseStatusCategory.Failure,
    };

    public bool IsSuccess => Category == DimseStatusCategory.Success;

    public bool IsPending => Category == DimseStatusCategory.Pending;

    public bool IsWarning => Category == DimseStatusCategory.Warning;

    public bool IsFailure => Category == DimseStatusCategory.Failure;

    /// <summary>True for the final, non-failing outcomes: success and warning.</summary>
    public bool IsSuccessOrWarning => Category is DimseStatusCategory.Success or DimseStatusCategory.Warning;

    public override string ToString() => $"0x{Code.ToString("X4", CultureInfo.InvariantCulture)} ({Category})";
}
