using static Pacs.Dimse.AssociationAction;

namespace Pacs.Dimse;

/// <summary>
/// PS3.8 Table 9-10, the DICOM upper layer state transition table, as one table: a row per event, a column per state,
/// the action in each cell. Hold it next to the standard; the cells read the same. The next state follows from the
/// action (PS3.8 Tables 9-6 to 9-9), except for AE-6 and AR-8, whose outcome depends on the request's acceptability
/// and on which side requested the association.
/// </summary>
public static class AssociationStateTable
{
    private const AssociationAction __ = NotApplicable;

    private static readonly AssociationAction[][] Table =
    [
        //                                        Sta1  Sta2  Sta3  Sta4  Sta5  Sta6  Sta7  Sta8  Sta9  Sta10 Sta11 Sta12 Sta13
        /* Evt1  A-ASSOCIATE request (local)  */ [AE1,  __,   __,   __,   __,   __,   __,   __,   __,   __,   __,   __,   __],
        /* Evt2  transport connect confirm    */ [__,   __,   __,   AE2,  __,   __,   __,   __,   __,   __,   __,   __,   __],
        /* Evt3  A-ASSOCIATE-AC PDU           */ [__,   AA1,  AA8,  __,   AE3,  AA8,  AA8,  AA8,  AA8,  AA8,  AA8,  AA8,  AA6],
        /* Evt4  A-ASSOCIATE-RJ PDU           */ [__,   AA1,  AA8,  __,   AE4,  AA8,  AA8,  AA8,  AA8,  AA8,  AA8,  AA8,  AA6],
        /* Evt5  transport connect indication */ [AE5,  __,   __,   __,   __,   __,   __,   __,   __,   __,   __,   __,   __],
        /* Evt6  A-ASSOCIATE-RQ PDU           */ [__,   AE6,  AA8,  __,   AA8,  AA8,  AA8,  AA8,  AA8,  AA8,  AA8,  AA8,  AA7],
        /* Evt7  A-ASSOCIATE response accept  */ [__,   __,   AE7,  __,   __,   __,   __,   __,   __,   __,   __,   __,   __],
        /* Evt8  A-ASSOCIATE response reject  */ [__,   __,   AE8,  __,   __,   __,   __,   __,   __,   __,   __,   __,   __],
        /* Evt9  P-DATA request (local)       */ [__,   __,   __,   __,   __,   DT1,  __,   AR7,  __,   __,   __,   __,   __],
        /* Evt10 P-DATA-TF PDU                */ [__,   AA1,  AA8,  __,   AA8,  DT2,  AR6,  AA8,  AA8,  AA8,  AA8,  AA8,  AA6],
        /* Evt11 A-RELEASE request (local)    */ [__,   __,   __,   __,   __,   AR1,  __,   __,   __,   __,   __,   __,   __],
        /* Evt12 A-RELEASE-RQ PDU             */ [__,   AA1,  AA8,  __,   AA8,  AR2,  AR8,  AA8,  AA8,  AA8,  AA8,  AA8,  AA6],
        /* Evt13 A-RELEASE-RP PDU             */ [__,   AA1,  AA8,  __,   AA8,  AA8,  AR3,  AA8,  AA8,  AR10, AR3,  AA8,  AA6],
        /* Evt14 A-RELEASE response (local)   */ [__,   __,   __,   __,   __,   __,   __,   AR4,  AR9,  __,   __,   AR4,  __],
        /* Evt15 A-ABORT request (local)      */ [__,   __,   AA1,  AA2,  AA1,  AA1,  AA1,  AA1,  AA1,  AA1,  AA1,  AA1,  __],
        /* Evt16 A-ABORT PDU                  */ [__,   AA2,  AA3,  __,   AA3,  AA3,  AA3,  AA3,  AA3,  AA3,  AA3,  AA3,  AA2],
        /* Evt17 transport closed             */ [__,   AA5,  AA4,  AA4,  AA4,  AA4,  AA4,  AA4,  AA4,  AA4,  AA4,  AA4,  AR5],
        /* Evt18 ARTIM expired                */ [__,   AA2,  __,   __,   __,   __,   __,   __,   __,   __,   __,   __,   AA2],
        /* Evt19 invalid or unknown PDU       */ [__,   AA1,  AA8,  __,   AA8,  AA8,  AA8,  AA8,  AA8,  AA8,  AA8,  AA8,  AA7],
    ];

    /// <summary>The action PS3.8 Table 9-10 prescribes for <paramref name="evt"/> in <paramref name="state"/>.</summary>
    public static AssociationAction Lookup(AssociationState state, AssociationEvent evt) => Table[(int)evt - 1][(int)state - 1];

    /// <summary>
    /// The state an action leads to (PS3.8 Tables 9-6 to 9-9). <paramref name="isRequestor"/> decides AR-8 (Sta9 for the
    /// association-requestor, Sta10 for the acceptor); <paramref name="requestAcceptable"/> decides AE-6 (Sta3 when the
    /// service provider can accept the A-ASSOCIATE-RQ, Sta13 after sending A-ASSOCIATE-RJ otherwise).
    /// </summary>
    public static AssociationState NextState(AssociationAction action, bool isRequestor, bool requestAcceptable = true) => action switch
    {
        AE1 => AssociationState.Sta4AwaitingTransportOpen,
        AE2 => AssociationState.Sta5AwaitingAssociateResponse,
        AE3 => AssociationState.Sta6Established,
        AE4 => AssociationState.Sta1Idle,
        AE5 => AssociationState.Sta2AwaitingAssociateRequest,
        AE6 => requestAcceptable ? AssociationState.Sta3AwaitingLocalAssociateResponse : AssociationState.Sta13AwaitingTransportClose,
        AE7 => AssociationState.Sta6Established,
        AE8 => AssociationState.Sta13AwaitingTransportClose,
        DT1 or DT2 => AssociationState.Sta6Established,
        AR1 => AssociationState.Sta7AwaitingReleaseResponse,
        AR2 => AssociationState.Sta8AwaitingLocalReleaseResponse,
        AR3 => AssociationState.Sta1Idle,
        AR4 => AssociationState.Sta13AwaitingTransportClose,
        AR5 => AssociationState.Sta1Idle,
        AR6 => AssociationState.Sta7AwaitingReleaseResponse,
        AR7 => AssociationState.Sta8AwaitingLocalReleaseResponse,
        AR8 => isRequestor ? AssociationState.Sta9CollisionRequestorAwaitingLocalResponse : AssociationState.Sta10CollisionAcceptorAwaitingReleaseResponse,
        AR9 => AssociationState.Sta11CollisionRequestorAwaitingReleaseResponse,
        AR10 => AssociationState.Sta12CollisionAcceptorAwaitingLocalResponse,
        AA1 or AA6 or AA7 or AA8 => AssociationState.Sta13AwaitingTransportClose,
        AA2 or AA3 or AA4 or AA5 => AssociationState.Sta1Idle,
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "PS3.8 Table 9-10 defines no action for this cell; the event cannot occur in this state."),
    };

    /// <summary>True for the events the local user raises (primitives), as opposed to the peer, the transport or the timer.</summary>
    public static bool IsLocalPrimitive(AssociationEvent evt) => evt is AssociationEvent.Evt1LocalAssociateRequest or AssociationEvent.Evt7LocalAssociateAccept
        or AssociationEvent.Evt8LocalAssociateReject or AssociationEvent.Evt9LocalPDataRequest or AssociationEvent.Evt11LocalReleaseRequest
        or AssociationEvent.Evt14LocalReleaseResponse or AssociationEvent.Evt15LocalAbortRequest;
}
