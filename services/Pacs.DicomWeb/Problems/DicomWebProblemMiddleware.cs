using Pacs.Http.Multipart;

namespace Pacs.DicomWeb.Problems;

/// <summary>
/// Turns the errors a DICOMweb request can raise in its depth into problem responses (PS3.18 8.5, RFC 9457):
/// <see cref="DicomWebException"/> as its own problem, a malformed multipart body as 400. Anything else is a fault
/// and propagates to the host's error handling, which logs it.
/// </summary>
public sealed class DicomWebProblemMiddleware
{
    private readonly RequestDelegate _next;
    private readonly ILogger<DicomWebProblemMiddleware> _logger;

    public DicomWebProblemMiddleware(RequestDelegate next, ILogger<DicomWebProblemMiddleware> logger)
    {
        _next = next;
        _logger = logger;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        DicomWebProblem problem;
        Exception error;
        try
        {
            await _next(context).ConfigureAwait(false);
            return;
        }
        catch (DicomWebException e)
        {
            problem = e.Problem;
            error = e;
        }
        catch (MultipartException e)
        {
            problem = DicomWebProblem.BadRequest(e.Message);
            error = e;
        }

        if (context.Response.HasStarted)
        {
            // The status line is gone; all we can do is cut the response so the client sees it is incomplete.
            _logger.LogWarning(error, "DICOMweb request {Path} failed after the response started: {Reason}", context.Request.Path, problem.Detail);
            context.Abort();
            return;
        }

        _logger.LogInformation("DICOMweb request {Path} answered {Status}: {Reason}", context.Request.Path, problem.Status, problem.Detail);
        ClearKeepingCors(context.Response);
        await ProblemResult.WriteAsync(context.Response, problem with { Instance = problem.Instance ?? context.Request.Path.Value }).ConfigureAwait(false);
    }

    /// <summary>
    /// Drops what the failed answer had set (ETag, Content-Location …) but keeps the CORS headers and Vary, without
    /// which a browser would hide the problem from the viewer that asked.
    /// </summary>
    private static void ClearKeepingCors(HttpResponse response)
    {
        var kept = response.Headers
            .Where(h => h.Key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase) || h.Key.Equals("Vary", StringComparison.OrdinalIgnoreCase))
            .ToList();
        response.Clear();
        foreach (var (name, value) in kept)
        {
            response.Headers[name] = value;
        }
    }
}
