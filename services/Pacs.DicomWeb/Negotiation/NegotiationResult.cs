using System.Diagnostics.CodeAnalysis;
using Pacs.DicomWeb.Problems;

namespace Pacs.DicomWeb.Negotiation;

/// <summary>Either the representation to send, or the problem to answer (406, or 400 for a contradictory request).</summary>
public sealed record NegotiationResult
{
    private NegotiationResult(NegotiatedRepresentation? selected, DicomWebProblem? problem)
    {
        Selected = selected;
        Problem = problem;
    }

    public NegotiatedRepresentation? Selected { get; }

    public DicomWebProblem? Problem { get; }

    [MemberNotNullWhen(true, nameof(Selected))]
    [MemberNotNullWhen(false, nameof(Problem))]
    public bool IsAcceptable => Selected is not null;

    public static NegotiationResult Accept(NegotiatedRepresentation selected) => new(selected, null);

    public static NegotiationResult Refuse(DicomWebProblem problem) => new(null, problem);

    /// <summary>The representation, or throws the problem for <see cref="DicomWebProblemMiddleware"/> to answer.</summary>
    public NegotiatedRepresentation SelectedOrThrow() => Selected ?? throw new DicomWebException(Problem!);
}
