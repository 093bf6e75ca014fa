using System.Buffers;
using System.Text;

namespace Pacs.Dimse.Tests.Pdus;

public sealed class PduRoundTripTests
{
    private static T RoundTrip<T>(T pdu)
        where T : Pdu
    {
        var bytes = PduWriter.ToArray(pdu);
        var parsed = Assert.IsType<T>(PduReader.Parse(bytes));

        // Writing what was read gives the same bytes: nothing is lost or reordered.
        Assert.Equal(bytes, PduWriter.ToArray(parsed));
        return parsed;
    }

    private static AssociateRequestPdu FullRequest() => new()
    {
        CalledAeTitle = "ARCHIVE",
        CallingAeTitle = "MODALITY_01",
        PresentationContexts =
        [
            new PresentationContextProposal(1, "1.2.840.10008.1.1", ["1.2.840.10008.1.2"]),
            new PresentationContextProposal(3, "1.2.840.10008.5.1.4.1.1.2", ["1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2"]),
        ],
        UserInformation = new UserInformation
        {
            MaximumLength = 65536,
            ImplementationClassUid = "1.2.3.4.5",
            ImplementationVersionName = "TEST_1",
            AsynchronousOperationsWindow = new AsynchronousOperationsWindow(8, 4),
            RoleSelections = [new RoleSelection("1.2.840.10008.5.1.4.1.1.2", ScuRole: false, ScpRole: true)],
            ExtendedNegotiations = [new SopClassExtendedNegotiation("1.2.840.10008.5.1.4.1.2.2.1", new byte[] { 1, 1, 0, 1 })],
            CommonExtendedNegotiations = [new SopClassCommonExtendedNegotiation("1.2.840.10008.5.1.4.1.1.88.22", "1.2.840.10008.4.2", ["1.2.840.10008.5.1.4.1.1.88.11", "1.2.840.10008.5.1.4.1.1.88.33"])],
            UserIdentityRequest = UserIdentityRequest.ForUsernameAndPasscode("jane", "s3cret", positiveResponseRequested: true),
        },
    };

    [Fact]
    public void Associate_request_with_every_sub_item_round_trips()
    {
        var parsed = RoundTrip(FullRequest());
        Assert.Equal("ARCHIVE", parsed.CalledAeTitle);
        Assert.Equal("MODALITY_01", parsed.CallingAeTitle);
        Assert.Equal(AssociatePdu.DicomApplicationContextName, parsed.ApplicationContextName);
        Assert.Equal(1, parsed.ProtocolVersion);
        Assert.Equal(2, parsed.PresentationContexts.Count);
        Assert.Equal(3, parsed.PresentationContexts[1].Id);
        Assert.Equal(["1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2"], parsed.PresentationContexts[1].TransferSyntaxes);
        var info = parsed.UserInformation;
        Assert.Equal(65536u, info.MaximumLength);
        Assert.Equal("1.2.3.4.5", info.ImplementationClassUid);
        Assert.Equal("TEST_1", info.ImplementationVersionName);
        Assert.Equal(new AsynchronousOperationsWindow(8, 4), info.AsynchronousOperationsWindow);
        Assert.Equal(new RoleSelection("1.2.840.10008.5.1.4.1.1.2", false, true), Assert.Single(info.RoleSelections));
        Assert.Equal(new byte[] { 1, 1, 0, 1 }, Assert.Single(info.ExtendedNegotiations).ServiceClassApplicationInformation.ToArray());
        var common = Assert.Single(info.CommonExtendedNegotiations);
        Assert.Equal("1.2.840.10008.4.2", common.ServiceClassUid);
        Assert.Equal(["1.2.840.10008.5.1.4.1.1.88.11", "1.2.840.10008.5.1.4.1.1.88.33"], common.RelatedGeneralSopClassUids);
        var identity = info.UserIdentityRequest!;
        Assert.Equal(UserIdentityType.UsernameAndPasscode, identity.IdentityType);
        Assert.True(identity.PositiveResponseRequested);
        Assert.Equal("jane", identity.PrimaryText);
        Assert.Equal("s3cret", identity.SecondaryText);
    }

