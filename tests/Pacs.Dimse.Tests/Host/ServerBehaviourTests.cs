using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Pacs.Dicom;
using Pacs.Dimse.Tests.Robustness;
using Pacs.Dimse.Tests.Support;

namespace Pacs.Dimse.Tests.Host;

/// <summary>The SCP host's limits, shutdown, negotiation and the services beyond storage, driven by our own SCU.</summary>
public sealed class ServerBehaviourTests
{
    private static readonly DimsePresentationContextRequest Verification = new(DicomUid.Verification);

    private static Task<DimseAssociation> ConnectAsync(TestScp scp, IEnumerable<DimsePresentationContextRequest>? contexts = null, DimseClientOptions? options = null) =>
        DimseClient.ConnectAsync("127.0.0.1", scp.Port, "OUR_SCU", TestScp.AeTitle, contexts ?? [Verification], options ?? new DimseClientOptions { Timeouts = TestTimeouts.Short });

    [Fact]
    public async Task Associations_beyond_the_limit_are_rejected_transiently_for_local_limit_exceeded()
    {
        await using var scp = TestScp.Start(configure: o => o with { MaxAssociations = 2 });
        await using var first = await ConnectAsync(scp);
        await using var second = await ConnectAsync(scp);
        var error = await Assert.ThrowsAsync<DimseAssociationRejectedException>(() => ConnectAsync(scp));
        Assert.Equal(AssociateRejectResult.RejectedTransient, error.Reject.Result);
        Assert.Equal(AssociateRejectSource.ServiceProviderPresentation, error.Reject.Source);
        Assert.Equal(AssociateRejectReason.PresentationLocalLimitExceeded, error.Reject.Reason);

        // Once one is released there is room again.
        await first.ReleaseAsync();
        await MisbehavingPeerTests.WaitUntilAsync(() => scp.Server.ActiveConnections == 1);
        await using var third = await ConnectAsync(scp);
        Assert.Equal(DimseStatus.Success, await third.EchoAsync());
    }

