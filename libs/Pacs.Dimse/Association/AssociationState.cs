namespace Pacs.Dimse;

/// <summary>The states of the DICOM upper layer protocol machine (PS3.8 9.2.1, Table 9-1), numbered as there.</summary>
public enum AssociationState
{
    /// <summary>Sta1: idle; no transport connection.</summary>
    Sta1Idle = 1,

    /// <summary>Sta2: transport connection open, awaiting A-ASSOCIATE-RQ PDU (ARTIM running).</summary>
    Sta2AwaitingAssociateRequest = 2,

    /// <summary>Sta3: awaiting the local A-ASSOCIATE response primitive (the application's decision).</summary>
    Sta3AwaitingLocalAssociateResponse = 3,

    /// <summary>Sta4: awaiting the transport connection to open.</summary>
    Sta4AwaitingTransportOpen = 4,

    /// <summary>Sta5: awaiting A-ASSOCIATE-AC or A-ASSOCIATE-RJ PDU.</summary>
    Sta5AwaitingAssociateResponse = 5,

    /// <summary>Sta6: association established, ready for data transfer.</summary>
    Sta6Established = 6,

    /// <summary>Sta7: awaiting A-RELEASE-RP PDU.</summary>
    Sta7AwaitingReleaseResponse = 7,

    /// <summary>Sta8: awaiting the local A-RELEASE response primitive.</summary>
    Sta8AwaitingLocalReleaseResponse = 8,

    /// <summary>Sta9: release collision, requestor side, awaiting the local A-RELEASE response primitive.</summary>
    Sta9CollisionRequestorAwaitingLocalResponse = 9,

    /// <summary>Sta10: release collision, acceptor side, awaiting A-RELEASE-RP PDU.</summary>
    Sta10CollisionAcceptorAwaitingReleaseResponse = 10,

    /// <summary>Sta11: release collision, requestor side, awaiting A-RELEASE-RP PDU.</summary>
    Sta11CollisionRequestorAwaitingReleaseResponse = 11,

    /// <summary>Sta12: release collision, acceptor side, awaiting the local A-RELEASE response primitive.</summary>
    Sta12CollisionAcceptorAwaitingLocalResponse = 12,

    /// <summary>Sta13: awaiting transport connection close; the association no longer exists (ARTIM running).</summary>
    Sta13AwaitingTransportClose = 13,
}

/// <summary>The events of the protocol machine (PS3.8 9.2.2, Table 9-2), numbered as there.</summary>
public enum AssociationEvent
{
    /// <summary>Evt1: A-ASSOCIATE request primitive from the local user.</summary>
    Evt1LocalAssociateRequest = 1,

    /// <summary>Evt2: transport connection confirm (the connection we asked for is open).</summary>
    Evt2TransportConnectConfirm = 2,

    /// <summary>Evt3: A-ASSOCIATE-AC PDU received.</summary>
    Evt3AssociateAcceptReceived = 3,

    /// <summary>Evt4: A-ASSOCIATE-RJ PDU received.</summary>
    Evt4AssociateRejectReceived = 4,

    /// <summary>Evt5: transport connection indication (a peer connected to us).</summary>
    Evt5TransportConnectIndication = 5,

    /// <summary>Evt6: A-ASSOCIATE-RQ PDU received.</summary>
    Evt6AssociateRequestReceived = 6,

    /// <summary>Evt7: A-ASSOCIATE response primitive (accept) from the local user.</summary>
    Evt7LocalAssociateAccept = 7,

    /// <summary>Evt8: A-ASSOCIATE response primitive (reject) from the local user.</summary>
    Evt8LocalAssociateReject = 8,

    /// <summary>Evt9: P-DATA request primitive from the local user.</summary>
    Evt9LocalPDataRequest = 9,

    /// <summary>Evt10: P-DATA-TF PDU received.</summary>
    Evt10PDataReceived = 10,

    /// <summary>Evt11: A-RELEASE request primitive from the local user.</summary>
    Evt11LocalReleaseRequest = 11,

    /// <summary>Evt12: A-RELEASE-RQ PDU received.</summary>
    Evt12ReleaseRequestReceived = 12,

    /// <summary>Evt13: A-RELEASE-RP PDU received.</summary>
    Evt13ReleaseResponseReceived = 13,

