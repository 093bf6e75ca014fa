using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Pacs.ServiceDefaults;

/// <summary>Standard output as the one log sink (containers and systemd collect it): JSON lines in containers, readable lines on a developer's machine.</summary>
public static class ServiceLogging
{
    /// <summary><see cref="LogFormat.Auto"/> resolved: JSON when the .NET container images say we run in one.</summary>
    public static LogFormat Resolve(LogFormat format, Func<string, string?>? environment = null)
    {
        if (format != LogFormat.Auto)
            return format;
        environment ??= Environment.GetEnvironmentVariable;
        return string.Equals(environment("DOTNET_RUNNING_IN_CONTAINER"), "true", StringComparison.OrdinalIgnoreCase) ? LogFormat.Json : LogFormat.Simple;
    }

    /// <summary>Categories that log every request or SQL command at Information; quieter unless <c>Logging:LogLevel:{category}</c> says otherwise.</summary>
    internal static IReadOnlyList<string> ChattyCategories { get; } = ["Microsoft.AspNetCore", "Microsoft.EntityFrameworkCore"];

    internal static void Configure(ILoggingBuilder logging, LogFormat format, IConfiguration configuration)
    {
        logging.ClearProviders();
        foreach (var category in ChattyCategories)
        {
            if (configuration[$"Logging:LogLevel:{category}"] is null)
                logging.AddFilter(category, LogLevel.Warning);
        }
        // Trace and span ids in the scope of every entry: a log line leads to its trace and back.
        logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        if (Resolve(format) == LogFormat.Json)
        {
            logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
                o.ColorBehavior = LoggerColorBehavior.Default;
            });
        }
    }
}
