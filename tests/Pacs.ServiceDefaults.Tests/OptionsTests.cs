using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Pacs.ServiceDefaults.Tests;

public sealed class OptionsTests
{
    [Theory]
    [InlineData("Service:DrainDelaySeconds", "30", "Service:DrainDelaySeconds")]
    [InlineData("Service:ShutdownTimeoutSeconds", "0", "Service:ShutdownTimeoutSeconds")]
    [InlineData("Service:Health:CheckTimeoutSeconds", "0", "Service:Health:CheckTimeoutSeconds")]
    [InlineData("Service:Telemetry:TraceSampleRatio", "1.5", "Service:Telemetry:TraceSampleRatio")]
    [InlineData("Service:Telemetry:OtlpEndpoint", "collector:4317", "Service:Telemetry:OtlpEndpoint")]
    [InlineData("Service:Auth:Enabled", "true", "Service:Auth:Authority")]
    public void Contradictory_settings_are_refused_at_start_naming_the_key(string key, string value, string named)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [key] = value });
        var e = Assert.ThrowsAny<Exception>(() => builder.AddServiceDefaults("test"));
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("c2hvcnQ=", "at least 32")]
    [InlineData("not base64!", "not valid base64")]
    public void A_weak_or_malformed_signing_key_is_refused(string key, string message)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Service:Auth:Enabled"] = "true", ["Service:Auth:SigningKey"] = key, ["Service:Auth:Audience"] = "pacs", ["Service:Auth:Issuer"] = "test",
        });
        var e = Assert.Throws<InvalidOperationException>(() => builder.AddServiceDefaults("test"));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_service_name_comes_from_configuration_then_OTEL_SERVICE_NAME_then_the_host()
    {
        Assert.Equal("pacs-x", Name(new()));
        Assert.Equal("from-otel", Name(new() { ["OTEL_SERVICE_NAME"] = "from-otel" }));
        Assert.Equal("from-config", Name(new() { ["OTEL_SERVICE_NAME"] = "from-otel", ["Service:Name"] = "from-config" }));

        static string? Name(Dictionary<string, string?> settings)
        {
            var builder = WebApplication.CreateBuilder();
            builder.Configuration.AddInMemoryCollection(settings);
            return builder.AddServiceDefaults("pacs-x").Name;
        }
    }

    [Theory]
    [InlineData("Auto", "true", LogFormat.Json)]
    [InlineData("Auto", null, LogFormat.Simple)]
    [InlineData("Simple", "true", LogFormat.Simple)]
    [InlineData("Json", null, LogFormat.Json)]
    public void Logs_are_json_in_containers_and_readable_lines_elsewhere(string configured, string? inContainer, LogFormat expected)
    {
        var format = Enum.Parse<LogFormat>(configured);
        Assert.Equal(expected, ServiceLogging.Resolve(format, name => name == "DOTNET_RUNNING_IN_CONTAINER" ? inContainer : null));
    }

    [Theory]
    [InlineData("Json", "json")]
    [InlineData("Simple", "simple")]
    public void The_console_logger_uses_the_chosen_formatter(string format, string formatter)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Service:Logging:Format"] = format });
        builder.AddServiceDefaults("test");
        using var app = builder.Build();
        Assert.Equal(formatter, app.Services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName);
    }

    [Fact]
    public void Otlp_endpoint_comes_from_the_service_section_then_the_standard_variable()
    {
        var none = new ConfigurationBuilder().Build();
        Assert.Null(ServiceTelemetry.ResolveEndpoint(new TelemetryOptions(), none));
        var standard = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4317" }).Build();
        Assert.Equal(new Uri("http://collector:4317"), ServiceTelemetry.ResolveEndpoint(new TelemetryOptions(), standard));
        Assert.Equal(new Uri("http://mine:4318"), ServiceTelemetry.ResolveEndpoint(new TelemetryOptions { OtlpEndpoint = new Uri("http://mine:4318") }, standard));
    }
}