    /// <summary>Evt14: A-RELEASE response primitive from the local user.</summary>
    Evt14LocalReleaseResponse = 14,

    /// <summary>Evt15: A-ABORT request primitive from the local user.</summary>
    Evt15LocalAbortRequest = 15,

    /// <summary>Evt16: A-ABORT PDU received.</summary>
    Evt16AbortReceived = 16,

    /// <summary>Evt17: transport connection closed indication.</summary>
    Evt17TransportClosed = 17,

    /// <summary>Evt18: ARTIM timer expired.</summary>
    Evt18ArtimExpired = 18,

    /// <summary>Evt19: unrecognized or invalid PDU received.</summary>
    Evt19InvalidPduReceived = 19,
}

/// <summary>
/// The actions of the protocol machine (PS3.8 9.2.3, Tables 9-6 to 9-9). <see cref="NotApplicable"/> stands for the
/// cells PS3.8 Table 9-10 leaves empty: the event cannot occur in that state.
/// </summary>
public enum AssociationAction
{
    NotApplicable = 0,

    /// <summary>AE-1: issue TRANSPORT CONNECT request → Sta4.</summary>
    AE1,

    /// <summary>AE-2: send A-ASSOCIATE-RQ PDU → Sta5.</summary>
    AE2,

    /// <summary>AE-3: issue A-ASSOCIATE confirmation (accept) → Sta6.</summary>
    AE3,

    /// <summary>AE-4: issue A-ASSOCIATE confirmation (reject), close transport → Sta1.</summary>
    AE4,

    /// <summary>AE-5: issue transport connection response, start ARTIM → Sta2.</summary>
    AE5,

    /// <summary>AE-6: stop ARTIM; if acceptable issue A-ASSOCIATE indication → Sta3, else send A-ASSOCIATE-RJ, start ARTIM → Sta13.</summary>
    AE6,

    /// <summary>AE-7: send A-ASSOCIATE-AC PDU → Sta6.</summary>
    AE7,

    /// <summary>AE-8: send A-ASSOCIATE-RJ PDU, start ARTIM → Sta13.</summary>
    AE8,

    /// <summary>DT-1: send P-DATA-TF PDU → Sta6.</summary>
    DT1,

    /// <summary>DT-2: issue P-DATA indication → Sta6.</summary>
    DT2,

    /// <summary>AR-1: send A-RELEASE-RQ PDU → Sta7.</summary>
    AR1,

    /// <summary>AR-2: issue A-RELEASE indication → Sta8.</summary>
    AR2,

    /// <summary>AR-3: issue A-RELEASE confirmation, close transport → Sta1.</summary>
    AR3,

    /// <summary>AR-4: send A-RELEASE-RP PDU, start ARTIM → Sta13.</summary>
    AR4,

    /// <summary>AR-5: stop ARTIM → Sta1.</summary>
    AR5,

    /// <summary>AR-6: issue P-DATA indication → Sta7.</summary>
    AR6,

    /// <summary>AR-7: send P-DATA-TF PDU → Sta8.</summary>
    AR7,

    /// <summary>AR-8: issue A-RELEASE indication (release collision) → Sta9 if requestor, else Sta10.</summary>
    AR8,

    /// <summary>AR-9: send A-RELEASE-RP PDU → Sta11.</summary>
    AR9,

    /// <summary>AR-10: issue A-RELEASE confirmation → Sta12.</summary>
    AR10,

    /// <summary>AA-1: send A-ABORT PDU, start (or restart) ARTIM → Sta13.</summary>
    AA1,

    /// <summary>AA-2: stop ARTIM if running, close transport → Sta1.</summary>
    AA2,

    /// <summary>AA-3: issue A-ABORT (or A-P-ABORT) indication, close transport → Sta1.</summary>
    AA3,

    /// <summary>AA-4: issue A-P-ABORT indication → Sta1.</summary>
    AA4,

    /// <summary>AA-5: stop ARTIM → Sta1.</summary>
    AA5,

    /// <summary>AA-6: ignore the PDU → Sta13.</summary>
    AA6,

    /// <summary>AA-7: send A-ABORT PDU → Sta13.</summary>
    AA7,

    /// <summary>AA-8: send A-ABORT PDU (service-provider source), issue A-P-ABORT indication, start ARTIM → Sta13.</summary>
    AA8,
}