    [Theory]
    [InlineData(UserIdentityType.Username, "jane", "")]
    [InlineData(UserIdentityType.KerberosServiceTicket, "kerberos-ticket-bytes", "")]
    [InlineData(UserIdentityType.SamlAssertion, "<saml:Assertion/>", "")]
    [InlineData(UserIdentityType.JsonWebToken, "eyJhbGciOiJIUzI1NiJ9.e30.sig", "")]
    public void User_identity_of_each_type_round_trips(UserIdentityType type, string primary, string secondary)
    {
        var request = new AssociateRequestPdu
        {
            CalledAeTitle = "A",
            CallingAeTitle = "B",
            PresentationContexts = [new PresentationContextProposal(1, "1.2.840.10008.1.1", ["1.2.840.10008.1.2"])],
            UserInformation = new UserInformation
            {
                ImplementationClassUid = "1.2.3",
                UserIdentityRequest = new UserIdentityRequest(type, false, Encoding.UTF8.GetBytes(primary), Encoding.UTF8.GetBytes(secondary)),
            },
        };
        var identity = RoundTrip(request).UserInformation.UserIdentityRequest!;
        Assert.Equal(type, identity.IdentityType);
        Assert.False(identity.PositiveResponseRequested);
        Assert.Equal(primary, identity.PrimaryText);
        Assert.True(identity.SecondaryField.IsEmpty);
    }

    [Fact]
    public void Associate_accept_with_results_roles_window_and_identity_response_round_trips()
    {
        var accept = new AssociateAcceptPdu
        {
            CalledAeTitle = "ARCHIVE",
            CallingAeTitle = "MODALITY_01",
            PresentationContexts =
            [
                new PresentationContextResult(1, PresentationContextResultCode.Acceptance, "1.2.840.10008.1.2"),
                new PresentationContextResult(3, PresentationContextResultCode.TransferSyntaxesNotSupported, string.Empty),
                new PresentationContextResult(5, PresentationContextResultCode.AbstractSyntaxNotSupported, string.Empty),
            ],
            UserInformation = new UserInformation
            {
                MaximumLength = 0,
                ImplementationClassUid = "1.2.3.4",
                AsynchronousOperationsWindow = new AsynchronousOperationsWindow(1, 1),
                RoleSelections = [new RoleSelection("1.2.840.10008.5.1.4.1.1.2", true, true)],
                ExtendedNegotiations = [new SopClassExtendedNegotiation("1.2.840.10008.5.1.4.1.2.2.1", new byte[] { 1 })],
                UserIdentityResponse = new UserIdentityResponse(Encoding.UTF8.GetBytes("server-token")),
            },
        };
        var parsed = RoundTrip(accept);
        Assert.Equal(3, parsed.PresentationContexts.Count);
        Assert.Equal(PresentationContextResultCode.Acceptance, parsed.PresentationContexts[0].Result);
        Assert.Equal("1.2.840.10008.1.2", parsed.PresentationContexts[0].TransferSyntax);
        Assert.Equal(PresentationContextResultCode.AbstractSyntaxNotSupported, parsed.PresentationContexts[2].Result);
        Assert.Equal(0u, parsed.UserInformation.MaximumLength);
        Assert.Equal("server-token", Encoding.UTF8.GetString(parsed.UserInformation.UserIdentityResponse!.ServerResponse.Span));
        Assert.True(Assert.Single(parsed.UserInformation.RoleSelections).ScpRole);
    }

    [Theory]
    [InlineData(AssociateRejectResult.RejectedPermanent, AssociateRejectSource.ServiceUser, AssociateRejectReason.UserCalledAeTitleNotRecognized)]
    [InlineData(AssociateRejectResult.RejectedTransient, AssociateRejectSource.ServiceProviderPresentation, AssociateRejectReason.PresentationLocalLimitExceeded)]
    [InlineData(AssociateRejectResult.RejectedPermanent, AssociateRejectSource.ServiceProviderAcse, AssociateRejectReason.AcseProtocolVersionNotSupported)]
    public void Associate_reject_round_trips(AssociateRejectResult result, AssociateRejectSource source, byte reason)
    {
        var parsed = RoundTrip(new AssociateRejectPdu(result, source, reason));
        Assert.Equal((result, source, reason), (parsed.Result, parsed.Source, parsed.Reason));
        Assert.Equal(10, PduWriter.ToArray(parsed).Length);
    }

    [Fact]
    public void Reject_reasons_are_described_in_the_words_of_PS3_8()
    {
        Assert.Equal("rejected-permanent by the service-user: called-AE-title-not-recognized",
            new AssociateRejectPdu(AssociateRejectResult.RejectedPermanent, AssociateRejectSource.ServiceUser, 7).Describe());
        Assert.Equal("rejected-transient by the service-provider (presentation): local-limit-exceeded",
            new AssociateRejectPdu(AssociateRejectResult.RejectedTransient, AssociateRejectSource.ServiceProviderPresentation, 2).Describe());
    }

