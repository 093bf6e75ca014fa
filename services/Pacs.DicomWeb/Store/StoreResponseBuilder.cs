using Pacs.Dicom;

namespace Pacs.DicomWeb.Store;

/// <summary>
/// Collects the outcome of each instance of a STOW-RS request and builds the Store Instances Response Module
/// (PS3.18 10.5.3, Annex I Table I.1-1) and the status code that goes with it (PS3.18 Table 10.5.3-1).
/// </summary>
public sealed class StoreResponseBuilder
{
    private readonly string? _serviceBaseUrl;
    private readonly List<DicomDataset> _stored = [];
    private readonly List<DicomDataset> _failed = [];
    private readonly HashSet<string> _studies = new(StringComparer.Ordinal);
    private readonly List<string> _failureDescriptions = [];

    /// <param name="serviceBaseUrl">The service root RetrieveURLs start with (see Hosting.ServiceBaseUrl); null leaves them empty.</param>
    public StoreResponseBuilder(string? serviceBaseUrl)
    {
        _serviceBaseUrl = serviceBaseUrl?.TrimEnd('/');
    }

    public int StoredCount => _stored.Count;

    /// <summary>The reasons of the failures that came with one, in part order ("part 2 (1.2.3): 0110H …").</summary>
    public IReadOnlyList<string> FailureDescriptions => _failureDescriptions;

    public int FailedCount => _failed.Count;

    /// <summary>Stored instances that carry a Warning Reason.</summary>
    public int WarningCount { get; private set; }

    /// <summary>An instance stored (durably, with its index row committed), with a warning when something was changed.</summary>
    public void AddStored(string studyInstanceUid, string seriesInstanceUid, string sopClassUid, string sopInstanceUid, ushort? warningReason = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(studyInstanceUid);
        ArgumentException.ThrowIfNullOrEmpty(seriesInstanceUid);
        ArgumentException.ThrowIfNullOrEmpty(sopClassUid);
        ArgumentException.ThrowIfNullOrEmpty(sopInstanceUid);
        _studies.Add(studyInstanceUid);
        var item = Reference(sopClassUid, sopInstanceUid);
        item.Set(DicomTag.RetrieveURL, DicomVR.UR, Url($"studies/{studyInstanceUid}/series/{seriesInstanceUid}/instances/{sopInstanceUid}"));
        if (warningReason is { } warning)
        {
            item.SetValues(DicomTag.WarningReason, DicomVR.US, warning);
            WarningCount++;
        }

        _stored.Add(item);
    }

    /// <summary>
    /// An instance not stored. The UIDs are those read from the part, null when it could not be read that far
    /// (they are then written empty: the item still says that one part failed and why).
    /// </summary>
    /// <param name="description">Why, for people (sent in a Warning header: the response data set has no text attribute for it).</param>
    public void AddFailed(string? sopClassUid, string? sopInstanceUid, ushort failureReason, string? description = null)
    {
        if (description is not null)
        {
            _failureDescriptions.Add($"part {StoredCount + FailedCount + 1}{(sopInstanceUid is null ? "" : $" ({sopInstanceUid})")}: {failureReason:X4}H {description}");
        }

        var item = Reference(sopClassUid, sopInstanceUid);
        item.SetValues(DicomTag.FailureReason, DicomVR.US, failureReason);
        _failed.Add(item);
    }

    /// <summary>
    /// PS3.18 Table 10.5.3-1: 200 when every instance was stored without warnings; 202 when some were stored but
    /// others failed or had warnings; 409 when none could be stored. A request with no instances at all is 400
    /// ("unable to store any instances due to bad syntax").
    /// </summary>
    public int StatusCode => (StoredCount, FailedCount) switch
    {
        (0, 0) => StatusCodes.Status400BadRequest,
        (0, _) => StatusCodes.Status409Conflict,
        (_, 0) when WarningCount == 0 => StatusCodes.Status200OK,
        _ => StatusCodes.Status202Accepted,
    };

    /// <summary>The response data set: Retrieve URL (of the study, when all stored instances share one), Failed SOP Sequence, Referenced SOP Sequence.</summary>
    public DicomDataset Build()
    {
        var response = new DicomDataset();

        // Type 2 (Table I.1-1): present, and empty when the instances stored belong to no single study.
        response.Set(DicomTag.RetrieveURL, DicomVR.UR, _studies.Count == 1 ? [Url($"studies/{_studies.First()}")] : []);
        if (_failed.Count > 0)
        {
            response.SetSequence(DicomTag.FailedSOPSequence, [.. _failed.Select(i => i.Clone())]);
        }

        if (_stored.Count > 0)
        {
            response.SetSequence(DicomTag.ReferencedSOPSequence, [.. _stored.Select(i => i.Clone())]);
        }

        return response;
    }

    private static DicomDataset Reference(string? sopClassUid, string? sopInstanceUid)
    {
        // PS3.3 Table 10-11 SOP Instance Reference Macro.
        var item = new DicomDataset();
        item.Set(DicomTag.ReferencedSOPClassUID, DicomVR.UI, sopClassUid is null ? [] : [sopClassUid]);
        item.Set(DicomTag.ReferencedSOPInstanceUID, DicomVR.UI, sopInstanceUid is null ? [] : [sopInstanceUid]);
        return item;
    }

    private string Url(string path) => _serviceBaseUrl is null ? string.Empty : $"{_serviceBaseUrl}/{path}";
}
