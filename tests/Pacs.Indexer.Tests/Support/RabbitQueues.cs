using Pacs.Testing;

namespace Pacs.Indexer.Tests.Support;

public static class RabbitQueues
{
    /// <summary>
    /// Waits until the queue exists and has a consumer: an endpoint declares its queue and bindings once the bus has
    /// connected, and an event published before that finds no binding.
    /// </summary>
    public static Task WaitForConsumerAsync(RabbitMqServer rabbit, string queue, TimeSpan timeout) =>
        Poll.UntilAsync(async () =>
        {
            await using var connection = await rabbit.CreateConnectionAsync();
            await using var channel = await connection.CreateChannelAsync();
            try
            {
                var ok = await channel.QueueDeclarePassiveAsync(queue);
                return ok.ConsumerCount > 0;
            }
            catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
            {
                return false;
            }
        }, timeout, $"queue {queue} with a consumer");
}
