namespace Pacs.ServiceDefaults;

/// <summary>
/// What every service host shares, bound from configuration section <c>Service</c> (environment variables
/// <c>Service__Telemetry__OtlpEndpoint</c> and so on; see docs/deployment.md). Every default suits a developer's
/// machine; the container images and the Helm chart set what production needs.
/// </summary>
public sealed class ServiceOptions
{
    public const string ConfigurationSection = "Service";

    /// <summary>
    /// The service's name in logs, traces and metrics (OpenTelemetry <c>service.name</c>). Default: the name the host
    /// passes (e.g. <c>pacs-dicomweb</c>), or <c>OTEL_SERVICE_NAME</c> when set.
    /// </summary>
    public string? Name { get; set; }

    /// <summary>
    /// The whole time a stop may take, in seconds: the drain delay, then finishing requests in flight and stopping
    /// background work. What is still running then is abandoned. Default 30 (Kubernetes' default grace period is 30 s;
    /// the chart sets terminationGracePeriodSeconds above this).
    /// </summary>
    public int ShutdownTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// After a stop signal, how long the service keeps serving while answering readiness with 503, before it stops
    /// accepting connections, in seconds. Gives load balancers and Kubernetes endpoints time to stop sending new
    /// requests, so none arrives at a closed port. Default 0 (the chart sets 5).
    /// </summary>
    public int DrainDelaySeconds { get; set; }

    public ServiceLoggingOptions Logging { get; set; } = new();

    public TelemetryOptions Telemetry { get; set; } = new();

    public HealthOptions Health { get; set; } = new();

    public AuthOptions Auth { get; set; } = new();

    /// <summary>Throws for settings that contradict each other, naming the key.</summary>
    public void Validate()
    {
        if (ShutdownTimeoutSeconds <= 0)
            throw new InvalidOperationException($"Service:ShutdownTimeoutSeconds must be positive (is {ShutdownTimeoutSeconds}).");
        if (DrainDelaySeconds < 0 || DrainDelaySeconds >= ShutdownTimeoutSeconds)
        {
            throw new InvalidOperationException(
                $"Service:DrainDelaySeconds ({DrainDelaySeconds}) must be at least 0 and less than Service:ShutdownTimeoutSeconds ({ShutdownTimeoutSeconds}), which includes it.");
        }
        if (Health.CheckTimeoutSeconds <= 0)
            throw new InvalidOperationException($"Service:Health:CheckTimeoutSeconds must be positive (is {Health.CheckTimeoutSeconds}).");
        Telemetry.Validate();
        Auth.Validate();
    }
}

/// <summary>How log lines are written to standard output.</summary>
public enum LogFormat
{
    /// <summary>JSON in a container (<c>DOTNET_RUNNING_IN_CONTAINER=true</c>, set by the .NET base images), simple text otherwise.</summary>
    Auto,

    /// <summary>One readable line per entry.</summary>
    Simple,

    /// <summary>One JSON object per line with scopes, trace and span ids: what log collectors parse.</summary>
    Json,
}

/// <summary>Section <c>Service:Logging</c>. Levels stay where ASP.NET Core reads them: <c>Logging:LogLevel:Default</c> and so on.</summary>
public sealed class ServiceLoggingOptions
{
    public LogFormat Format { get; set; } = LogFormat.Auto;
}

/// <summary>Section <c>Service:Health</c>.</summary>
public sealed class HealthOptions
{
    /// <summary>Longest a single dependency check of the readiness endpoint may take before it counts as failed, in seconds. Default 5.</summary>
    public int CheckTimeoutSeconds { get; set; } = 5;
}
