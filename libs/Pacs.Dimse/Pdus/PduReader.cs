using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Pacs.Dimse;

/// <summary>
/// Reads PDUs (PS3.8 9.3). Framing works on a <see cref="ReadOnlySequence{T}"/> as a pipe hands it over: it consumes a
/// PDU only when the whole of it is there, and checks the announced length against <see cref="PduLimits"/> from the
/// six header bytes alone. Every length inside a PDU is checked against what encloses it; a breach is a
/// <see cref="DimsePduException"/> naming the field.
/// </summary>
public static class PduReader
{
    /// <summary>PDU type (1), reserved (1), PDU length (4, big endian).</summary>
    public const int HeaderLength = 6;

    /// <summary>
    /// Takes one whole PDU off the front of <paramref name="buffer"/>. False when more bytes are needed (nothing consumed).
    /// Throws <see cref="DimsePduException"/> for an unknown type or a length beyond the limits, before buffering the body.
    /// </summary>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, PduLimits limits, out PduType type, out ReadOnlySequence<byte> body)
    {
        type = default;
        body = default;
        if (buffer.Length < HeaderLength)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[HeaderLength];
        buffer.Slice(0, HeaderLength).CopyTo(header);
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[2..]);
        type = (PduType)header[0];
        CheckLength(type, length, limits);
        if (buffer.Length - HeaderLength < length)
        {
            return false;
        }

