namespace Pacs.DicomWeb.Problems;

/// <summary>
/// Thrown where a request cannot go on; <see cref="DicomWebProblemMiddleware"/> turns it into the problem response.
/// Use it for errors found deep in a call (a bad query parameter, a part that breaks the rules), not for control flow
/// an endpoint can answer directly with <see cref="ProblemResult"/>.
/// </summary>
public sealed class DicomWebException : Exception
{
    public DicomWebException(DicomWebProblem problem)
        : base(problem?.Detail)
    {
        ArgumentNullException.ThrowIfNull(problem);
        Problem = problem;
    }

    public DicomWebException(DicomWebProblem problem, Exception innerException)
        : base(problem?.Detail, innerException)
    {
        ArgumentNullException.ThrowIfNull(problem);
        Problem = problem;
    }

    public DicomWebProblem Problem { get; }
}
