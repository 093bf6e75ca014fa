namespace Pacs.Dimse.Tests.Association;

public sealed class StateTableTests
{
    private static readonly AssociationState[] States = Enum.GetValues<AssociationState>();
    private static readonly AssociationEvent[] Events = Enum.GetValues<AssociationEvent>();

    [Fact]
    public void Every_state_and_event_pair_has_a_defined_cell()
    {
        Assert.Equal(13, States.Length);
        Assert.Equal(19, Events.Length);
        foreach (var state in States)
        {
            foreach (var evt in Events)
            {
                var action = AssociationStateTable.Lookup(state, evt);
                Assert.True(Enum.IsDefined(action), $"{state}/{evt}");
                if (action != AssociationAction.NotApplicable)
                {
                    // Every action leads somewhere, for either side and either outcome of AE-6.
                    foreach (var requestor in new[] { true, false })
                    {
                        Assert.True(Enum.IsDefined(AssociationStateTable.NextState(action, requestor, requestAcceptable: true)));
                        Assert.True(Enum.IsDefined(AssociationStateTable.NextState(action, requestor, requestAcceptable: false)));
                    }
                }
            }
        }
    }

    [Fact]
    public void The_table_leaves_empty_exactly_the_cells_PS3_8_leaves_empty()
    {
        // 13 states × 19 events = 247 cells; 123 of them name an action.
        var defined = States.Sum(s => Events.Count(e => AssociationStateTable.Lookup(s, e) != AssociationAction.NotApplicable));
        Assert.Equal(123, defined);

        // Sta1 reacts only to the local A-ASSOCIATE request and to an incoming connection.
        Assert.Equal([AssociationEvent.Evt1LocalAssociateRequest, AssociationEvent.Evt5TransportConnectIndication],
            Events.Where(e => AssociationStateTable.Lookup(AssociationState.Sta1Idle, e) != AssociationAction.NotApplicable));

        // Sta4 (waiting for our own connect) receives no PDU at all.
        Assert.Equal([AssociationEvent.Evt2TransportConnectConfirm, AssociationEvent.Evt15LocalAbortRequest, AssociationEvent.Evt17TransportClosed],
            Events.Where(e => AssociationStateTable.Lookup(AssociationState.Sta4AwaitingTransportOpen, e) != AssociationAction.NotApplicable));
    }

