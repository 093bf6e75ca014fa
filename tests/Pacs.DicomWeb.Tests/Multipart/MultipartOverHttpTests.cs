using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Hosting;
using Pacs.Http.Multipart;

namespace Pacs.DicomWeb.Tests.Multipart;

/// <summary>Reader and writer on a real request and response pipeline, where synchronous body I/O is forbidden.</summary>
public class MultipartOverHttpTests
{
    [Fact]
    public async Task A_multipart_request_is_read_part_by_part_and_a_multipart_response_written_back()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var host = await new HostBuilder()
            .ConfigureWebHost(web => web.UseTestServer().Configure(app => app.Run(EchoDigestsAsync)))
            .StartAsync(timeout.Token);
        var bodies = new[] { new byte[3_000_000], MultipartTestMessages.TrickyBody(), [] };
        new Random(11).NextBytes(bodies[0]);
        using var content = new MultipartContent("related", "client-boundary-1234");
        content.Headers.ContentType!.Parameters.Add(new NameValueHeaderValue("type", "\"application/dicom\""));
        foreach (var body in bodies)
        {
            var part = new ByteArrayContent(body);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/dicom");
            content.Add(part);
        }

        using var response = await host.GetTestClient().PostAsync("/studies", content, timeout.Token);

        Assert.Equal(200, (int)response.StatusCode);
        var contentType = response.Content.Headers.ContentType!.ToString();
        var reader = new MultipartRelatedReader(await response.Content.ReadAsStreamAsync(timeout.Token), MultipartRelatedReader.GetBoundary(contentType));
        var parts = await MultipartTestMessages.ReadAllAsync(reader, cancellationToken: timeout.Token);
        Assert.Equal(bodies.Select(b => Convert.ToHexString(SHA256.HashData(b))), parts.Select(p => System.Text.Encoding.ASCII.GetString(p.Body)));
        Assert.All(parts, p => Assert.Equal("text/plain", p.Headers[0].Value));
        await host.StopAsync(timeout.Token);
    }

    /// <summary>Answers each request part with a part holding the SHA-256 of its body.</summary>
    private static async Task EchoDigestsAsync(HttpContext context)
    {
        var reader = MultipartRelatedReader.FromRequest(context.Request);
        var digests = new List<string>();
        while (await reader.ReadNextPartAsync(context.RequestAborted) is { } part)
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[8192];
            int read;
            while ((read = await part.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
            {
                sha.AppendData(buffer, 0, read);
            }

            digests.Add(Convert.ToHexString(sha.GetHashAndReset()));
        }

        var writer = new MultipartRelatedWriter(context.Response.Body);
        context.Response.ContentType = writer.GetContentType("text/plain");
        foreach (var digest in digests)
        {
            await writer.WritePartAsync(new MultipartPartHeaders("text/plain"), System.Text.Encoding.ASCII.GetBytes(digest), context.RequestAborted);
        }

        await writer.CompleteAsync(context.RequestAborted);
    }
}
