using System.Buffers;
using Pacs.Dicom;

namespace Pacs.Dimse;

/// <summary>
/// Sending messages: the command set, then the data set, each cut into PDVs no longer than the peer accepts
/// (PS3.8 D.1), one PDV per P-DATA-TF PDU. A whole message goes out before the next one starts, so fragments of
/// different messages never interleave.
/// </summary>
public sealed partial class DimseAssociation
{
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly int _fragmentLength;

    /// <summary>
    /// Sends a message whose data set, if any, is <see cref="DimseMessage.Dataset"/> or what <paramref name="writeData"/>
    /// writes. Once the first PDU is out the message is sent whole: a cancellation or failure in the middle leaves the
    /// peer with half a message, so the association is aborted.
    /// </summary>
    private async Task SendAsync(DimsePresentationContext context, DimseMessage message, Func<Stream, CancellationToken, Task>? writeData, CancellationToken cancellationToken)
    {
        if (writeData is not null)
        {
            message.HasDataset = true;
        }

        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        var started = false;
        try
        {
            await using (var command = new PDataOutputStream(this, context.Id, isCommand: true, cancellationToken))
            {
                // PS3.7 6.3.1: the command set is always Implicit VR Little Endian, whatever the context's syntax.
                await DicomWriter.WriteDatasetAsync(command, message.Command, DicomTransferSyntax.ImplicitVRLittleEndian, cancellationToken: cancellationToken).ConfigureAwait(false);
                started = true;
                await command.CompleteAsync().ConfigureAwait(false);
            }

            if (!message.HasDataset)
            {
                return;
            }

            await using var data = new PDataOutputStream(this, context.Id, isCommand: false, cancellationToken);
            if (writeData is not null)
            {
                await writeData(data, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await DicomWriter.WriteDatasetAsync(data, message.Dataset ?? new DicomDataset(), context.TransferSyntax!, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            await data.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (started && e is not DimseAssociationAbortedException and not DimseTimeoutException)
        {
            // Half a message is on the wire (or nothing, which aborting costs little more than): the peer cannot make sense
            // of what follows, so the association ends here.
            _channel.Abort(AbortSource.ServiceUser, new DimseAssociationAbortedException($"Sending {message.CommandField} failed midway: {e.Message}", e));
            throw;
        }
        finally
        {
            _sendLock.Release();
        }
    }

    internal static DimseResponse CreateResponse(DimseRequest request, DimseStatus status) => request switch
    {
        CEchoRequest echo => new CEchoResponse(echo, status),
        CStoreRequest store => new CStoreResponse(store, status),
        CFindRequest find => new CFindResponse(find, status),
        CMoveRequest move => new CMoveResponse(move, status),
        CGetRequest get => new CGetResponse(get, status),
        NEventReportRequest report => new NEventReportResponse(report, status),
        NGetRequest nget => new NGetResponse(nget, status),
        NSetRequest set => new NSetResponse(set, status),
        NActionRequest action => new NActionResponse(action, status),
        NCreateRequest create => new NCreateResponse(create, status),
        NDeleteRequest delete => new NDeleteResponse(delete, status),
        _ => throw new ArgumentException($"No response is defined for {request.CommandField}.", nameof(request)),
    };

    /// <summary>
    /// A write-only stream that turns what is written into P-DATA-TF PDUs of one PDV each. It always holds back the
    /// last full fragment until it knows whether more follows, so the last-fragment bit (PS3.8 E.2) is set on the
    /// right PDV without knowing the total length in advance. One buffer of the peer's maximum PDU size, pooled.
    /// </summary>
    private sealed class PDataOutputStream : Stream
    {
        private const int HeaderLength = 12;
        private readonly DimseAssociation _association;
        private readonly byte _contextId;
        private readonly bool _isCommand;
        private readonly CancellationToken _cancellationToken;
        private byte[]? _buffer;
        private int _filled;
        private bool _completed;

        public PDataOutputStream(DimseAssociation association, byte contextId, bool isCommand, CancellationToken cancellationToken)
        {
            _association = association;
            _contextId = contextId;
            _isCommand = isCommand;
            _cancellationToken = cancellationToken;
            _buffer = ArrayPool<byte>.Shared.Rent(HeaderLength + association._fragmentLength);
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        private int Capacity => _association._fragmentLength;

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (!buffer.IsEmpty)
            {
                if (_filled == Capacity)
                {
                    // More data follows, so the held fragment is not the last one.
                    await FlushFragmentAsync(isLast: false).ConfigureAwait(false);
                }

                var take = Math.Min(Capacity - _filled, buffer.Length);
                buffer.Span[..take].CopyTo(_buffer.AsSpan(HeaderLength + _filled));
                _filled += take;
                buffer = buffer[take..];
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Write asynchronously.");

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        /// <summary>Sends what is held as the last fragment (an empty one if nothing was written).</summary>
        public async ValueTask CompleteAsync()
        {
            if (!_completed)
            {
                await FlushFragmentAsync(isLast: true).ConfigureAwait(false);
                _completed = true;
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override ValueTask DisposeAsync()
        {
            if (_buffer is { } buffer)
            {
                _buffer = null;
                ArrayPool<byte>.Shared.Return(buffer);
            }

            return ValueTask.CompletedTask;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            base.Dispose(disposing);
        }

        private async ValueTask FlushFragmentAsync(bool isLast)
        {
            PduWriter.WritePDataHeaders(_buffer, _contextId, _isCommand, isLast, _filled);
            await _association._channel.SendPDataAsync(_buffer.AsMemory(0, HeaderLength + _filled), _cancellationToken).ConfigureAwait(false);
            _filled = 0;
        }
    }
}
