using Microsoft.AspNetCore.Http;
using Pacs.DicomWeb.Hosting;

namespace Pacs.DicomWeb.Tests.Hosting;

public class ServiceBaseUrlTests
{
    private static HttpRequest Request(string scheme = "http", string? host = "pacs.local:8080", string pathBase = "", params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        context.Request.Scheme = scheme;
        if (host is not null)
        {
            context.Request.Host = new HostString(host);
        }

        context.Request.PathBase = pathBase;
        foreach (var (name, value) in headers)
        {
            context.Request.Headers[name] = value;
        }

        return context.Request;
    }

    [Fact]
    public void A_configured_public_base_URL_wins_over_everything()
    {
        var options = new PublicUrlOptions { PublicBaseUrl = new Uri("https://pacs.example.org/dicom-web/"), TrustForwardedHeaders = true };
        var request = Request(headers: [("X-Forwarded-Host", "other.example.org"), ("X-Forwarded-Proto", "http")]);

        Assert.Equal("https://pacs.example.org/dicom-web", ServiceBaseUrl.Resolve(request, options));
    }

    [Fact]
    public void Without_configuration_the_request_scheme_host_and_path_base_are_used()
    {
        Assert.Equal("http://pacs.local:8080/dicom-web", ServiceBaseUrl.Resolve(Request(), new PublicUrlOptions()));
        Assert.Equal("https://h/pacs/dicom-web", ServiceBaseUrl.Resolve(Request("https", "h", "/pacs"), new PublicUrlOptions()));
        Assert.Equal("http://h", ServiceBaseUrl.Resolve(Request(host: "h"), new PublicUrlOptions { ServicePath = "/" }));
        Assert.Equal("http://h/api/dicomweb", ServiceBaseUrl.Resolve(Request(host: "h"), new PublicUrlOptions { ServicePath = "api/dicomweb/" }));
    }

    [Fact]
    public void Forwarded_headers_are_ignored_unless_trusted()
    {
        var request = Request(headers: [("X-Forwarded-Host", "evil.example.com"), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Prefix", "/x")]);

        Assert.Equal("http://pacs.local:8080/dicom-web", ServiceBaseUrl.Resolve(request, new PublicUrlOptions()));
    }

    [Fact]
    public void Trusted_forwarded_headers_give_the_address_the_client_used()
    {
        var request = Request(headers: [("X-Forwarded-Host", "viewer.example.org"), ("X-Forwarded-Proto", "HTTPS"), ("X-Forwarded-Prefix", "/archive/")]);

        Assert.Equal("https://viewer.example.org/archive/dicom-web", ServiceBaseUrl.Resolve(request, new PublicUrlOptions { TrustForwardedHeaders = true }));
    }

    [Fact]
    public void The_first_entry_of_a_proxy_chain_is_the_client_facing_one()
    {
        var request = Request(headers: [("X-Forwarded-Host", "a.example.org:8443, proxy.internal"), ("X-Forwarded-Proto", "https,http")]);

        Assert.Equal("https://a.example.org:8443/dicom-web", ServiceBaseUrl.Resolve(request, new PublicUrlOptions { TrustForwardedHeaders = true }));
    }

    [Theory]
    [InlineData("evil.example.com/path")]
    [InlineData("user@evil.example.com")]
    [InlineData("host:99999")]
    [InlineData("host:0")]
    [InlineData("host:abc")]
    [InlineData("bad host")]
    [InlineData("[::1")]
    public void A_forwarded_host_that_is_not_host_and_port_is_ignored(string forwardedHost)
    {
        var request = Request(headers: [("X-Forwarded-Host", forwardedHost)]);

        Assert.Equal("http://pacs.local:8080/dicom-web", ServiceBaseUrl.Resolve(request, new PublicUrlOptions { TrustForwardedHeaders = true }));
    }

    [Theory]
    [InlineData("[::1]:8443")]
    [InlineData("10.0.0.5")]
    [InlineData("pacs")]
    public void Forwarded_IP_addresses_and_single_label_hosts_are_accepted(string forwardedHost)
    {
        var request = Request(headers: [("X-Forwarded-Host", forwardedHost)]);

        Assert.Equal($"http://{forwardedHost}/dicom-web", ServiceBaseUrl.Resolve(request, new PublicUrlOptions { TrustForwardedHeaders = true }));
    }

    [Theory]
    [InlineData("X-Forwarded-Proto", "javascript")]
    [InlineData("X-Forwarded-Prefix", "//evil.example.com")]
    [InlineData("X-Forwarded-Prefix", "no-slash")]
    [InlineData("X-Forwarded-Prefix", "/a?b")]
    public void Forwarded_values_that_would_bend_the_URL_are_ignored(string header, string value)
    {
        var request = Request(headers: [(header, value)]);

        Assert.Equal("http://pacs.local:8080/dicom-web", ServiceBaseUrl.Resolve(request, new PublicUrlOptions { TrustForwardedHeaders = true }));
    }

    [Fact]
    public void A_request_without_Host_falls_back_to_localhost()
    {
        Assert.Equal("http://localhost/dicom-web", ServiceBaseUrl.Resolve(Request(host: null), new PublicUrlOptions()));
    }

    [Fact]
    public void A_relative_public_base_URL_is_a_configuration_error()
    {
        var options = new PublicUrlOptions { PublicBaseUrl = new Uri("/dicom-web", UriKind.Relative) };

        Assert.Throws<InvalidOperationException>(() => ServiceBaseUrl.Resolve(Request(), options));
    }
}