    [Fact]
    public async Task Unknown_calling_ae_and_unsupported_abstract_syntax_are_refused_with_their_reasons()
    {
        var policy = new DimseAssociationPolicy { CallingAeTitles = ["KNOWN"] };
        await using var scp = TestScp.Start(policy: policy);
        var error = await Assert.ThrowsAsync<DimseAssociationRejectedException>(() => ConnectAsync(scp));
        Assert.Equal(AssociateRejectReason.UserCallingAeTitleNotRecognized, error.Reject.Reason);

        await using var association = await DimseClient.ConnectAsync("127.0.0.1", scp.Port, "KNOWN", "ANY",
            [Verification, new DimsePresentationContextRequest(DicomUid.CTImageStorage), new DimsePresentationContextRequest(DicomUid.Verification, DicomTransferSyntax.JPEGBaseline8Bit)],
            new DimseClientOptions { Timeouts = TestTimeouts.Short });
        var results = association.PresentationContexts.OrderBy(c => c.Id).Select(c => c.Result).ToList();
        Assert.Equal([PresentationContextResultCode.Acceptance, PresentationContextResultCode.AbstractSyntaxNotSupported, PresentationContextResultCode.TransferSyntaxesNotSupported], results);
        var error2 = await Assert.ThrowsAsync<DimseException>(() => association.StoreFileAsync(TestPaths.CorpusFile("valid/CT_small.dcm")));
        Assert.Contains("CT Image Storage", error2.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_acceptors_transfer_syntax_order_wins_unless_the_requestors_is_asked_for()
    {
        var ours = new DimseAssociationPolicy { StorageTransferSyntaxes = [DicomTransferSyntax.ExplicitVRLittleEndian.Uid, DicomTransferSyntax.JPEGLosslessSV1.Uid] };
        await using (var scp = TestScp.Start(policy: ours))
        await using (var association = await ConnectAsync(scp, [new DimsePresentationContextRequest(DicomUid.CTImageStorage, DicomTransferSyntax.JPEGLosslessSV1, DicomTransferSyntax.ExplicitVRLittleEndian)]))
        {
            Assert.Equal(DicomTransferSyntax.ExplicitVRLittleEndian, Assert.Single(association.PresentationContexts).TransferSyntax);
        }

        var theirs = new DimseAssociationPolicy { StorageTransferSyntaxes = ours.StorageTransferSyntaxes, TransferSyntaxPreference = TransferSyntaxPreference.Requestor };
        await using (var scp = TestScp.Start(policy: theirs))
        await using (var association = await ConnectAsync(scp, [new DimsePresentationContextRequest(DicomUid.CTImageStorage, DicomTransferSyntax.JPEGLosslessSV1, DicomTransferSyntax.ExplicitVRLittleEndian)]))
        {
            Assert.Equal(DicomTransferSyntax.JPEGLosslessSV1, Assert.Single(association.PresentationContexts).TransferSyntax);
        }
    }

    [Fact]
    public async Task Graceful_shutdown_lets_running_work_finish_then_aborts_idle_associations()
    {
        var slow = new GatedEchoService();
        await using var scp = TestScp.Start(slow);
        var busy = await ConnectAsync(scp);
        var idle = await ConnectAsync(scp);
        var echo = busy.EchoAsync();
        await slow.Started.Task.WaitAsync(TimeSpan.FromSeconds(5));

        var stop = scp.Server.StopAsync(TimeSpan.FromSeconds(3));

        // No new association once stopping began.
        await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync(scp));

        // The running echo still gets its answer.
        slow.Release.TrySetResult();
        Assert.Equal(DimseStatus.Success, await echo.WaitAsync(TimeSpan.FromSeconds(5)));
        await busy.ReleaseAsync();

        // The idle one is aborted at the deadline, and the stop completes.
        await stop.WaitAsync(TimeSpan.FromSeconds(10));
        await Assert.ThrowsAnyAsync<DimseException>(() => idle.Completion.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(0, scp.Server.ActiveConnections);
        await idle.DisposeAsync();
        await busy.DisposeAsync();
    }

    [Fact]
    public async Task The_asynchronous_operations_window_bounds_concurrent_operations()
    {
        var counting = new CountingEchoService();
        var policy = new DimseAssociationPolicy { MaxAsynchronousOperationsWindow = new AsynchronousOperationsWindow(3, 3) };
        await using var scp = TestScp.Start(counting, policy);
        await using var association = await ConnectAsync(scp, options: new DimseClientOptions
        {
            Timeouts = TestTimeouts.Short,
            AsynchronousOperationsWindow = new AsynchronousOperationsWindow(8, 8),
        });
        Assert.Equal(3, association.MaxOperationsInvoked);

        var echoes = Enumerable.Range(0, 9).Select(_ => association.EchoAsync()).ToList();
        await counting.Reached(3).WaitAsync(TimeSpan.FromSeconds(5));
        counting.Open.TrySetResult();
        Assert.All(await Task.WhenAll(echoes), s => Assert.Equal(DimseStatus.Success, s));
        Assert.Equal(3, counting.MaxConcurrent);
    }

    [Fact]
    public async Task Without_a_window_operations_run_one_at_a_time()
    {
        var counting = new CountingEchoService();
        counting.Open.TrySetResult();
        await using var scp = TestScp.Start(counting);
        await using var association = await ConnectAsync(scp);
        Assert.Equal(1, association.MaxOperationsInvoked);
        Assert.All(await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => association.EchoAsync())), s => Assert.Equal(DimseStatus.Success, s));
        Assert.Equal(1, counting.MaxConcurrent);
    }

    [Fact]
    public async Task User_identity_is_checked_by_the_policy_and_answered_when_asked()
    {
        var policy = new PasswordPolicy();
        await using var scp = TestScp.Start(policy: policy);
        await using (var association = await ConnectAsync(scp, options: new DimseClientOptions
        {
            Timeouts = TestTimeouts.Short,
            UserIdentity = UserIdentityRequest.ForUsernameAndPasscode("jane", "right", positiveResponseRequested: true),
        }))
        {
            Assert.Equal("welcome", System.Text.Encoding.UTF8.GetString(association.Accept.UserInformation.UserIdentityResponse!.ServerResponse.Span));
        }

        var error = await Assert.ThrowsAsync<DimseAssociationRejectedException>(() => ConnectAsync(scp, options: new DimseClientOptions
        {
            Timeouts = TestTimeouts.Short,
            UserIdentity = UserIdentityRequest.ForUsernameAndPasscode("jane", "wrong"),
        }));
        Assert.Equal(AssociateRejectSource.ServiceUser, error.Reject.Source);

        await using var jwt = await ConnectAsync(scp, options: new DimseClientOptions { Timeouts = TestTimeouts.Short, UserIdentity = UserIdentityRequest.ForJsonWebToken("header.payload.sig") });
        Assert.Null(jwt.Accept.UserInformation.UserIdentityResponse);
        Assert.Equal(UserIdentityType.JsonWebToken, policy.Seen.Last().IdentityType);
    }

