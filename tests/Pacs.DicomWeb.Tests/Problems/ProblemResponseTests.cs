using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Pacs.Dicom;
using Pacs.Http.Multipart;
using Pacs.DicomWeb.Problems;

namespace Pacs.DicomWeb.Tests.Problems;

public class ProblemResponseTests
{
    [Fact]
    public void Problem_document_has_the_RFC_9457_members_and_names_tag_keyword_and_UID()
    {
        var problem = DicomWebProblem.BadRequest("PatientBirthDate=2020: the value is not a date.").WithTag(DicomTag.PatientBirthDate) with
        {
            Uid = "1.2.3",
            Instance = "/dicom-web/studies",
        };

        using var json = JsonDocument.Parse(ProblemResult.Serialize(problem));
        var root = json.RootElement;

        Assert.Equal("about:blank", root.GetProperty("type").GetString());
        Assert.Equal("Bad Request", root.GetProperty("title").GetString());
        Assert.Equal(400, root.GetProperty("status").GetInt32());
        Assert.Equal("PatientBirthDate=2020: the value is not a date.", root.GetProperty("detail").GetString());
        Assert.Equal("/dicom-web/studies", root.GetProperty("instance").GetString());
        Assert.Equal("00100030", root.GetProperty("tag").GetString());
        Assert.Equal("PatientBirthDate", root.GetProperty("keyword").GetString());
        Assert.Equal("1.2.3", root.GetProperty("uid").GetString());
    }

    [Fact]
    public void Members_that_do_not_apply_are_left_out()
    {
        using var json = JsonDocument.Parse(ProblemResult.Serialize(DicomWebProblem.NotAcceptable("nothing fits")));

        Assert.Equal("Not Acceptable", json.RootElement.GetProperty("title").GetString());
        Assert.False(json.RootElement.TryGetProperty("tag", out _));
        Assert.False(json.RootElement.TryGetProperty("uid", out _));
    }

    [Fact]
    public void A_private_tag_has_no_keyword()
    {
        var problem = DicomWebProblem.BadRequest("x").WithTag(new DicomTag(0x00191010));

        Assert.Equal("00191010", problem.Tag);
        Assert.Null(problem.Keyword);
    }

    [Fact]
    public async Task Problem_result_sets_status_and_media_type_and_names_the_request_path()
    {
        var context = NewContext();
        context.Request.Path = "/dicom-web/studies/1.2/rendered";

        await new ProblemResult(DicomWebProblem.NotAcceptable("image/gif is not offered")).ExecuteAsync(context);

        Assert.Equal(406, context.Response.StatusCode);
        Assert.Equal("application/problem+json", context.Response.ContentType);
        using var json = ReadBody(context);
        Assert.Equal("/dicom-web/studies/1.2/rendered", json.RootElement.GetProperty("instance").GetString());
    }

    [Fact]
    public async Task Middleware_answers_a_thrown_problem()
    {
        var context = NewContext();

        await Pipeline(_ => throw new DicomWebException(DicomWebProblem.Conflict("Study Instance UID differs").WithTag(DicomTag.StudyInstanceUID)))(context);

        Assert.Equal(409, context.Response.StatusCode);
        using var json = ReadBody(context);
        Assert.Equal("StudyInstanceUID", json.RootElement.GetProperty("keyword").GetString());
    }

    [Fact]
    public async Task Middleware_answers_a_malformed_multipart_body_with_400_and_the_reason()
    {
        var context = NewContext();

        await Pipeline(_ => throw new MultipartException("The multipart body ended inside the body of part 2."))(context);

        Assert.Equal(400, context.Response.StatusCode);
        using var json = ReadBody(context);
        Assert.Contains("part 2", json.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Middleware_drops_headers_of_the_failed_answer_but_keeps_CORS()
    {
        var context = NewContext();

        await Pipeline(c =>
        {
            c.Response.Headers.AccessControlAllowOrigin = "https://viewer.example.org";
            c.Response.Headers.Vary = "Origin";
            c.Response.Headers.ETag = "\"abc\"";
            throw new DicomWebException(DicomWebProblem.NotFound("no such study"));
        })(context);

        Assert.Equal(404, context.Response.StatusCode);
        Assert.Equal("https://viewer.example.org", context.Response.Headers.AccessControlAllowOrigin);
        Assert.Equal("Origin", context.Response.Headers.Vary);
        Assert.False(context.Response.Headers.ContainsKey("ETag"));
    }

    [Fact]
    public async Task Middleware_aborts_when_the_response_has_already_started()
    {
        var context = NewContext();
        var lifetime = new AbortRecorder();
        context.Features.Set<IHttpResponseFeature>(new StartedResponse());
        context.Features.Set<IHttpRequestLifetimeFeature>(lifetime);

        await Pipeline(_ => throw new DicomWebException(DicomWebProblem.NotFound("gone mid-stream")))(context);

        Assert.True(lifetime.Aborted);
    }

    [Fact]
    public async Task Other_exceptions_are_faults_and_propagate()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => Pipeline(_ => throw new InvalidOperationException("defect"))(NewContext()));
    }

    private static RequestDelegate Pipeline(RequestDelegate endpoint)
    {
        var services = new ServiceCollection().AddLogging().BuildServiceProvider();
        var app = new ApplicationBuilder(services);
        app.UseMiddleware<DicomWebProblemMiddleware>();
        app.Run(endpoint);
        return app.Build();
    }

    private static DefaultHttpContext NewContext()
    {
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();
        return context;
    }

    private static JsonDocument ReadBody(HttpContext context)
    {
        context.Response.Body.Position = 0;
        return JsonDocument.Parse(context.Response.Body);
    }

    private sealed class StartedResponse : HttpResponseFeature
    {
        public override bool HasStarted => true;
    }

    private sealed class AbortRecorder : IHttpRequestLifetimeFeature
    {
        public bool Aborted { get; private set; }

        public CancellationToken RequestAborted { get; set; }

        public void Abort() => Aborted = true;
    }
}
