using MassTransit;
using Pacs.Messaging.Contracts;
using Pacs.Messaging.Tracing;

namespace Pacs.Indexer;

/// <summary>
/// The indexer's bus consumer: every instance event goes to <see cref="IndexProjector.SubmitAsync"/>, inside an activity
/// that continues the trace of the request that stored (or deleted) the instance. Concurrent deliveries are applied
/// together in one transaction; each Consume returns only after the transaction holding its event committed, so the
/// broker's acknowledgement follows the commit. A failure of the event throws, so the bus retries, redelivers and
/// finally moves the message to the queue's error queue (<see cref="Pacs.Messaging.Bus.PacsBus"/>).
/// </summary>
public sealed class IndexerConsumer(IndexProjector projector) : IConsumer<InstanceStored>, IConsumer<InstanceReplaced>, IConsumer<InstanceDeleted>
{
    public Task Consume(ConsumeContext<InstanceStored> context) => ApplyAsync(context, context.Message);

    public Task Consume(ConsumeContext<InstanceReplaced> context) => ApplyAsync(context, context.Message);

    public Task Consume(ConsumeContext<InstanceDeleted> context) => ApplyAsync(context, context.Message);

    private async Task ApplyAsync(ConsumeContext context, InstanceEventBase e)
    {
        using var activity = MessageTracing.StartConsume(context, $"{EventCatalog.NameOf(e.GetType())} index");
        activity?.SetTag("pacs.study_instance_uid", e.StudyInstanceUid);
        bool applied = await projector.SubmitAsync(e, context.CancellationToken).ConfigureAwait(false);
        activity?.SetTag("pacs.inbox.duplicate", !applied);
    }
}