    [Fact]
    public void P_data_with_command_and_data_fragments_round_trips()
    {
        var pdu = new PDataTfPdu(
        [
            new PresentationDataValue(1, IsCommand: true, IsLastFragment: true, new byte[] { 1, 2, 3, 4 }),
            new PresentationDataValue(1, IsCommand: false, IsLastFragment: false, new byte[] { 5, 6 }),
            new PresentationDataValue(3, IsCommand: false, IsLastFragment: true, ReadOnlyMemory<byte>.Empty),
        ]);
        var parsed = RoundTrip(pdu);
        Assert.Equal(3, parsed.Values.Count);
        Assert.Equal(0x03, parsed.Values[0].MessageControlHeader);
        Assert.Equal(0x00, parsed.Values[1].MessageControlHeader);
        Assert.Equal(0x02, parsed.Values[2].MessageControlHeader);
        Assert.Equal(new byte[] { 5, 6 }, parsed.Values[1].Data.ToArray());
        Assert.True(parsed.Values[2].Data.IsEmpty);
    }

    [Fact]
    public void Release_and_abort_round_trip()
    {
        RoundTrip(ReleaseRequestPdu.Instance);
        RoundTrip(ReleaseResponsePdu.Instance);
        var abort = RoundTrip(new AbortPdu(AbortSource.ServiceProvider, AbortReason.InvalidPduParameterValue));
        Assert.Equal(AbortSource.ServiceProvider, abort.Source);
        Assert.Equal(AbortReason.InvalidPduParameterValue, abort.Reason);
        Assert.Equal(new byte[] { 7, 0, 0, 0, 0, 4, 0, 0, 2, 6 }, PduWriter.ToArray(abort));
    }

    [Fact]
    public void Ae_titles_are_space_padded_to_16_bytes_and_read_back_trimmed()
    {
        var bytes = PduWriter.ToArray(FullRequest());
        Assert.Equal("ARCHIVE         ", Encoding.ASCII.GetString(bytes, 10, 16));
        Assert.Equal("MODALITY_01     ", Encoding.ASCII.GetString(bytes, 26, 16));
    }

    [Theory]
    [InlineData("")]
    [InlineData("SEVENTEEN_CHARS_X")]
    [InlineData("BACK\\SLASH")]
    public void Invalid_ae_titles_are_refused_on_write(string title)
    {
        var request = new AssociateRequestPdu { CalledAeTitle = title, CallingAeTitle = "OK", UserInformation = new UserInformation { ImplementationClassUid = "1.2" } };
        Assert.Throws<ArgumentException>(() => PduWriter.ToArray(request));
    }

    [Fact]
    public void Framing_waits_for_the_whole_pdu_and_takes_exactly_one()
    {
        var first = PduWriter.ToArray(new AbortPdu(AbortSource.ServiceUser, AbortReason.NotSpecified));
        var second = PduWriter.ToArray(ReleaseRequestPdu.Instance);
        var buffer = new ReadOnlySequence<byte>([.. first, .. second[..3]]);
        Assert.True(PduReader.TryReadFrame(ref buffer, PduLimits.Default, out var type, out var body));
        Assert.Equal(PduType.Abort, type);
        Assert.Equal(4, body.Length);
        Assert.Equal(3, buffer.Length);
        Assert.False(PduReader.TryReadFrame(ref buffer, PduLimits.Default, out _, out _));
        Assert.Equal(3, buffer.Length);
    }

    [Fact]
    public void A_p_data_length_over_the_limit_is_refused_from_the_header_alone()
    {
        // Six header bytes announcing 4 GiB: refused before a byte of the body is there (or buffered).
        var buffer = new ReadOnlySequence<byte>(new byte[] { 0x04, 0, 0xFF, 0xFF, 0xFF, 0xF0 });
        var error = Assert.Throws<DimsePduException>(() => PduReader.TryReadFrame(ref buffer, new PduLimits { MaxPDataLength = 16384 }, out _, out _));
        Assert.Contains("4294967280", error.Message, StringComparison.Ordinal);
        Assert.Equal(AbortReason.InvalidPduParameterValue, error.Reason);
    }