    [Theory]
    [InlineData(AssociationState.Sta1Idle, AssociationEvent.Evt1LocalAssociateRequest, AssociationAction.AE1, AssociationState.Sta4AwaitingTransportOpen)]
    [InlineData(AssociationState.Sta4AwaitingTransportOpen, AssociationEvent.Evt2TransportConnectConfirm, AssociationAction.AE2, AssociationState.Sta5AwaitingAssociateResponse)]
    [InlineData(AssociationState.Sta5AwaitingAssociateResponse, AssociationEvent.Evt3AssociateAcceptReceived, AssociationAction.AE3, AssociationState.Sta6Established)]
    [InlineData(AssociationState.Sta5AwaitingAssociateResponse, AssociationEvent.Evt4AssociateRejectReceived, AssociationAction.AE4, AssociationState.Sta1Idle)]
    [InlineData(AssociationState.Sta1Idle, AssociationEvent.Evt5TransportConnectIndication, AssociationAction.AE5, AssociationState.Sta2AwaitingAssociateRequest)]
    [InlineData(AssociationState.Sta2AwaitingAssociateRequest, AssociationEvent.Evt6AssociateRequestReceived, AssociationAction.AE6, AssociationState.Sta3AwaitingLocalAssociateResponse)]
    [InlineData(AssociationState.Sta3AwaitingLocalAssociateResponse, AssociationEvent.Evt7LocalAssociateAccept, AssociationAction.AE7, AssociationState.Sta6Established)]
    [InlineData(AssociationState.Sta3AwaitingLocalAssociateResponse, AssociationEvent.Evt8LocalAssociateReject, AssociationAction.AE8, AssociationState.Sta13AwaitingTransportClose)]
    [InlineData(AssociationState.Sta6Established, AssociationEvent.Evt9LocalPDataRequest, AssociationAction.DT1, AssociationState.Sta6Established)]
    [InlineData(AssociationState.Sta6Established, AssociationEvent.Evt10PDataReceived, AssociationAction.DT2, AssociationState.Sta6Established)]
    [InlineData(AssociationState.Sta6Established, AssociationEvent.Evt11LocalReleaseRequest, AssociationAction.AR1, AssociationState.Sta7AwaitingReleaseResponse)]
    [InlineData(AssociationState.Sta6Established, AssociationEvent.Evt12ReleaseRequestReceived, AssociationAction.AR2, AssociationState.Sta8AwaitingLocalReleaseResponse)]
    [InlineData(AssociationState.Sta7AwaitingReleaseResponse, AssociationEvent.Evt13ReleaseResponseReceived, AssociationAction.AR3, AssociationState.Sta1Idle)]
    [InlineData(AssociationState.Sta8AwaitingLocalReleaseResponse, AssociationEvent.Evt14LocalReleaseResponse, AssociationAction.AR4, AssociationState.Sta13AwaitingTransportClose)]
    [InlineData(AssociationState.Sta13AwaitingTransportClose, AssociationEvent.Evt17TransportClosed, AssociationAction.AR5, AssociationState.Sta1Idle)]
    [InlineData(AssociationState.Sta7AwaitingReleaseResponse, AssociationEvent.Evt10PDataReceived, AssociationAction.AR6, AssociationState.Sta7AwaitingReleaseResponse)]
    [InlineData(AssociationState.Sta8AwaitingLocalReleaseResponse, AssociationEvent.Evt9LocalPDataRequest, AssociationAction.AR7, AssociationState.Sta8AwaitingLocalReleaseResponse)]
    [InlineData(AssociationState.Sta9CollisionRequestorAwaitingLocalResponse, AssociationEvent.Evt14LocalReleaseResponse, AssociationAction.AR9, AssociationState.Sta11CollisionRequestorAwaitingReleaseResponse)]
    [InlineData(AssociationState.Sta10CollisionAcceptorAwaitingReleaseResponse, AssociationEvent.Evt13ReleaseResponseReceived, AssociationAction.AR10, AssociationState.Sta12CollisionAcceptorAwaitingLocalResponse)]
    [InlineData(AssociationState.Sta11CollisionRequestorAwaitingReleaseResponse, AssociationEvent.Evt13ReleaseResponseReceived, AssociationAction.AR3, AssociationState.Sta1Idle)]
    [InlineData(AssociationState.Sta12CollisionAcceptorAwaitingLocalResponse, AssociationEvent.Evt14LocalReleaseResponse, AssociationAction.AR4, AssociationState.Sta13AwaitingTransportClose)]
    [InlineData(AssociationState.Sta2AwaitingAssociateRequest, AssociationEvent.Evt18ArtimExpired, AssociationAction.AA2, AssociationState.Sta1Idle)]
    [InlineData(AssociationState.Sta13AwaitingTransportClose, AssociationEvent.Evt18ArtimExpired, AssociationAction.AA2, AssociationState.Sta1Idle)]
    [InlineData(AssociationState.Sta2AwaitingAssociateRequest, AssociationEvent.Evt10PDataReceived, AssociationAction.AA1, AssociationState.Sta13AwaitingTransportClose)]
    [InlineData(AssociationState.Sta2AwaitingAssociateRequest, AssociationEvent.Evt17TransportClosed, AssociationAction.AA5, AssociationState.Sta1Idle)]
    [InlineData(AssociationState.Sta6Established, AssociationEvent.Evt16AbortReceived, AssociationAction.AA3, AssociationState.Sta1Idle)]
    [InlineData(AssociationState.Sta6Established, AssociationEvent.Evt17TransportClosed, AssociationAction.AA4, AssociationState.Sta1Idle)]
    [InlineData(AssociationState.Sta6Established, AssociationEvent.Evt19InvalidPduReceived, AssociationAction.AA8, AssociationState.Sta13AwaitingTransportClose)]
    [InlineData(AssociationState.Sta6Established, AssociationEvent.Evt6AssociateRequestReceived, AssociationAction.AA8, AssociationState.Sta13AwaitingTransportClose)]
    [InlineData(AssociationState.Sta6Established, AssociationEvent.Evt15LocalAbortRequest, AssociationAction.AA1, AssociationState.Sta13AwaitingTransportClose)]
    [InlineData(AssociationState.Sta4AwaitingTransportOpen, AssociationEvent.Evt15LocalAbortRequest, AssociationAction.AA2, AssociationState.Sta1Idle)]
    [InlineData(AssociationState.Sta13AwaitingTransportClose, AssociationEvent.Evt10PDataReceived, AssociationAction.AA6, AssociationState.Sta13AwaitingTransportClose)]
    [InlineData(AssociationState.Sta13AwaitingTransportClose, AssociationEvent.Evt6AssociateRequestReceived, AssociationAction.AA7, AssociationState.Sta13AwaitingTransportClose)]
    [InlineData(AssociationState.Sta13AwaitingTransportClose, AssociationEvent.Evt19InvalidPduReceived, AssociationAction.AA7, AssociationState.Sta13AwaitingTransportClose)]
    [InlineData(AssociationState.Sta13AwaitingTransportClose, AssociationEvent.Evt16AbortReceived, AssociationAction.AA2, AssociationState.Sta1Idle)]
    [InlineData(AssociationState.Sta6Established, AssociationEvent.Evt13ReleaseResponseReceived, AssociationAction.AA8, AssociationState.Sta13AwaitingTransportClose)]
    public void Cells_match_PS3_8_table_9_10(AssociationState state, AssociationEvent evt, AssociationAction action, AssociationState next)
    {
        Assert.Equal(action, AssociationStateTable.Lookup(state, evt));
        Assert.Equal(next, AssociationStateTable.NextState(action, isRequestor: true));
    }

