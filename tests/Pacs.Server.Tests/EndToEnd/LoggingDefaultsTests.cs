using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Pacs.Server.Tests.EndToEnd;

/// <summary>
/// The embedded server's logging defaults (libs/Pacs.ServiceDefaults): ASP.NET Core's per-request information lines
/// are off, since they cost a tenth of the CPU of a small STOW-RS request (docs/benchmarks.md), but configuration can
/// turn them back on; the host's own start-up lines stay.
/// </summary>
public sealed class LoggingDefaultsTests
{
    [Fact]
    public async Task Requests_are_not_logged_at_information_level_by_default()
    {
        await using var app = Build();
        var loggers = app.Services.GetRequiredService<ILoggerFactory>();

        Assert.False(loggers.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Information));
        Assert.True(loggers.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Warning));
        Assert.True(loggers.CreateLogger("Microsoft.Hosting.Lifetime").IsEnabled(LogLevel.Information));
    }

    [Fact]
    public async Task Configuration_turns_request_logging_back_on()
    {
        await using var app = Build("--Logging:LogLevel:Microsoft.AspNetCore=Information");
        var loggers = app.Services.GetRequiredService<ILoggerFactory>();

        Assert.True(loggers.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Information));
    }

    private static Microsoft.AspNetCore.Builder.WebApplication Build(params string[] settings)
    {
        // Built, not started: the logger factory and its filter rules exist once the host is built.
        var dataFolder = Path.Combine(Path.GetTempPath(), $"pacs-server-test-{Guid.NewGuid():N}");
        try
        {
            return PacsServer.Build([$"--Pacs:DataFolder={dataFolder}", "--Pacs:Url=http://127.0.0.1:0", .. settings]);
        }
        finally
        {
            // Build creates the folder; nothing is written into it until the server starts.
            if (Directory.Exists(dataFolder))
                Directory.Delete(dataFolder, recursive: true);
        }
    }
}