    [Fact]
    public void An_associate_request_over_its_limit_is_refused_from_the_header_alone()
    {
        var buffer = new ReadOnlySequence<byte>(new byte[] { 0x01, 0, 0x00, 0x10, 0x00, 0x00 });
        Assert.Throws<DimsePduException>(() => PduReader.TryReadFrame(ref buffer, new PduLimits { MaxAssociateLength = 64 * 1024 }, out _, out _));
    }

    [Fact]
    public void An_unknown_pdu_type_is_an_unrecognized_pdu()
    {
        var buffer = new ReadOnlySequence<byte>(new byte[] { 0x09, 0, 0, 0, 0, 4, 0, 0, 0, 0 });
        var error = Assert.Throws<DimsePduException>(() => PduReader.TryReadFrame(ref buffer, PduLimits.Default, out _, out _));
        Assert.Equal(AbortReason.UnrecognizedPdu, error.Reason);
    }

    [Theory]
    [InlineData(new byte[] { 0x05, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 0x07, 0, 0, 0, 0, 2, 0, 0 })]
    [InlineData(new byte[] { 0x03, 0, 0, 0, 0, 3, 0, 1, 1 })]
    public void Fixed_size_pdus_with_another_length_are_refused(byte[] pdu)
    {
        Assert.Throws<DimsePduException>(() => PduReader.Parse(pdu));
    }

    [Fact]
    public void A_pdv_longer_than_its_pdu_is_refused()
    {
        // P-DATA-TF of 10 bytes whose PDV claims 100.
        byte[] pdu = [0x04, 0, 0, 0, 0, 10, 0, 0, 0, 100, 1, 3, 0, 0, 0, 0];
        var error = Assert.Throws<DimsePduException>(() => PduReader.Parse(pdu));
        Assert.Contains("PDV item length 100", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pdv_on_an_even_presentation_context_is_refused()
    {
        byte[] pdu = [0x04, 0, 0, 0, 0, 7, 0, 0, 0, 3, 2, 3, 9];
        Assert.Throws<DimsePduException>(() => PduReader.Parse(pdu));
    }

    [Fact]
    public void An_item_longer_than_its_associate_pdu_is_refused_with_the_item_named()
    {
        var bytes = PduWriter.ToArray(FullRequest());

        // The first item after the 68 fixed bytes is the application context (type 0x10): claim more than there is.
        Assert.Equal(0x10, bytes[74]);
        bytes[76] = 0xFF;
        bytes[77] = 0xFF;
        var error = Assert.Throws<DimsePduException>(() => PduReader.Parse(bytes));
        Assert.Contains("Item 0x10", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_associate_request_without_user_information_is_refused()
    {
        var bytes = PduWriter.ToArray(new AssociateRequestPdu { CalledAeTitle = "A", CallingAeTitle = "B", UserInformation = new UserInformation { ImplementationClassUid = "1.2" } });

        // Drop the trailing user information item and fix the PDU length.
        var cut = FindUserInformation(bytes);
        var truncated = bytes[..cut];
        var length = truncated.Length - 6;
        truncated[2] = (byte)(length >> 24);
        truncated[3] = (byte)(length >> 16);
        truncated[4] = (byte)(length >> 8);
        truncated[5] = (byte)length;
        var error = Assert.Throws<DimsePduException>(() => PduReader.Parse(truncated));
        Assert.Contains("User Information", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_user_information_sub_items_are_ignored()
    {
        var bytes = PduWriter.ToArray(FullRequest()).ToList();
        var at = FindUserInformation([.. bytes]);

        // Append a sub-item of an unassigned type (0x5F) inside the user information item and fix both lengths.
        byte[] unknown = [0x5F, 0, 0, 2, 0xAB, 0xCD];
        bytes.AddRange(unknown);
        var itemLength = ((bytes[at + 2] << 8) | bytes[at + 3]) + unknown.Length;
        bytes[at + 2] = (byte)(itemLength >> 8);
        bytes[at + 3] = (byte)itemLength;
        var pduLength = bytes.Count - 6;
        bytes[4] = (byte)(pduLength >> 8);
        bytes[5] = (byte)pduLength;
        var parsed = Assert.IsType<AssociateRequestPdu>(PduReader.Parse([.. bytes]));
        Assert.Equal("TEST_1", parsed.UserInformation.ImplementationVersionName);
    }

    private static int FindUserInformation(byte[] pdu)
    {
        var at = 6 + 68;
        while (pdu[at] != 0x50)
        {
            at += 4 + ((pdu[at + 2] << 8) | pdu[at + 3]);
        }

        return at;
    }
}
