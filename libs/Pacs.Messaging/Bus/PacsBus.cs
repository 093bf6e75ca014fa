using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Pacs.Messaging.Contracts;
using Pacs.Messaging.Outbox;

namespace Pacs.Messaging.Bus;

/// <summary>
/// The one place the bus is configured, for every service: transport (in-memory or RabbitMQ), names of exchanges and
/// queues, retries, redelivery, error and dead-letter queues.
/// <list type="bullet">
/// <item>Each contract is published to the exchange named by <see cref="EventCatalog"/> (with
/// <see cref="BusOptions.EntityPrefix"/>); base types and interfaces get no exchanges of their own.</item>
/// <item>A consumer endpoint retries a failed message in process (<see cref="BusOptions.RetryIntervalsMilliseconds"/>),
/// then redelivers it later (<see cref="BusOptions.RedeliveryIntervalsSeconds"/>: through the transport in memory and on
/// RabbitMQ with the delayed-exchange plugin; on plain RabbitMQ as further in-process attempts at those intervals, the
/// message unacknowledged meanwhile), then moves it to <c>{queue}_error</c>. A message no consumer of the queue knows
/// goes to <c>{queue}_skipped</c> (the dead-letter queue). Neither is ever dropped.</item>
/// <item>On RabbitMQ queues are durable, messages persistent, publishes confirmed by the broker: a publish that returned
/// is on the broker's disk. The host starts without waiting for the broker and reconnects by itself.</item>
/// </list>
/// </summary>
public static class PacsBus
{
    /// <summary>Reads <see cref="BusOptions"/> from the <c>Bus</c> section.</summary>
    public static BusOptions ReadOptions(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new BusOptions();
        configuration.GetSection(BusOptions.ConfigurationSection).Bind(options);
        return options;
    }

    /// <summary>
    /// Adds MassTransit with the Pacs conventions. <paramref name="consumers"/> registers the service's consumers (for
    /// example the indexer's); call this once per service collection, since a process has one bus.
    /// </summary>
    public static IServiceCollection AddPacsBus(this IServiceCollection services, BusOptions options, Action<IBusRegistrationConfigurator>? consumers = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddSingleton(options);
        services.Configure<MassTransitHostOptions>(o =>
        {
            // Never hold up the start of a service (and its ingest) because the broker is not there yet.
            o.WaitUntilStarted = false;
            o.StopTimeout = TimeSpan.FromSeconds(30);
        });
        services.AddMassTransit(x =>
        {
            x.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(options.EntityPrefix, includeNamespace: false));
            consumers?.Invoke(x);
            if (!options.BrokerDecidesReadiness)
            {
                // Ingest never waits on a neighbour (ARCHITECTURE promise 2): a broker outage is reported, not a reason
                // to take the service out of rotation.
                x.ConfigureHealthCheckOptions(h => h.MinimalFailureStatus = Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded);
            }
            x.AddConfigureEndpointsCallback((_, _, endpoint) => ConfigureEndpoint(endpoint, options));
            switch (options.Transport)
            {
                case BusTransport.InMemory:
                    x.UsingInMemory((context, bus) =>
                    {
                        ConfigureTopology(bus, options);
                        bus.ConfigureEndpoints(context);
                    });
                    break;
                case BusTransport.RabbitMq:
                    x.UsingRabbitMq((context, bus) =>
                    {
                        var r = options.RabbitMq;
                        bus.Host(r.Host, checked((ushort)r.Port), r.VirtualHost, h =>
                        {
                            h.Username(r.Username);
                            h.Password(r.Password);
                            h.Heartbeat(r.Heartbeat);
                            h.PublisherConfirmation = true;
                            if (r.UseTls)
                                h.UseSsl(ssl => ssl.ServerName = r.Host);
                        });
                        ConfigureTopology(bus, options);
                        bus.ConfigureEndpoints(context);
                    });
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(options), options.Transport, "Unknown bus transport.");
            }
        });
        return services;
    }

    /// <summary>Adds the <see cref="OutboxDispatcher"/> as a hosted service over the registered <see cref="IOutboxStore"/>.</summary>
    public static IServiceCollection AddOutboxDispatcher(this IServiceCollection services, OutboxDispatcherOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(options ?? new OutboxDispatcherOptions());
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new OutboxDispatcher(sp.GetRequiredService<IOutboxStore>(), sp.GetRequiredService<IBus>(),
            sp.GetRequiredService<OutboxDispatcherOptions>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetService<Microsoft.Extensions.Logging.ILogger<OutboxDispatcher>>()));
        services.AddHostedService(sp => sp.GetRequiredService<OutboxDispatcher>());
        return services;
    }

    private static void ConfigureTopology(IBusFactoryConfigurator bus, BusOptions options)
    {
        bus.MessageTopology.SetEntityNameFormatter(new PacsEntityNameFormatter(options.EntityPrefix, bus.MessageTopology.EntityNameFormatter));
        // One exchange per contract; the shared base types would only add exchange-to-exchange hops.
        bus.Publish<IPacsEvent>(p => p.Exclude = true);
        bus.Publish<InstanceEventBase>(p => p.Exclude = true);
    }

    private static void ConfigureEndpoint(IReceiveEndpointConfigurator endpoint, BusOptions options)
    {
        var immediate = options.RetryIntervalsMilliseconds.Select(ms => TimeSpan.FromMilliseconds(ms)).ToArray();
        var later = options.RedeliveryIntervalsSeconds.Select(s => TimeSpan.FromSeconds(s)).ToArray();
        if (later.Length > 0 && (options.Transport == BusTransport.InMemory || options.RabbitMq.DelayedExchangePlugin))
        {
            // Order matters: redelivery wraps retry, so a message is retried in process first, then handed back to the
            // transport to come again later (each redelivery gets the immediate retries again).
            endpoint.UseDelayedRedelivery(r => r.Intervals(later));
        }
        else if (later.Length > 0)
        {
            // Plain RabbitMQ (Debian's broker has no delayed-message-exchange plugin): the later attempts are waited for
            // in the consumer's process instead. The message stays unacknowledged on the broker meanwhile, so a consumer
            // that dies while waiting loses nothing (the broker delivers it again); the wait holds one of the endpoint's
            // ConcurrentMessageLimit slots, which is the back-pressure wanted while the database is away. The whole
            // schedule must stay well below the broker's consumer_timeout (30 min by default).
            immediate = [.. immediate, .. later];
        }
        if (immediate.Length > 0)
            endpoint.UseMessageRetry(r => r.Intervals(immediate));
        endpoint.ConcurrentMessageLimit = options.ConcurrentMessageLimit;
        if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            rabbit.PrefetchCount = options.PrefetchCount;
            rabbit.Durable = true;
            rabbit.AutoDelete = false;
        }
    }

    /// <summary>Exchange names: the contract's catalog name for Pacs events, MassTransit's default for the rest; all prefixed.</summary>
    private sealed class PacsEntityNameFormatter(string prefix, IEntityNameFormatter fallback) : IEntityNameFormatter
    {
        public string FormatEntityName<T>() =>
            prefix + (EventCatalog.TryGetName(typeof(T), out var name) ? name! : fallback.FormatEntityName<T>());
    }
}