        body = buffer.Slice(HeaderLength, length);
        buffer = buffer.Slice(body.End);
        return true;
    }

    /// <summary>PS3.8 9.3: the fixed-size PDUs have a body of exactly 4 bytes; the others are bounded by the limits.</summary>
    internal static void CheckLength(PduType type, uint length, PduLimits limits)
    {
        switch (type)
        {
            case PduType.AssociateRequest or PduType.AssociateAccept:
                if (length < 68)
                {
                    throw new DimsePduException($"{Name(type)} PDU length {length} is shorter than its 68 fixed bytes (PS3.8 9.3.2).");
                }

                if (length > limits.MaxAssociateLength)
                {
                    throw new DimsePduException($"{Name(type)} PDU length {length} exceeds the limit of {limits.MaxAssociateLength} bytes.");
                }

                break;
            case PduType.PDataTransfer:
                if (length > limits.MaxPDataLength)
                {
                    throw new DimsePduException($"P-DATA-TF PDU length {length} exceeds the negotiated maximum of {limits.MaxPDataLength} bytes (PS3.8 D.1).");
                }

                break;
            case PduType.AssociateReject or PduType.ReleaseRequest or PduType.ReleaseResponse or PduType.Abort:
                if (length != 4)
                {
                    throw new DimsePduException($"{Name(type)} PDU length is {length}; PS3.8 9.3 fixes it at 4.");
                }

                break;
            default:
                throw new DimsePduException($"PDU type 0x{(byte)type:X2} is not defined in PS3.8 9.3.", AbortReason.UnrecognizedPdu);
        }
    }

    /// <summary>Parses a PDU body (the bytes after the 6-byte header). P-DATA-TF values are copied out of the body.</summary>
    public static Pdu Parse(PduType type, ReadOnlySequence<byte> body)
    {
        switch (type)
        {
            case PduType.PDataTransfer:
                var values = new List<PresentationDataValue>();
                var reader = new SequenceReader<byte>(body);
                while (TryReadPdv(ref reader, out var pcid, out var control, out var data))
                {
                    values.Add(new PresentationDataValue(pcid, (control & 1) != 0, (control & 2) != 0, data.ToArray()));
                }

                return new PDataTfPdu(values);
            case PduType.ReleaseRequest:
                return ReleaseRequestPdu.Instance;
            case PduType.ReleaseResponse:
                return ReleaseResponsePdu.Instance;
        }

        var bytes = body.IsSingleSegment ? body.FirstSpan : body.ToArray();
        return type switch
        {
            PduType.AssociateRequest or PduType.AssociateAccept => ParseAssociate(type, bytes),
            PduType.AssociateReject => new AssociateRejectPdu((AssociateRejectResult)bytes[1], (AssociateRejectSource)bytes[2], bytes[3]),
            PduType.Abort => new AbortPdu((AbortSource)bytes[2], (AbortReason)bytes[3]),
            _ => throw new DimsePduException($"PDU type 0x{(byte)type:X2} is not defined in PS3.8 9.3.", AbortReason.UnrecognizedPdu),
        };
    }

    /// <summary>Parses one whole PDU, header included (e.g. bytes captured from the wire).</summary>
    public static Pdu Parse(ReadOnlySpan<byte> pdu, PduLimits? limits = null)
    {
        var sequence = new ReadOnlySequence<byte>(pdu.ToArray());
        if (!TryReadFrame(ref sequence, limits ?? PduLimits.Default, out var type, out var body))
        {
            throw new DimsePduException($"The PDU is truncated: {pdu.Length} bytes do not hold the length its header announces.");
        }

        if (!sequence.IsEmpty)
        {
            throw new DimsePduException($"{sequence.Length} bytes follow the PDU.");
        }

        return Parse(type, body);
    }

    /// <summary>
    /// Reads the next PDV item of a P-DATA-TF body (PS3.8 9.3.5.1): item length (4), presentation context ID (1),
    /// message control header (1), fragment. False at the end of the body.
    /// </summary>
    public static bool TryReadPdv(ref SequenceReader<byte> reader, out byte presentationContextId, out byte messageControlHeader, out ReadOnlySequence<byte> fragment)
    {
        presentationContextId = 0;
        messageControlHeader = 0;
        fragment = default;
        if (reader.End)
        {
            return false;
        }

        if (!reader.TryReadBigEndian(out int itemLength) || !reader.TryRead(out presentationContextId) || !reader.TryRead(out messageControlHeader))
        {
            throw new DimsePduException("A PDV item header is cut off by the end of its P-DATA-TF PDU (PS3.8 9.3.5.1).");
        }

        // The item length counts the context ID and the message control header too, so it is at least 2.
        if ((uint)itemLength < 2 || (uint)itemLength - 2 > reader.Remaining)
        {
            throw new DimsePduException($"PDV item length {(uint)itemLength} does not fit its P-DATA-TF PDU ({reader.Remaining + 2} bytes left) (PS3.8 9.3.5.1).");
        }

        if (presentationContextId % 2 == 0)
        {
            throw new DimsePduException($"PDV presentation context ID {presentationContextId} is even; PS3.8 9.3.2.2 allows odd IDs only.", AbortReason.InvalidPduParameterValue);
        }

        fragment = reader.UnreadSequence.Slice(0, itemLength - 2);
        reader.Advance(itemLength - 2);
        return true;
    }

    /// <summary>Takes the next PDV off the front of a P-DATA-TF body; false at its end.</summary>
    internal static bool TryTakePdv(ref ReadOnlySequence<byte> body, out byte presentationContextId, out byte messageControlHeader, out ReadOnlySequence<byte> fragment)
    {
        var reader = new SequenceReader<byte>(body);
        if (!TryReadPdv(ref reader, out presentationContextId, out messageControlHeader, out fragment))
        {
            return false;
        }

        body = reader.UnreadSequence;
        return true;
    }

    private static AssociatePdu ParseAssociate(PduType type, ReadOnlySpan<byte> body)
    {
        var version = BinaryPrimitives.ReadUInt16BigEndian(body);
        var called = ReadAeTitle(body.Slice(4, 16));
        var calling = ReadAeTitle(body.Slice(20, 16));
        string? applicationContext = null;
        var proposals = new List<PresentationContextProposal>();
        var results = new List<PresentationContextResult>();
        UserInformation? userInformation = null;

        var items = body[68..];
        while (!items.IsEmpty)
        {
            var itemType = ReadItem(ref items, Name(type), out var value);
            switch (itemType)
            {
                case 0x10:
                    applicationContext = ReadUid(value);
                    break;
                case 0x20 when type == PduType.AssociateRequest:
                    proposals.Add(ReadProposal(value));
                    break;
                case 0x21 when type == PduType.AssociateAccept:
                    results.Add(ReadResult(value));
                    break;
                case 0x50:
                    userInformation = ReadUserInformation(value);
                    break;
                default:
                    throw new DimsePduException($"{Name(type)} holds an item of type 0x{itemType:X2}, which PS3.8 9.3 does not define there.", AbortReason.UnexpectedPduParameter);
            }
        }

        if (applicationContext is null)
        {
            throw new DimsePduException($"{Name(type)} has no Application Context item (PS3.8 9.3.2.1).", AbortReason.InvalidPduParameterValue);
        }

        if (userInformation is null)
        {
            throw new DimsePduException($"{Name(type)} has no User Information item (PS3.8 9.3.2.3).", AbortReason.InvalidPduParameterValue);
        }

        if (type == PduType.AssociateRequest)
        {
            return new AssociateRequestPdu
            {
                ProtocolVersion = version,
                CalledAeTitle = called,
                CallingAeTitle = calling,
                ApplicationContextName = applicationContext,
                PresentationContexts = proposals,
                UserInformation = userInformation,
            };
        }

        return new AssociateAcceptPdu
        {
            ProtocolVersion = version,
            CalledAeTitle = called,
            CallingAeTitle = calling,
            ApplicationContextName = applicationContext,
            PresentationContexts = results,
            UserInformation = userInformation,
        };
    }

    private static PresentationContextProposal ReadProposal(ReadOnlySpan<byte> value)
    {
        if (value.Length < 4)
        {
            throw new DimsePduException("A Presentation Context item is shorter than its 4 fixed bytes (PS3.8 9.3.2.2).");
        }

        var id = value[0];
        string? abstractSyntax = null;
        var transferSyntaxes = new List<string>();
        var subItems = value[4..];
        while (!subItems.IsEmpty)
        {
            var subType = ReadItem(ref subItems, "Presentation Context item", out var subValue);
            switch (subType)
            {
                case 0x30 when abstractSyntax is null:
                    abstractSyntax = ReadUid(subValue);
                    break;
                case 0x30:
                    throw new DimsePduException($"Presentation context {id} has more than one Abstract Syntax sub-item (PS3.8 9.3.2.2).", AbortReason.UnexpectedPduParameter);
                case 0x40:
                    transferSyntaxes.Add(ReadUid(subValue));
                    break;
                default:
                    throw new DimsePduException($"Presentation context {id} holds a sub-item of type 0x{subType:X2} (PS3.8 9.3.2.2 allows 0x30 and 0x40).", AbortReason.UnexpectedPduParameter);
            }
        }

        if (abstractSyntax is null || transferSyntaxes.Count == 0)
        {
            throw new DimsePduException($"Presentation context {id} needs one Abstract Syntax and at least one Transfer Syntax sub-item (PS3.8 9.3.2.2).");
        }

        return new PresentationContextProposal(id, abstractSyntax, transferSyntaxes);
    }

    private static PresentationContextResult ReadResult(ReadOnlySpan<byte> value)
    {
        if (value.Length < 4)
        {
            throw new DimsePduException("A Presentation Context (AC) item is shorter than its 4 fixed bytes (PS3.8 9.3.3.2).");
        }

        var id = value[0];
        var result = (PresentationContextResultCode)value[2];
        var transferSyntax = string.Empty;
        var subItems = value[4..];
        while (!subItems.IsEmpty)
        {
            var subType = ReadItem(ref subItems, "Presentation Context (AC) item", out var subValue);
            if (subType != 0x40)
            {
                throw new DimsePduException($"Presentation context {id} of the A-ASSOCIATE-AC holds a sub-item of type 0x{subType:X2} (PS3.8 9.3.3.2 allows 0x40).", AbortReason.UnexpectedPduParameter);
            }

            transferSyntax = ReadUid(subValue);
        }

        // PS3.8 9.3.3.2: when the context is not accepted the transfer syntax sub-item is not significant.
        if (result == PresentationContextResultCode.Acceptance && transferSyntax.Length == 0)
        {
            throw new DimsePduException($"Accepted presentation context {id} names no transfer syntax (PS3.8 9.3.3.2).");
        }

        return new PresentationContextResult(id, result, transferSyntax);
    }

    private static UserInformation ReadUserInformation(ReadOnlySpan<byte> value)
    {
        uint maximumLength = 0;
        var implementationClassUid = string.Empty;
        string? versionName = null;
        AsynchronousOperationsWindow? window = null;
        var roles = new List<RoleSelection>();
        var extended = new List<SopClassExtendedNegotiation>();
        var common = new List<SopClassCommonExtendedNegotiation>();
        UserIdentityRequest? identityRequest = null;
        UserIdentityResponse? identityResponse = null;

        while (!value.IsEmpty)
        {
            var subType = ReadItem(ref value, "User Information item", out var sub);
            switch (subType)
            {
                case 0x51:
                    Require(sub, 4, "Maximum Length (PS3.8 D.1)");
                    maximumLength = BinaryPrimitives.ReadUInt32BigEndian(sub);
                    break;
                case 0x52:
                    implementationClassUid = ReadUid(sub);
                    break;
                case 0x53:
                    Require(sub, 4, "Asynchronous Operations Window (PS3.7 D.3.3.3)");
                    window = new AsynchronousOperationsWindow(BinaryPrimitives.ReadUInt16BigEndian(sub), BinaryPrimitives.ReadUInt16BigEndian(sub[2..]));
                    break;
                case 0x54:
                {
                    var uid = ReadLengthPrefixedUid(ref sub, "SCP/SCU Role Selection (PS3.7 D.3.3.4)");
                    Require(sub, 2, "SCP/SCU Role Selection (PS3.7 D.3.3.4)");
                    roles.Add(new RoleSelection(uid, sub[0] == 1, sub[1] == 1));
                    break;
                }

                case 0x55:
                    versionName = ReadUid(sub);
                    break;
                case 0x56:
                {
                    var uid = ReadLengthPrefixedUid(ref sub, "SOP Class Extended Negotiation (PS3.7 D.3.3.5)");
                    extended.Add(new SopClassExtendedNegotiation(uid, sub.ToArray()));
                    break;
                }

                case 0x57:
                {
                    const string what = "SOP Class Common Extended Negotiation (PS3.7 D.3.3.6)";
                    var sopClass = ReadLengthPrefixedUid(ref sub, what);
                    var serviceClass = ReadLengthPrefixedUid(ref sub, what);
                    Require(sub, 2, what);
                    var relatedLength = BinaryPrimitives.ReadUInt16BigEndian(sub);
                    sub = sub[2..];
                    Require(sub, relatedLength, what);
                    var relatedBytes = sub[..relatedLength];
                    var related = new List<string>();
                    while (!relatedBytes.IsEmpty)
                    {
                        related.Add(ReadLengthPrefixedUid(ref relatedBytes, what));
                    }

                    common.Add(new SopClassCommonExtendedNegotiation(sopClass, serviceClass, related));
                    break;
                }

                case 0x58:
                {
                    const string what = "User Identity (PS3.7 D.3.3.7.1)";
                    Require(sub, 4, what);
                    var identityType = (UserIdentityType)sub[0];
                    var positive = sub[1] == 1;
                    sub = sub[2..];
                    var primary = ReadLengthPrefixed(ref sub, what);
                    var secondary = ReadLengthPrefixed(ref sub, what);
                    identityRequest = new UserIdentityRequest(identityType, positive, primary.ToArray(), secondary.ToArray());
                    break;
                }

                case 0x59:
                    identityResponse = new UserIdentityResponse(ReadLengthPrefixed(ref sub, "User Identity (PS3.7 D.3.3.7.2)").ToArray());
                    break;
                default:
                    // PS3.7 D.3.3: sub-items an implementation does not know are ignored, so extensions stay compatible.
                    break;
            }
        }

        return new UserInformation
        {
            MaximumLength = maximumLength,
            ImplementationClassUid = implementationClassUid,
            ImplementationVersionName = versionName,
            AsynchronousOperationsWindow = window,
            RoleSelections = roles,
            ExtendedNegotiations = extended,
            CommonExtendedNegotiations = common,
            UserIdentityRequest = identityRequest,
            UserIdentityResponse = identityResponse,
        };
    }

    /// <summary>Item type (1), reserved (1), item length (2, big endian), value (PS3.8 9.3.2).</summary>
    private static byte ReadItem(ref ReadOnlySpan<byte> items, string where, out ReadOnlySpan<byte> value)
    {
        if (items.Length < 4)
        {
            throw new DimsePduException($"{items.Length} stray bytes at the end of the {where}; an item header needs 4.");
        }

        var type = items[0];
        var length = BinaryPrimitives.ReadUInt16BigEndian(items[2..]);
        if (length > items.Length - 4)
        {
            throw new DimsePduException($"Item 0x{type:X2} of the {where} announces {length} bytes; only {items.Length - 4} remain.");
        }

        value = items.Slice(4, length);
        items = items[(4 + length)..];
        return type;
    }

    private static ReadOnlySpan<byte> ReadLengthPrefixed(ref ReadOnlySpan<byte> span, string what)
    {
        Require(span, 2, what);
        var length = BinaryPrimitives.ReadUInt16BigEndian(span);
        Require(span[2..], length, what);
        var value = span.Slice(2, length);
        span = span[(2 + length)..];
        return value;
    }

    private static string ReadLengthPrefixedUid(ref ReadOnlySpan<byte> span, string what) => ReadUid(ReadLengthPrefixed(ref span, what));

    private static void Require(ReadOnlySpan<byte> span, int length, string what)
    {
        if (span.Length < length)
        {
            throw new DimsePduException($"The {what} sub-item is too short: {span.Length} bytes where {length} are needed.");
        }
    }

    /// <summary>PS3.8 9.3.2.2: UIDs are sent unpadded; a trailing NUL or space from lenient peers is dropped.</summary>
    internal static string ReadUid(ReadOnlySpan<byte> value) => Encoding.ASCII.GetString(value).TrimEnd('\0', ' ');

    /// <summary>PS3.8 9.3.2: AE titles are 16 bytes; leading and trailing spaces are not significant.</summary>
    internal static string ReadAeTitle(ReadOnlySpan<byte> value) => Encoding.ASCII.GetString(value).Trim(' ', '\0');

    internal static string Name(PduType type) => type switch
    {
        PduType.AssociateRequest => "A-ASSOCIATE-RQ",
        PduType.AssociateAccept => "A-ASSOCIATE-AC",
        PduType.AssociateReject => "A-ASSOCIATE-RJ",
        PduType.PDataTransfer => "P-DATA-TF",
        PduType.ReleaseRequest => "A-RELEASE-RQ",
        PduType.ReleaseResponse => "A-RELEASE-RP",
        PduType.Abort => "A-ABORT",
        _ => $"0x{(byte)type:X2}",
    };
}
