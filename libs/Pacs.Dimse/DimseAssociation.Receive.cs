using System.Buffers;
using Pacs.Dicom;

namespace Pacs.Dimse;

/// <summary>
/// Reassembly of received messages (PS3.7 6.3.1, PS3.8 Annex E): the command fragments are collected (a command is
/// small and bounded), then the data set fragments go to their sink as they arrive: the application's destination
/// stream for C-STORE, a bounded buffer for everything else.
/// </summary>
public sealed partial class DimseAssociation
{
    private readonly SemaphoreSlim _sinkGate = new(1, 1);
    private readonly ArrayBufferWriter<byte> _commandBuffer = new(512);
    private ReceivePhase _phase;
    private byte _messageContextId;
    private DimseMessage? _incoming;
    private DataSink? _sink;

    private enum ReceivePhase
    {
        AwaitingCommand,
        Command,
        Data,
    }

    async ValueTask IAssociationUser.OnPDataAsync(ReadOnlySequence<byte> body)
    {
        await _sinkGate.WaitAsync().ConfigureAwait(false);
        try
        {
            while (PduReader.TryTakePdv(ref body, out var contextId, out var control, out var fragment))
            {
                await OnFragmentAsync(contextId, (control & 1) != 0, (control & 2) != 0, fragment).ConfigureAwait(false);
            }
        }
        finally
        {
            _sinkGate.Release();
        }
    }

    private async ValueTask OnFragmentAsync(byte contextId, bool isCommand, bool isLast, ReadOnlySequence<byte> fragment)
    {
        if (_phase == ReceivePhase.AwaitingCommand)
        {
            if (!isCommand)
            {
                throw new DimsePduException("A data set fragment arrived where a command was due (PS3.7 6.3.1: a message starts with its command).", AbortReason.UnexpectedPduParameter);
            }

            if (!_contexts.TryGetValue(contextId, out var context) || !context.IsAccepted)
            {
                throw new DimsePduException($"A PDV uses presentation context {contextId}, which was not accepted on this association (PS3.8 9.3.5.1).", AbortReason.InvalidPduParameterValue);
            }

            _phase = ReceivePhase.Command;
            _messageContextId = contextId;
            _commandBuffer.ResetWrittenCount();
        }
        else if (contextId != _messageContextId)
        {
            // PS3.8 Annex E: the fragments of one message travel on its one presentation context.
            throw new DimsePduException($"A PDV on presentation context {contextId} arrived in the middle of a message on context {_messageContextId}.", AbortReason.UnexpectedPduParameter);
        }

        if (_phase == ReceivePhase.Command)
        {
            if (!isCommand)
            {
                throw new DimsePduException("A data set fragment arrived before the command's last fragment (PS3.8 E.2).", AbortReason.UnexpectedPduParameter);
            }

            if (_commandBuffer.WrittenCount + fragment.Length > Limits.MaxCommandLength)
            {
                throw new DimsePduException($"The command set exceeds {Limits.MaxCommandLength} bytes.", AbortReason.InvalidPduParameterValue);
            }

            foreach (var segment in fragment)
            {
                _commandBuffer.Write(segment.Span);
            }

            if (isLast)
            {
                await OnCommandCompleteAsync().ConfigureAwait(false);
            }

            return;
        }

        if (isCommand)
        {
            throw new DimsePduException("A command fragment arrived in the middle of a data set (PS3.8 E.2).", AbortReason.UnexpectedPduParameter);
        }

        await _sink!.WriteAsync(fragment).ConfigureAwait(false);
        if (isLast)
        {
            var message = _incoming!;
            var sink = _sink;
            _incoming = null;
            _sink = null;
            _phase = ReceivePhase.AwaitingCommand;
            await OnMessageCompleteAsync(message, sink).ConfigureAwait(false);
        }
    }

    private async ValueTask OnCommandCompleteAsync()
    {
        DimseMessage message;
        try
        {
            // PS3.7 6.3.1: the command set is always Implicit VR Little Endian.
            using var stream = new MemoryStream(_commandBuffer.WrittenSpan.ToArray(), writable: false);
            var command = DicomFile.ReadDataset(stream, DicomTransferSyntax.ImplicitVRLittleEndian);
            message = DimseMessage.FromCommand(command);
        }
        catch (DicomException e)
        {
            throw new DimsePduException("The command set cannot be decoded: " + e.Message, AbortReason.InvalidPduParameterValue);
        }
        catch (DimseException e) when (e is not DimsePduException)
        {
            throw new DimsePduException(e.Message, AbortReason.InvalidPduParameterValue);
        }

        if (!message.HasDataset)
        {
            _phase = ReceivePhase.AwaitingCommand;
            await OnMessageCompleteAsync(message, null).ConfigureAwait(false);
            return;
        }

        _incoming = message;
        _phase = ReceivePhase.Data;
        var context = _contexts[_messageContextId];
        _sink = message is CStoreRequest store
            ? await OpenStoreSinkAsync(new DimseRequestContext(this, context), store).ConfigureAwait(false)
            : new MemorySink(Limits.MaxInMemoryDatasetLength);
    }

