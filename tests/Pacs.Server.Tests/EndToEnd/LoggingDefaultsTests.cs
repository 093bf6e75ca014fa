using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Pacs.Server.Tests.EndToEnd;

/// <summary>
/// The embedded server's logging defaults: ASP.NET Core's per-request information lines are off (they cost a tenth of
/// the CPU of a small STOW-RS request, docs/benchmarks.md) but configuration can turn them back on.
/// </summary>
public sealed class LoggingDefaultsTests
{
    [Fact]
    public async Task Requests_are_not_logged_at_information_level_by_default()
    {
        var entries = await RequestAndCaptureAsync();

        Assert.DoesNotContain(entries, e => e.Category.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) && e.Level == LogLevel.Information);
        // The capture works: the host's own start-up lines are still there.
        Assert.Contains(entries, e => e.Category == "Microsoft.Hosting.Lifetime" && e.Level == LogLevel.Information);
    }

    [Fact]
    public async Task Configuration_turns_request_logging_back_on()
    {
        var entries = await RequestAndCaptureAsync("--Logging:LogLevel:Microsoft.AspNetCore=Information");

        Assert.Contains(entries, e => e.Category.StartsWith("Microsoft.AspNetCore.Hosting", StringComparison.Ordinal) && e.Level == LogLevel.Information);
    }

    private static async Task<List<(string Category, LogLevel Level)>> RequestAndCaptureAsync(params string[] settings)
    {
        var capture = new CapturingProvider();
        var dataFolder = Path.Combine(Path.GetTempPath(), $"pacs-server-test-{Guid.NewGuid():N}");
        var app = PacsServer.Build([$"--Pacs:DataFolder={dataFolder}", "--Pacs:Url=http://127.0.0.1:0", "--Pacs:Gateway:Port=0", .. settings],
            builder => builder.Logging.AddProvider(capture));
        try
        {
            await PacsServer.StartAsync(app);
            using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single().TrimEnd('/') + "/dicom-web/"), Timeout = TimeSpan.FromSeconds(30) };
            using var response = await client.GetAsync("studies?limit=1");
            Assert.True(response.IsSuccessStatusCode, $"GET studies answered {(int)response.StatusCode}");
            await app.StopAsync();
            return [.. capture.Entries];
        }
        finally
        {
            await app.DisposeAsync();
            if (Directory.Exists(dataFolder))
                Directory.Delete(dataFolder, recursive: true);
        }
    }

    private sealed class CapturingProvider : ILoggerProvider
    {
        public ConcurrentQueue<(string Category, LogLevel Level)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Entries);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<(string, LogLevel)> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue((category, logLevel));
        }
    }
}
