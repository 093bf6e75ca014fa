namespace Pacs.Messaging.Bus;

/// <summary>Which transport carries the events.</summary>
public enum BusTransport
{
    /// <summary>In the process only: the embedded default and unit tests. Nothing survives the process.</summary>
    InMemory,

    /// <summary>RabbitMQ: separate services. Durable queues, persistent messages, publisher confirms.</summary>
    RabbitMq,
}

/// <summary>Where the RabbitMQ broker is (configuration section <c>Bus:RabbitMq</c>; environment <c>Bus__RabbitMq__Host</c> …).</summary>
public sealed class RabbitMqOptions
{
    public string Host { get; set; } = "localhost";

    public int Port { get; set; } = 5672;

    public string Username { get; set; } = "guest";

    public string Password { get; set; } = "guest";

    public string VirtualHost { get; set; } = "/";

    /// <summary>AMQP over TLS (port 5671 usually).</summary>
    public bool UseTls { get; set; }

    /// <summary>Heartbeat interval: how soon a dead connection is noticed. Default 10 s.</summary>
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether the broker has the delayed-message-exchange plugin, which redelivery through the broker needs on RabbitMQ.
    /// Off by default (Debian's broker does not ship it): then <see cref="BusOptions.RedeliveryIntervalsSeconds"/> are
    /// further attempts in the consumer's process after the immediate retries, the message staying unacknowledged on the
    /// broker meanwhile (a consumer that dies gets it back from the broker).
    /// </summary>
    public bool DelayedExchangePlugin { get; set; }
}

/// <summary>
/// The bus of a Pacs service (configuration section <c>Bus</c>). Retries, redelivery and the error and dead-letter
/// queues are set here, for every consumer of every service, by <see cref="PacsBus.AddPacsBus"/>.
/// </summary>
public sealed class BusOptions
{
    public const string ConfigurationSection = "Bus";

    public BusTransport Transport { get; set; } = BusTransport.InMemory;

    public RabbitMqOptions RabbitMq { get; set; } = new();

    /// <summary>
    /// Put before every exchange and queue name, so several Pacs systems (or test runs) can share one broker without
    /// seeing each other's messages. Default empty.
    /// </summary>
    public string EntityPrefix { get; set; } = "";

    /// <summary>
    /// Immediate retries of a failed consume, in the consumer's process, in milliseconds (a deadlock, a unique-key race
    /// between two copies of one event). Default 50, 200, 1000.
    /// </summary>
    public int[] RetryIntervalsMilliseconds { get; set; } = [50, 200, 1000];

    /// <summary>
    /// Second-level redelivery after the immediate retries failed, in seconds (the database is down for a while); the
    /// message goes back to the queue with a delay (in memory, or RabbitMQ with <see cref="RabbitMqOptions.DelayedExchangePlugin"/>),
    /// or, on plain RabbitMQ, is attempted again in process after each interval while it stays unacknowledged on the
    /// broker. Afterwards it goes to the queue's <c>_error</c> queue. Default 5, 30, 120.
    /// </summary>
    public int[] RedeliveryIntervalsSeconds { get; set; } = [5, 30, 120];

    /// <summary>Messages a consumer's queue hands out before they are acknowledged (RabbitMQ prefetch). Default 32.</summary>
    public int PrefetchCount { get; set; } = 32;

    /// <summary>
    /// Whether an unreachable broker makes the service unready (its bus health check Unhealthy, tagged "ready"). True
    /// for services whose work is the bus (the indexer); false for those that must keep serving without it (DICOMweb
    /// ingest, the embedded server), where the check then reports Degraded. Default true.
    /// </summary>
    public bool BrokerDecidesReadiness { get; set; } = true;

    /// <summary>Messages one endpoint processes at once. Default 8.</summary>
    public int ConcurrentMessageLimit { get; set; } = 8;
}
