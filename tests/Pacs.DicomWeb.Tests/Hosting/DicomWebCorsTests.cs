using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pacs.DicomWeb.Hosting;

namespace Pacs.DicomWeb.Tests.Hosting;

public class DicomWebCorsTests
{
    private const string Viewer = "https://viewer.example.org";

    private static DicomWebCorsOptions Options(params string[] origins)
    {
        var options = new DicomWebCorsOptions();
        foreach (var origin in origins)
        {
            options.AllowedOrigins.Add(origin);
        }

        return options;
    }

    /// <summary>One request through <see cref="DicomWebCors.UseDicomWebCors"/> on an in-process server.</summary>
    private static async Task<HttpResponseMessage> SendAsync(DicomWebCorsOptions options, string method, string? origin, params (string Name, string Value)[] headers)
    {
        using var host = await new HostBuilder()
            .ConfigureWebHost(web => web
                .UseTestServer()
                .ConfigureServices(services => services.AddDicomWebCors(options))
                .Configure(app =>
                {
                    app.UseDicomWebCors();
                    app.Run(context =>
                    {
                        context.Response.Headers.ETag = "\"1\"";
                        return context.Response.WriteAsync("body");
                    });
                }))
            .StartAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), "/dicom-web/studies");
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var response = await host.GetTestClient().SendAsync(request, timeout.Token);
        await host.StopAsync(timeout.Token);
        return response;
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : string.Empty;

    [Fact]
    public async Task Preflight_from_an_allowed_origin_allows_GET_POST_DELETE_with_the_viewer_headers()
    {
        var response = await SendAsync(
            Options(Viewer), "OPTIONS", Viewer, ("Access-Control-Request-Method", "DELETE"), ("Access-Control-Request-Headers", "accept, authorization, content-type"));

        Assert.Equal(204, (int)response.StatusCode);
        Assert.Equal(Viewer, Header(response, "Access-Control-Allow-Origin"));
        Assert.Equal("GET,POST,DELETE", Header(response, "Access-Control-Allow-Methods"));
        Assert.Equal("Accept,Authorization,Content-Type", Header(response, "Access-Control-Allow-Headers"));
        Assert.Equal("600", Header(response, "Access-Control-Max-Age"));
        Assert.Equal("Origin", Header(response, "Vary"));
    }

    [Fact]
    public async Task Preflight_answer_never_lists_methods_or_headers_outside_the_policy()
    {
        var put = await SendAsync(Options(Viewer), "OPTIONS", Viewer, ("Access-Control-Request-Method", "PUT"));
        var header = await SendAsync(Options(Viewer), "OPTIONS", Viewer, ("Access-Control-Request-Method", "GET"), ("Access-Control-Request-Headers", "x-secret"));

        Assert.DoesNotContain("PUT", Header(put, "Access-Control-Allow-Methods"), StringComparison.Ordinal);
        Assert.DoesNotContain("x-secret", Header(header, "Access-Control-Allow-Headers"), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Actual_request_exposes_the_headers_viewers_read_and_varies_by_origin_once()
    {
        var response = await SendAsync(Options(Viewer + "/"), "GET", Viewer);

        Assert.Equal(Viewer, Header(response, "Access-Control-Allow-Origin"));
        var exposed = Header(response, "Access-Control-Expose-Headers").Split(',');
        Assert.Contains("ETag", exposed);
        Assert.Contains("Content-Location", exposed);
        Assert.Contains("Content-Range", exposed);
        Assert.Contains("Warning", exposed);
        Assert.Equal("Origin", Assert.Single(response.Headers.Vary));
        Assert.Empty(Header(response, "Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task Other_origins_and_requests_without_origin_get_no_permission_but_still_vary_by_origin()
    {
        var other = await SendAsync(Options(Viewer), "GET", "https://elsewhere.example.org");
        var none = await SendAsync(Options(Viewer), "GET", null);

        Assert.Empty(Header(other, "Access-Control-Allow-Origin"));
        Assert.Equal("Origin", Header(other, "Vary"));
        Assert.Equal("body", await other.Content.ReadAsStringAsync());
        Assert.Equal("Origin", Header(none, "Vary"));
    }

    [Fact]
    public async Task Star_allows_every_origin()
    {
        var response = await SendAsync(Options("*"), "GET", "https://anything.example.net");

        Assert.Equal("https://anything.example.net", Header(response, "Access-Control-Allow-Origin"));
        Assert.Equal("Origin", Header(response, "Vary"));
    }

    [Fact]
    public async Task Credentials_are_allowed_only_when_configured()
    {
        var options = Options(Viewer);
        options.AllowCredentials = true;

        var response = await SendAsync(options, "GET", Viewer);

        Assert.Equal("true", Header(response, "Access-Control-Allow-Credentials"));
    }

    [Fact]
    public void Star_with_credentials_is_refused()
    {
        var options = Options("*");
        options.AllowCredentials = true;

        var error = Assert.Throws<InvalidOperationException>(() => DicomWebCors.BuildPolicy(options));
        Assert.Contains("credentials", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extra_request_headers_can_be_allowed()
    {
        var options = Options(Viewer);
        options.ExtraAllowedHeaders.Add("Range");

        var response = await SendAsync(options, "OPTIONS", Viewer, ("Access-Control-Request-Method", "GET"), ("Access-Control-Request-Headers", "range"));

        Assert.Contains("Range", Header(response, "Access-Control-Allow-Headers"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_configured_origins_CORS_is_off()
    {
        var response = await SendAsync(Options(), "GET", Viewer);

        Assert.Empty(Header(response, "Access-Control-Allow-Origin"));
        Assert.Empty(Header(response, "Vary"));
    }

    [Fact]
    public void Configuration_binds_origins_and_the_public_URL()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DicomWeb:PublicBaseUrl"] = "https://pacs.example.org/dicom-web",
            ["DicomWeb:TrustForwardedHeaders"] = "true",
            ["DicomWeb:Cors:AllowedOrigins:0"] = Viewer,
            ["DicomWeb:Cors:AllowedOrigins:1"] = "http://localhost:3000",
            ["DicomWeb:Cors:PreflightMaxAgeSeconds"] = "60",
        }).Build();

        var services = new ServiceCollection().AddLogging().AddDicomWeb(configuration).BuildServiceProvider();

        var urls = services.GetRequiredService<PublicUrlOptions>();
        var cors = services.GetRequiredService<DicomWebCorsOptions>();
        Assert.Equal(new Uri("https://pacs.example.org/dicom-web"), urls.PublicBaseUrl);
        Assert.True(urls.TrustForwardedHeaders);
        Assert.Equal([Viewer, "http://localhost:3000"], cors.AllowedOrigins);
        Assert.Equal(60, cors.PreflightMaxAgeSeconds);
    }
}
