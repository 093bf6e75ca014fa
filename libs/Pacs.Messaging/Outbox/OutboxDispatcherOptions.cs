namespace Pacs.Messaging.Outbox;

/// <summary>Settings of the <see cref="OutboxDispatcher"/> (configuration section <c>Bus:Outbox</c>).</summary>
public sealed class OutboxDispatcherOptions
{
    public const string ConfigurationSection = "Bus:Outbox";

    /// <summary>Rows read per round. Default 200.</summary>
    public int BatchSize { get; set; } = 200;

    /// <summary>Pause after a round that found nothing to publish. Default 200 ms.</summary>
    public TimeSpan IdlePollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest a single publish may take (a broker that is down makes publishing wait). Default 10 s.</summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Ordering keys (studies) published concurrently; messages of one key are always sequential. Default 8.</summary>
    public int MaxConcurrentKeys { get; set; } = 8;

    /// <summary>First pause after a failed round (broker or database down); doubled per failure up to <see cref="MaxBackoff"/>. Default 500 ms.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest pause between attempts while the broker stays down. Default 15 s.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often a dispatcher without the lease (another replica holds it) asks for it again. Default 2 s.</summary>
    public TimeSpan LeaseRetryInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long dispatched rows are kept (for inspection and replay) before they are purged. Default 3 days.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(3);

    /// <summary>How often dispatched rows older than <see cref="Retention"/> are purged. Default 1 h.</summary>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromHours(1);
}
