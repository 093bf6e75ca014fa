using System.Text.Json;

namespace Pacs.DicomWeb.Problems;

/// <summary>Writes a <see cref="DicomWebProblem"/> as <c>application/problem+json</c> (RFC 9457 3); a minimal-API result.</summary>
public sealed class ProblemResult : IResult, IStatusCodeHttpResult, IContentTypeHttpResult
{
    public const string MediaType = "application/problem+json";

    public ProblemResult(DicomWebProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        Problem = problem;
    }

    public DicomWebProblem Problem { get; }

    public int? StatusCode => Problem.Status;

    public string ContentType => MediaType;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        return WriteAsync(httpContext.Response, Problem with { Instance = Problem.Instance ?? httpContext.Request.Path.Value });
    }

    /// <summary>Sets the status and content type and writes the document; the response must not have started.</summary>
    public static async Task WriteAsync(HttpResponse response, DicomWebProblem problem)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(problem);
        response.StatusCode = problem.Status;
        response.ContentType = MediaType;
        var json = Serialize(problem);
        response.ContentLength = json.Length;
        await response.Body.WriteAsync(json, response.HttpContext.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>The problem document as UTF-8 JSON: RFC 9457 members first, then our extension members when set.</summary>
    public static byte[] Serialize(DicomWebProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", problem.Type);
            writer.WriteString("title", problem.Title);
            writer.WriteNumber("status", problem.Status);
            writer.WriteString("detail", problem.Detail);
            WriteIfSet(writer, "instance", problem.Instance);
            WriteIfSet(writer, "tag", problem.Tag);
            WriteIfSet(writer, "keyword", problem.Keyword);
            WriteIfSet(writer, "uid", problem.Uid);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void WriteIfSet(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }
}
