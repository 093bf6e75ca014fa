using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Pacs.Dimse;

/// <summary>
/// Writes PDUs (PS3.8 9.3) strictly: reserved fields zero, UIDs unpadded, AE titles space-padded to 16 bytes, every
/// length computed from what follows it. Values that cannot be encoded (an AE title over 16 characters, an item over
/// 65535 bytes) are refused with the field named.
/// </summary>
public static class PduWriter
{
    /// <summary>The PDU as bytes, header included.</summary>
    public static byte[] ToArray(Pdu pdu)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Write(buffer, pdu);
        return buffer.WrittenSpan.ToArray();
    }

    public static void Write(IBufferWriter<byte> output, Pdu pdu)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(pdu);
        switch (pdu)
        {
            case AssociatePdu associate:
                WriteAssociate(output, associate);
                break;
            case PDataTfPdu data:
                WritePData(output, data);
                break;
            case AssociateRejectPdu reject:
                WriteFixed(output, PduType.AssociateReject, 0, (byte)reject.Result, (byte)reject.Source, reject.Reason);
                break;
            case AbortPdu abort:
                WriteFixed(output, PduType.Abort, 0, 0, (byte)abort.Source, (byte)abort.Reason);
                break;
            case ReleaseRequestPdu:
                WriteFixed(output, PduType.ReleaseRequest, 0, 0, 0, 0);
                break;
            case ReleaseResponsePdu:
                WriteFixed(output, PduType.ReleaseResponse, 0, 0, 0, 0);
                break;
            default:
                throw new ArgumentException($"Unknown PDU class {pdu.GetType().Name}.", nameof(pdu));
        }
    }

    /// <summary>Writes the 6-byte PDU header and the 6-byte header of a single PDV of <paramref name="fragmentLength"/> bytes.</summary>
    internal static void WritePDataHeaders(Span<byte> destination, byte presentationContextId, bool isCommand, bool isLast, int fragmentLength)
    {
        destination[0] = (byte)PduType.PDataTransfer;
        destination[1] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], (uint)(fragmentLength + 6));
        BinaryPrimitives.WriteUInt32BigEndian(destination[6..], (uint)(fragmentLength + 2));
        destination[10] = presentationContextId;
        destination[11] = (byte)((isCommand ? 1 : 0) | (isLast ? 2 : 0));
    }

    private static void WriteFixed(IBufferWriter<byte> output, PduType type, byte b0, byte b1, byte b2, byte b3)
    {
        var span = output.GetSpan(10);
        span[0] = (byte)type;
        span[1] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(span[2..], 4);
        span[6] = b0;
        span[7] = b1;
        span[8] = b2;
        span[9] = b3;
        output.Advance(10);
    }

    private static void WritePData(IBufferWriter<byte> output, PDataTfPdu pdu)
    {
        long length = 0;
        foreach (var pdv in pdu.Values)
        {
            length += 6 + pdv.Data.Length;
        }

        if (length > uint.MaxValue)
        {
            throw new ArgumentException("The P-DATA-TF PDU is longer than a PDU length can say.", nameof(pdu));
        }

        var header = output.GetSpan(PduReader.HeaderLength);
        header[0] = (byte)PduType.PDataTransfer;
        header[1] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(header[2..], (uint)length);
        output.Advance(PduReader.HeaderLength);
        foreach (var pdv in pdu.Values)
        {
            var item = output.GetSpan(6);
            BinaryPrimitives.WriteUInt32BigEndian(item, (uint)(pdv.Data.Length + 2));
            item[4] = pdv.PresentationContextId;
            item[5] = pdv.MessageControlHeader;
            output.Advance(6);
            output.Write(pdv.Data.Span);
        }
    }

    private static void WriteAssociate(IBufferWriter<byte> output, AssociatePdu pdu)
    {
        var body = new ItemWriter();
        body.UInt16(pdu.ProtocolVersion);
        body.UInt16(0);
        body.AeTitle(pdu.CalledAeTitle, "Called AE title");
        body.AeTitle(pdu.CallingAeTitle, "Calling AE title");
        body.Zeros(32);

        body.Item(0x10, w => w.Ascii(pdu.ApplicationContextName));
        switch (pdu)
        {
            case AssociateRequestPdu request:
                foreach (var pc in request.PresentationContexts)
                {
                    body.Item(0x20, w =>
                    {
                        w.Bytes([pc.Id, 0, 0, 0]);
                        w.Item(0x30, s => s.Ascii(pc.AbstractSyntax));
                        foreach (var ts in pc.TransferSyntaxes)
                        {
                            w.Item(0x40, s => s.Ascii(ts));
                        }
                    });
                }

                break;
            case AssociateAcceptPdu accept:
                foreach (var pc in accept.PresentationContexts)
                {
                    body.Item(0x21, w =>
                    {
                        w.Bytes([pc.Id, 0, (byte)pc.Result, 0]);

                        // PS3.8 9.3.3.2: one transfer syntax sub-item, sent even when the context is refused.
                        w.Item(0x40, s => s.Ascii(pc.TransferSyntax));
                    });
                }

                break;
        }

        body.Item(0x50, w => WriteUserInformation(w, pdu.UserInformation));

        var bytes = body.WrittenSpan;
        var header = output.GetSpan(PduReader.HeaderLength);
        header[0] = (byte)pdu.Type;
        header[1] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(header[2..], (uint)bytes.Length);
        output.Advance(PduReader.HeaderLength);
        output.Write(bytes);
    }

    private static void WriteUserInformation(ItemWriter w, UserInformation info)
    {
        w.Item(0x51, s => s.UInt32(info.MaximumLength));
        w.Item(0x52, s => s.Ascii(info.ImplementationClassUid));
        if (info.AsynchronousOperationsWindow is { } window)
        {
            w.Item(0x53, s =>
            {
                s.UInt16(window.MaxOperationsInvoked);
                s.UInt16(window.MaxOperationsPerformed);
            });
        }

        foreach (var role in info.RoleSelections)
        {
            w.Item(0x54, s =>
            {
                s.LengthPrefixedAscii(role.SopClassUid);
                s.Bytes([role.ScuRole ? (byte)1 : (byte)0, role.ScpRole ? (byte)1 : (byte)0]);
            });
        }

        if (info.ImplementationVersionName is { Length: > 0 } versionName)
        {
            if (versionName.Length > 16)
            {
                throw new ArgumentException($"Implementation Version Name '{versionName}' is longer than 16 characters (PS3.7 D.3.3.2.3).");
            }

            w.Item(0x55, s => s.Ascii(versionName));
        }

        foreach (var negotiation in info.ExtendedNegotiations)
        {
            w.Item(0x56, s =>
            {
                s.LengthPrefixedAscii(negotiation.SopClassUid);
                s.Bytes(negotiation.ServiceClassApplicationInformation.Span);
            });
        }

        foreach (var negotiation in info.CommonExtendedNegotiations)
        {
            w.Item(0x57, s =>
            {
                s.LengthPrefixedAscii(negotiation.SopClassUid);
                s.LengthPrefixedAscii(negotiation.ServiceClassUid);
                var related = new ItemWriter();
                foreach (var uid in negotiation.RelatedGeneralSopClassUids)
                {
                    related.LengthPrefixedAscii(uid);
                }

                s.LengthPrefixed(related.WrittenSpan, "Related General SOP Class Identification");
            });
        }

        if (info.UserIdentityRequest is { } identity)
        {
            w.Item(0x58, s =>
            {
                s.Bytes([(byte)identity.IdentityType, identity.PositiveResponseRequested ? (byte)1 : (byte)0]);
                s.LengthPrefixed(identity.PrimaryField.Span, "User Identity primary field");
                s.LengthPrefixed(identity.SecondaryField.Span, "User Identity secondary field");
            });
        }

        if (info.UserIdentityResponse is { } response)
        {
            w.Item(0x59, s => s.LengthPrefixed(response.ServerResponse.Span, "User Identity server response"));
        }
    }

    /// <summary>Big-endian writer for items whose 2-byte length is patched once their value is written.</summary>
    private sealed class ItemWriter
    {
        private readonly ArrayBufferWriter<byte> _buffer = new(256);

        public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

        public void Item(byte type, Action<ItemWriter> writeValue)
        {
            var value = new ItemWriter();
            writeValue(value);
            if (value._buffer.WrittenCount > ushort.MaxValue)
            {
                throw new ArgumentException($"Item 0x{type:X2} is {value._buffer.WrittenCount} bytes long; an item length holds at most 65535 (PS3.8 9.3).");
            }

            Bytes([type, 0]);
            UInt16((ushort)value._buffer.WrittenCount);
            Bytes(value.WrittenSpan);
        }

        public void Bytes(ReadOnlySpan<byte> bytes) => _buffer.Write(bytes);

        public void Zeros(int count) => _buffer.Write(new byte[count]);

        public void UInt16(ushort value)
        {
            BinaryPrimitives.WriteUInt16BigEndian(_buffer.GetSpan(2), value);
            _buffer.Advance(2);
        }

        public void UInt32(uint value)
        {
            BinaryPrimitives.WriteUInt32BigEndian(_buffer.GetSpan(4), value);
            _buffer.Advance(4);
        }

        public void Ascii(string text)
        {
            foreach (var c in text)
            {
                if (c > 0x7E || c < 0x20)
                {
                    throw new ArgumentException($"'{text}' holds a character that is not printable ASCII; PDU UIDs and names are ASCII (PS3.8 9.3.2.2).");
                }
            }

            Bytes(Encoding.ASCII.GetBytes(text));
        }

        public void LengthPrefixedAscii(string text) => LengthPrefixed(Encoding.ASCII.GetBytes(text), text);

        public void LengthPrefixed(ReadOnlySpan<byte> value, string what)
        {
            if (value.Length > ushort.MaxValue)
            {
                throw new ArgumentException($"{what} is {value.Length} bytes long; its length field holds at most 65535.");
            }

            UInt16((ushort)value.Length);
            Bytes(value);
        }

        public void AeTitle(string title, string what)
        {
            var trimmed = title.Trim(' ');
            if (trimmed.Length is 0 or > 16 || trimmed.Any(c => c < 0x20 || c > 0x7E || c == '\\'))
            {
                throw new ArgumentException($"{what} '{title}' must be 1–16 printable ASCII characters without backslash (PS3.5 6.2, AE).");
            }

            Bytes(Encoding.ASCII.GetBytes(trimmed.PadRight(16, ' ')));
        }
    }
}