    private async ValueTask OnMessageCompleteAsync(DimseMessage message, DataSink? sink)
    {
        var context = _contexts[_messageContextId];
        if (sink is MemorySink memory)
        {
            message.Dataset = memory.ReadDataset(context.TransferSyntax!);
        }

        switch (message)
        {
            case DimseResponse response:
                if (_pending.TryGetValue(response.MessageIdBeingRespondedTo, out var pending))
                {
                    pending.Deliver(response);
                }

                // A response to nothing we sent is dropped: PS3.7 gives it no meaning, and aborting would punish a peer
                // for answering a request we already gave up on (timeout).
                break;
            case CCancelRequest cancel:
                // PS3.7 9.3.2.3: cancel applies to an outstanding C-FIND, C-GET or C-MOVE; for anything else it is a no-op.
                if (_performing.TryGetValue(cancel.MessageIdBeingRespondedTo, out var cts))
                {
                    try
                    {
                        await cts.CancelAsync().ConfigureAwait(false);
                    }
                    catch (ObjectDisposedException)
                    {
                        // The operation finished meanwhile.
                    }
                }

                break;
            case DimseRequest request:
                // The negotiated window bounds how many requests we perform at once; a peer that sends more waits here,
                // and so does the reading of its further PDUs.
                await _performSlots.WaitAsync(_lifetime.Token).ConfigureAwait(false);
                var operation = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
                if (!_performing.TryAdd(request.MessageId, operation))
                {
                    _performSlots.Release();
                    operation.Dispose();
                    await SendAsync(context, DuplicateInvocation(request), null, CancellationToken.None).ConfigureAwait(false);
                    break;
                }

                OperationStarted();
                _ = Task.Run(() => PerformAsync(new DimseRequestContext(this, context), request, sink as StoreSink, operation));
                break;
        }
    }

    private async ValueTask<DataSink> OpenStoreSinkAsync(DimseRequestContext context, CStoreRequest request)
    {
        try
        {
            var destination = await StoreService.OpenStoreDestinationAsync(context, request, _lifetime.Token).ConfigureAwait(false);
            return new StoreSink(request, context, destination, null);
        }
        catch (DimseStatusException e)
        {
            // The application refused the object up front: drain the data and answer with its status.
            return new StoreSink(request, context, null, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return new StoreSink(request, context, null, new DimseStatusException(DimseStatus.OutOfResources, "Cannot open the destination: " + e.Message));
        }
    }

    /// <summary>When the association ends in the middle of a received data set, the destination is told and closed.</summary>
    private async Task AbandonIncomingAsync(Exception reason)
    {
        await _sinkGate.WaitAsync().ConfigureAwait(false);
        try
        {
            var sink = _sink;
            _sink = null;
            _incoming = null;
            if (sink is StoreSink { Destination: { } destination } store)
            {
                try
                {
                    await StoreService.OnStoreAbortedAsync(store.Context, store.Request, destination, reason).ConfigureAwait(false);
                }
                finally
                {
                    await destination.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _sinkGate.Release();
        }
    }

    private static DimseResponse DuplicateInvocation(DimseRequest request)
    {
        var response = CreateResponse(request, DimseStatus.DuplicateInvocation);
        response.ErrorComment = $"Message ID {request.MessageId} is already being performed.";
        return response;
    }

    /// <summary>Where the data set bytes of the message being received go.</summary>
    private abstract class DataSink
    {
        public abstract ValueTask WriteAsync(ReadOnlySequence<byte> fragment);
    }

    /// <summary>Identifiers and attribute lists: assembled in memory, bounded.</summary>
    private sealed class MemorySink(int limit) : DataSink
    {
        private readonly ArrayBufferWriter<byte> _buffer = new(1024);

        public override ValueTask WriteAsync(ReadOnlySequence<byte> fragment)
        {
            if (_buffer.WrittenCount + fragment.Length > limit)
            {
                throw new DimsePduException($"A data set held in memory exceeds {limit} bytes (DimseAssociationLimits.MaxInMemoryDatasetLength).", AbortReason.InvalidPduParameterValue);
            }

            foreach (var segment in fragment)
            {
                _buffer.Write(segment.Span);
            }

            return ValueTask.CompletedTask;
        }

        public DicomDataset ReadDataset(DicomTransferSyntax transferSyntax)
        {
            try
            {
                using var stream = new MemoryStream(_buffer.WrittenSpan.ToArray(), writable: false);
                return DicomFile.ReadDataset(stream, transferSyntax);
            }
            catch (DicomException e)
            {
                throw new DimsePduException($"A data set in {transferSyntax} cannot be decoded: {e.Message}", AbortReason.InvalidPduParameterValue);
            }
        }
    }

    /// <summary>C-STORE: the bytes go straight to the application's destination as they arrive.</summary>
    private sealed class StoreSink(CStoreRequest request, DimseRequestContext context, Stream? destination, DimseStatusException? refusal) : DataSink
    {
        public CStoreRequest Request => request;

        public DimseRequestContext Context => context;

        public Stream? Destination => destination;

        /// <summary>Why the object is not being kept: refused up front, or the destination failed on write.</summary>
        public DimseStatusException? Failure { get; private set; } = refusal;

        public long BytesReceived { get; private set; }

        public override async ValueTask WriteAsync(ReadOnlySequence<byte> fragment)
        {
            BytesReceived += fragment.Length;
            if (Failure is not null || destination is null)
            {
                return;
            }

            try
            {
                foreach (var segment in fragment)
                {
                    await destination.WriteAsync(segment, context.Association.Lifetime).ConfigureAwait(false);
                }
            }
            catch (IOException e)
            {
                // Disk full, spool gone: the rest of the data set is drained and the C-STORE answered with a failure.
                Failure = new DimseStatusException(DimseStatus.OutOfResources, "Writing the data set failed: " + e.Message);
            }
        }
    }
}