    [Fact]
    public async Task Storage_commitment_n_action_is_answered_then_reported_back_on_the_same_association()
    {
        var commitment = new CommitmentService();
        var policy = new DimseAssociationPolicy
        {
            AbstractSyntaxes = new Dictionary<string, IReadOnlyList<string>> { [DicomUid.StorageCommitmentPushModel] = DimseTransferSyntaxes.Uncompressed },
        };
        await using var scp = TestScp.Start(commitment, policy);
        var reports = new ReportCollector();
        await using var association = await ConnectAsync(scp, [new DimsePresentationContextRequest(DicomUid.StorageCommitmentPushModel)], new DimseClientOptions
        {
            Timeouts = TestTimeouts.Short,
            RoleSelections = DimseClientOptions.ScpRoleFor([DicomUid.StorageCommitmentPushModel]),
            Service = reports,
        });

        var transaction = new DicomDataset().Set(DicomTag.TransactionUID, "1.2.3.99");
        var response = await association.NActionAsync(new NActionRequest(DicomUid.StorageCommitmentPushModel, DicomUid.StorageCommitmentPushModelInstance, 1, transaction));
        Assert.Equal(DimseStatus.Success, response.Status);
        Assert.Equal((ushort)1, response.ActionTypeId);

        var report = await reports.Received.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal((ushort)1, report.EventTypeId);
        Assert.Equal("1.2.3.99", report.Dataset!.GetString(DicomTag.TransactionUID));
        Assert.Equal(DimseStatus.Success, await commitment.ReportAnswered.Task.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task N_get_set_create_and_delete_reach_the_service_with_their_data_sets()
    {
        var service = new NormalizedService();
        var policy = new DimseAssociationPolicy { AbstractSyntaxes = new Dictionary<string, IReadOnlyList<string>> { [NormalizedService.SopClass] = DimseTransferSyntaxes.Uncompressed } };
        await using var scp = TestScp.Start(service, policy);
        await using var association = await ConnectAsync(scp, [new DimsePresentationContextRequest(NormalizedService.SopClass)]);

        var created = await association.NCreateAsync(new NCreateRequest(NormalizedService.SopClass, "1.2.3.1", new DicomDataset().Set(DicomTag.PatientName, "Doe^John")));
        Assert.Equal(DimseStatus.Success, created.Status);
        var got = await association.NGetAsync(new NGetRequest(NormalizedService.SopClass, "1.2.3.1", DicomTag.PatientName));
        Assert.Equal("Doe^John", got.Dataset!.GetString(DicomTag.PatientName));
        var set = await association.NSetAsync(new NSetRequest(NormalizedService.SopClass, "1.2.3.1", new DicomDataset().Set(DicomTag.PatientName, "Doe^Jim")));
        Assert.Equal(DimseStatus.Success, set.Status);
        Assert.Equal("Doe^Jim", (await association.NGetAsync(new NGetRequest(NormalizedService.SopClass, "1.2.3.1"))).Dataset!.GetString(DicomTag.PatientName));
        Assert.Equal(DimseStatus.Success, (await association.NDeleteAsync(new NDeleteRequest(NormalizedService.SopClass, "1.2.3.1"))).Status);
        var missing = await association.NGetAsync(new NGetRequest(NormalizedService.SopClass, "1.2.3.1"));
        Assert.Equal(DimseStatus.NoSuchSopInstance, missing.Status);
        Assert.Contains("1.2.3.1", missing.ErrorComment, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_handler_that_throws_answers_with_a_failure_and_tells_the_service()
    {
        var service = new ThrowingEchoService();
        await using var scp = TestScp.Start(service);
        await using var association = await ConnectAsync(scp);
        Assert.Equal(DimseStatus.ProcessingFailure, await association.EchoAsync());
        Assert.Equal("first call fails", Assert.IsType<InvalidOperationException>(Assert.Single(service.Failures)).Message);
        Assert.Equal(DimseStatus.Success, await association.EchoAsync());
    }

    [Fact]
    public async Task Large_objects_are_cut_to_the_peers_small_maximum_pdu_in_both_directions()
    {
        using var spool = new TempFolder();
        var service = new SpoolingStoreService(spool.Path);
        var small = DimseAssociationLimits.Default with { Pdu = PduLimits.Default with { MaxPDataLength = 4096 } };
        await using var scp = TestScp.Start(service, configure: o => o with { Limits = small });
        var path = TestPaths.CorpusFile("transfer-syntaxes/MR2_UNCR.dcm");
        var file = DicomFile.Open(path);
        await using var association = await ConnectAsync(scp, [new DimsePresentationContextRequest(file.SopClassUid!, file.TransferSyntax)], new DimseClientOptions { Timeouts = TestTimeouts.Short, Limits = small });
        Assert.Equal(4096u, association.PeerMaxPduLength);

        // The SCP refuses any P-DATA-TF over 4096 bytes, so success means every PDU fitted.
        var response = await association.StoreFileAsync(path);
        Assert.Equal(DimseStatus.Success, response.Status);
        var expected = File.ReadAllBytes(path).AsSpan((int)file.DatasetOffset);
        Assert.True(expected.SequenceEqual(File.ReadAllBytes(Assert.Single(service.Arrivals).Path)));
    }

    [Fact]
    public async Task Storing_from_a_stream_sends_exactly_its_bytes()
    {
        using var spool = new TempFolder();
        var service = new SpoolingStoreService(spool.Path);
        await using var scp = TestScp.Start(service);
        var dataset = new byte[300_001];
        new Random(7).NextBytes(dataset);
        await using var association = await ConnectAsync(scp, [new DimsePresentationContextRequest(DicomUid.CTImageStorage, DicomTransferSyntax.ExplicitVRLittleEndian)]);
        var response = await association.StoreAsync(new MemoryStream(dataset), DicomUid.CTImageStorage, "1.2.3.4.5", DicomTransferSyntax.ExplicitVRLittleEndian);
        Assert.Equal(DimseStatus.Success, response.Status);
        Assert.Equal("1.2.3.4.5", response.AffectedSopInstanceUid);
        Assert.Equal(dataset, File.ReadAllBytes(service.Received["1.2.3.4.5"].Path));
    }

    [Fact]
    public async Task An_scp_that_refuses_the_destination_answers_its_status_and_keeps_the_association()
    {
        await using var scp = TestScp.Start(new RefusingStoreService());
        await using var association = await ConnectAsync(scp, [new DimsePresentationContextRequest(DicomUid.CTImageStorage, DicomTransferSyntax.ExplicitVRLittleEndian), Verification]);
        var response = await association.StoreAsync(new MemoryStream(new byte[100_000]), DicomUid.CTImageStorage, "1.2.3", DicomTransferSyntax.ExplicitVRLittleEndian);
        Assert.Equal(DimseStatus.OutOfResources, response.Status);
        Assert.Equal("Spool full", response.ErrorComment);
        Assert.Equal(DimseStatus.Success, await association.EchoAsync());
    }

    private sealed class GatedEchoService : DimseService
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async ValueTask<DimseStatus> OnEchoAsync(DimseRequestContext context, CEchoRequest request, CancellationToken cancellationToken)
        {
            Started.TrySetResult();
            await Release.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            return DimseStatus.Success;
        }
    }

    private sealed class CountingEchoService : DimseService
    {
        private readonly ConcurrentDictionary<int, TaskCompletionSource> _reached = new();
        private int _current;
        private int _max;

        public TaskCompletionSource Open { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int MaxConcurrent => Volatile.Read(ref _max);

        public Task Reached(int count) => _reached.GetOrAdd(count, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

        public override async ValueTask<DimseStatus> OnEchoAsync(DimseRequestContext context, CEchoRequest request, CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref _current);
            int max;
            while ((max = Volatile.Read(ref _max)) < now && Interlocked.CompareExchange(ref _max, now, max) != max)
            {
            }

            _reached.GetOrAdd(now, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            await Open.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            Interlocked.Decrement(ref _current);
            return DimseStatus.Success;
        }
    }

    private sealed class PasswordPolicy : DimseAssociationPolicy
    {
        public ConcurrentQueue<UserIdentityRequest> Seen { get; } = new();

        public override ValueTask<DimseUserIdentityOutcome> AuthenticateAsync(UserIdentityRequest identity, System.Net.EndPoint? remoteEndPoint, CancellationToken cancellationToken)
        {
            Seen.Enqueue(identity);
            return ValueTask.FromResult(identity.IdentityType switch
            {
                UserIdentityType.UsernameAndPasscode when identity.SecondaryText == "right" => new DimseUserIdentityOutcome(true, System.Text.Encoding.UTF8.GetBytes("welcome")),
                UserIdentityType.JsonWebToken => DimseUserIdentityOutcome.Accept,
                _ => DimseUserIdentityOutcome.Refuse,
            });
        }
    }

    /// <summary>Storage commitment SCP: answers N-ACTION, then sends the N-EVENT-REPORT on the same association.</summary>
    private sealed class CommitmentService : DimseService
    {
        public TaskCompletionSource<DimseStatus> ReportAnswered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override ValueTask<DimseNResult> OnNActionAsync(DimseRequestContext context, NActionRequest request, CancellationToken cancellationToken)
        {
            var transaction = request.Dataset!.GetString(DicomTag.TransactionUID)!;
            _ = Task.Run(async () =>
            {
                var report = new NEventReportRequest(DicomUid.StorageCommitmentPushModel, DicomUid.StorageCommitmentPushModelInstance, 1,
                    new DicomDataset().Set(DicomTag.TransactionUID, transaction));
                var answer = await context.Association.EventReportAsync(report, CancellationToken.None);
                ReportAnswered.TrySetResult(answer.Status);
            }, CancellationToken.None);
            return ValueTask.FromResult(DimseNResult.Success());
        }
    }

    private sealed class ReportCollector : DimseService
    {
        public TaskCompletionSource<NEventReportRequest> Received { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override ValueTask<DimseNResult> OnEventReportAsync(DimseRequestContext context, NEventReportRequest request, CancellationToken cancellationToken)
        {
            Received.TrySetResult(request);
            return ValueTask.FromResult(DimseNResult.Success());
        }
    }

    private sealed class NormalizedService : DimseService
    {
        public const string SopClass = "1.2.840.10008.5.1.4.33";
        private readonly ConcurrentDictionary<string, DicomDataset> _instances = new();

        public override ValueTask<DimseNResult> OnNCreateAsync(DimseRequestContext context, NCreateRequest request, CancellationToken cancellationToken)
        {
            _instances[request.AffectedSopInstanceUid!] = request.Dataset!;
            return ValueTask.FromResult(DimseNResult.Success());
        }

        public override ValueTask<DimseNResult> OnNGetAsync(DimseRequestContext context, NGetRequest request, CancellationToken cancellationToken) =>
            ValueTask.FromResult(_instances.TryGetValue(request.RequestedSopInstanceUid!, out var instance)
                ? DimseNResult.Success(instance)
                : throw new DimseStatusException(DimseStatus.NoSuchSopInstance, $"No instance {request.RequestedSopInstanceUid}"));

        public override ValueTask<DimseNResult> OnNSetAsync(DimseRequestContext context, NSetRequest request, CancellationToken cancellationToken)
        {
            _instances[request.RequestedSopInstanceUid!] = request.Dataset!;
            return ValueTask.FromResult(DimseNResult.Success());
        }

        public override ValueTask<DimseNResult> OnNDeleteAsync(DimseRequestContext context, NDeleteRequest request, CancellationToken cancellationToken) =>
            ValueTask.FromResult(_instances.TryRemove(request.RequestedSopInstanceUid!, out _) ? DimseNResult.Success() : new DimseNResult(DimseStatus.NoSuchSopInstance));
    }

    private sealed class ThrowingEchoService : DimseService
    {
        private int _calls;

        public ConcurrentQueue<Exception> Failures { get; } = new();

        public override void OnServiceFailure(DimseRequestContext context, DimseRequest request, Exception error) => Failures.Enqueue(error);

        public override ValueTask<DimseStatus> OnEchoAsync(DimseRequestContext context, CEchoRequest request, CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _calls) == 1 ? throw new InvalidOperationException("first call fails") : ValueTask.FromResult(DimseStatus.Success);
    }

    private sealed class RefusingStoreService : DimseService
    {
        public override ValueTask<Stream> OpenStoreDestinationAsync(DimseRequestContext context, CStoreRequest request, CancellationToken cancellationToken) =>
            throw new DimseStatusException(DimseStatus.OutOfResources, "Spool full");
    }
}