    [Theory]
    [InlineData(AssociationAction.AA1, "2/3 2/4 2/10 2/12 2/13 2/19 3/15 5/15 6/15 7/15 8/15 9/15 10/15 11/15 12/15")]
    [InlineData(AssociationAction.AA6, "13/3 13/4 13/10 13/12 13/13")]
    [InlineData(AssociationAction.AA7, "13/6 13/19")]
    [InlineData(AssociationAction.AA8, "3/3 6/3 7/3 8/3 9/3 10/3 11/3 12/3 3/4 6/4 7/4 8/4 9/4 10/4 11/4 12/4 3/6 5/6 6/6 7/6 8/6 9/6 10/6 11/6 12/6 "
        + "3/10 5/10 8/10 9/10 10/10 11/10 12/10 3/12 5/12 8/12 9/12 10/12 11/12 12/12 3/13 5/13 6/13 8/13 9/13 12/13 3/19 5/19 6/19 7/19 8/19 9/19 10/19 11/19 12/19")]
    [InlineData(AssociationAction.AA2, "2/16 2/18 4/15 13/16 13/18")]
    [InlineData(AssociationAction.AA3, "3/16 5/16 6/16 7/16 8/16 9/16 10/16 11/16 12/16")]
    [InlineData(AssociationAction.AA4, "3/17 4/17 5/17 6/17 7/17 8/17 9/17 10/17 11/17 12/17")]
    [InlineData(AssociationAction.AR3, "7/13 11/13")]
    [InlineData(AssociationAction.AR4, "8/14 12/14")]
    public void Each_abort_and_release_action_sits_in_exactly_the_cells_PS3_8_gives_it(AssociationAction action, string cells)
    {
        // "state/event" pairs, as PS3.8 9.2 lists the triggers of each action.
        var expected = cells.Split(' ').Select(c => c.Split('/')).Select(p => (int.Parse(p[0]), int.Parse(p[1]))).Order().ToList();
        var actual = States.SelectMany(s => Events.Where(e => AssociationStateTable.Lookup(s, e) == action).Select(e => ((int)s, (int)e))).Order().ToList();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Release_collision_goes_to_Sta9_for_the_requestor_and_Sta10_for_the_acceptor()
    {
        Assert.Equal(AssociationAction.AR8, AssociationStateTable.Lookup(AssociationState.Sta7AwaitingReleaseResponse, AssociationEvent.Evt12ReleaseRequestReceived));
        Assert.Equal(AssociationState.Sta9CollisionRequestorAwaitingLocalResponse, AssociationStateTable.NextState(AssociationAction.AR8, isRequestor: true));
        Assert.Equal(AssociationState.Sta10CollisionAcceptorAwaitingReleaseResponse, AssociationStateTable.NextState(AssociationAction.AR8, isRequestor: false));
    }

    [Fact]
    public void An_unacceptable_associate_request_goes_to_Sta13_after_the_reject()
    {
        Assert.Equal(AssociationState.Sta13AwaitingTransportClose, AssociationStateTable.NextState(AssociationAction.AE6, isRequestor: false, requestAcceptable: false));
    }

    [Fact]
    public void A_not_applicable_cell_has_no_next_state()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => AssociationStateTable.NextState(AssociationAction.NotApplicable, isRequestor: true));
    }

    [Fact]
    public void Local_primitives_are_told_apart_from_network_and_timer_events()
    {
        var local = Events.Where(AssociationStateTable.IsLocalPrimitive).ToArray();
        Assert.Equal([1, 7, 8, 9, 11, 14, 15], local.Select(e => (int)e));
    }
}
