using System.Buffers;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using Pacs.Dicom;
using Pacs.Http;
using Pacs.Http.Multipart;

namespace Pacs.Gateway.Archive;

/// <summary>
/// The archive over DICOMweb (PS3.18): QIDO-RS searches and WADO-RS retrieves through an <see cref="HttpClient"/>
/// whose base address is the service root (<c>https://pacs.example.org/dicom-web/</c>; authentication, if any, is
/// the client's handlers' business). Retrieved objects stream part by part from the multipart response; nothing is
/// buffered beyond one read.
/// </summary>
public sealed partial class DicomWebArchiveClient : IArchiveQuery, IArchiveRetrieve
{
    private const string DicomJson = "application/dicom+json";

    private readonly HttpClient _http;
    private readonly DicomWebArchiveOptions _options;

    public DicomWebArchiveClient(HttpClient http, DicomWebArchiveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.BaseAddress is null || !http.BaseAddress.AbsolutePath.EndsWith('/'))
        {
            throw new ArgumentException("The HttpClient's BaseAddress must be the DICOMweb service root and end with '/'.", nameof(http));
        }

        _http = http;
        _options = options ?? new DicomWebArchiveOptions();
    }

    /// <summary>The keys this archive matches on, by the level of the search: by default those Pacs's archive supports.</summary>
    public bool CanMatch(ArchiveQueryLevel level, ArchiveMatchKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _options.MatchingKeys.TryGetValue(key.SequenceTag is { } sq ? $"{sq.ToHexString()}.{key.Tag.ToHexString()}" : key.Tag.ToHexString(), out var lowest)
            && level >= lowest
            && Expressible(key);
    }

    public async Task<ArchiveQueryPage> QueryAsync(ArchiveQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var path = query.Level switch
        {
            ArchiveQueryLevel.Study => "studies",
            ArchiveQueryLevel.Series => "series",
            _ => "instances",
        };
        using var request = new HttpRequestMessage(HttpMethod.Get, path + QueryString(query));
        request.Headers.TryAddWithoutValidation("Accept", DicomJson);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new ArchiveUnavailableException($"The archive at {_http.BaseAddress} could not be reached: {e.Message}", e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ArchiveUnavailableException($"The archive at {_http.BaseAddress} did not answer a search within {_options.RequestTimeout.TotalSeconds:0} s.", e);
        }

        using (response)
        {
            var (unsupportedKeys, unsupportedInclude, more) = ReadWarnings(response);
            switch (response.StatusCode)
            {
                case HttpStatusCode.NoContent:
                    return new ArchiveQueryPage([], false, unsupportedKeys, unsupportedInclude);
                case HttpStatusCode.OK:
                    IReadOnlyList<DicomDataset> matches;
                    try
                    {
                        await using var body = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
                        matches = await DicomJsonReader.ReadDatasetsAsync(body, timeout.Token).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is DicomException or IOException or HttpRequestException
                        || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
                    {
                        throw new ArchiveUnavailableException($"The archive's search response could not be read: {e.Message}", e);
                    }

                    // PS3.18 8.3.4.4 asks for a warning when a further page exists; a full page without one may still have more.
                    return new ArchiveQueryPage(matches, more || matches.Count >= query.Limit, unsupportedKeys, unsupportedInclude);
                case HttpStatusCode.BadRequest:
                    throw new ArchiveQueryException(await ProblemDetailAsync(response, cancellationToken).ConfigureAwait(false));
                default:
                    throw new ArchiveUnavailableException(
                        $"The archive answered a search with {(int)response.StatusCode}: {await ProblemDetailAsync(response, cancellationToken).ConfigureAwait(false)}");
            }
        }
    }

    public async IAsyncEnumerable<ArchiveObject> RetrieveAsync(ArchiveRetrieveTarget target, string? transferSyntaxUid, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var path = new StringBuilder("studies/").Append(Uri.EscapeDataString(target.StudyInstanceUid));
        if (target.SeriesInstanceUid is { } series)
        {
            path.Append("/series/").Append(Uri.EscapeDataString(series));
            if (target.SopInstanceUid is { } sop)
            {
                path.Append("/instances/").Append(Uri.EscapeDataString(sop));
            }
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, path.ToString());

        // PS3.18 8.7.3.5.2: transfer-syntax=* asks for each object as stored.
        request.Headers.TryAddWithoutValidation("Accept", $"multipart/related; type=\"application/dicom\"; transfer-syntax={transferSyntaxUid ?? "*"}");
        HttpResponseMessage response;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(_options.RequestTimeout);
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                throw new ArchiveRetrieveException(ArchiveRetrieveFailure.Unavailable, $"The archive at {_http.BaseAddress} could not be reached: {e.Message}", e);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new ArchiveRetrieveException(ArchiveRetrieveFailure.Unavailable, $"The archive did not answer the retrieve of {target} within {_options.RequestTimeout.TotalSeconds:0} s.", e);
            }
        }

        using (response)
        {
            if (response.StatusCode != HttpStatusCode.OK)
            {
                var detail = await ProblemDetailAsync(response, cancellationToken).ConfigureAwait(false);
                var reason = response.StatusCode switch
                {
                    HttpStatusCode.NotFound => ArchiveRetrieveFailure.NotFound,
                    HttpStatusCode.NotAcceptable => ArchiveRetrieveFailure.NotConvertible,
                    HttpStatusCode.Conflict => ArchiveRetrieveFailure.NotOnline,
                    _ => ArchiveRetrieveFailure.Unavailable,
                };
                throw new ArchiveRetrieveException(reason, $"The archive answered the retrieve of {target} with {(int)response.StatusCode}: {detail}");
            }

            string boundary;
            try
            {
                boundary = MultipartRelatedReader.GetBoundary(response.Content.Headers.ContentType?.ToString());
            }
            catch (MultipartException e)
            {
                throw new ArchiveRetrieveException(ArchiveRetrieveFailure.Unavailable, $"The archive's retrieve response is not multipart: {e.Message}", e);
            }

            var body = new IdleTimeoutStream(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), _options.ReadIdleTimeout);
            await using (body.ConfigureAwait(false))
            {
                var reader = new MultipartRelatedReader(body, boundary);
                await using (reader.ConfigureAwait(false))
                {
                    while (true)
                    {
                        MultipartPart? part;
                        try
                        {
                            part = await reader.ReadNextPartAsync(cancellationToken).ConfigureAwait(false);
                        }
                        catch (Exception e) when (e is MultipartException or IOException or HttpRequestException)
                        {
                            throw new ArchiveRetrieveException(ArchiveRetrieveFailure.Unavailable, $"The archive's retrieve response broke off: {e.Message}", e);
                        }

                        if (part is null)
                        {
                            yield break;
                        }

                        yield return new ArchiveObject(part.Body, part.ContentType?.GetParameter("transfer-syntax"));
                    }
                }
            }
        }
    }

    /// <summary>The QIDO-RS query string of a search (PS3.18 8.3.4): keys as tags, values percent-encoded.</summary>
    internal static string QueryString(ArchiveQuery query)
    {
        var parts = new List<string>();
        foreach (var key in query.Keys)
        {
            if (key.Kind == ArchiveMatchKind.Universal)
            {
                continue;
            }

            var name = key.SequenceTag is { } sq ? $"{sq.ToHexString()}.{key.Tag.ToHexString()}" : key.Tag.ToHexString();
            var value = key.Kind switch
            {
                ArchiveMatchKind.Range => $"{key.RangeStart}-{key.RangeEnd}",

                // PS3.18 8.3.4.1: UID lists (and, here, CS alternatives) are comma-separated.
                ArchiveMatchKind.UidList or ArchiveMatchKind.Single => string.Join(',', key.Values),
                _ => key.Value,
            };
            parts.Add($"{name}={Uri.EscapeDataString(value)}");
        }

        if (query.IncludeFields.Count > 0)
        {
            parts.Add("includefield=" + string.Join("%2C", query.IncludeFields.Distinct().Select(t => t.ToHexString())));
        }

        parts.Add("limit=" + query.Limit.ToString(CultureInfo.InvariantCulture));
        if (query.Offset > 0)
        {
            parts.Add("offset=" + query.Offset.ToString(CultureInfo.InvariantCulture));
        }

        return "?" + string.Join('&', parts);
    }

    /// <summary>
    /// What QIDO-RS can say in a query string: a comma inside a single value of a UI or CS key would read as a list,
    /// and a range cannot be open on both sides.
    /// </summary>
    private static bool Expressible(ArchiveMatchKey key)
    {
        var vr = DicomDictionary.GetVR(key.Tag);
        return key.Kind switch
        {
            ArchiveMatchKind.Single => vr is not (DicomVR.UI or DicomVR.CS) || key.Values.All(v => !v.Contains(',', StringComparison.Ordinal)),
            ArchiveMatchKind.Range => key.RangeStart is not null || key.RangeEnd is not null,
            ArchiveMatchKind.UidList => key.Values.All(v => !v.Contains(',', StringComparison.Ordinal)),
            _ => true,
        };
    }

    /// <summary>
    /// PS3.18 8.3.4.4 and 10.6.3: the archive names ignored keys and attributes it does not keep in Warning: 299 headers
    /// (Pacs: "… 00101040 (not a matching key …), includefield=00104000 (not kept …)"), and says when more results exist.
    /// </summary>
    private static (List<DicomTag> Keys, List<DicomTag> Include, bool More) ReadWarnings(HttpResponseMessage response)
    {
        var keys = new List<DicomTag>();
        var include = new List<DicomTag>();
        var more = false;
        if (!response.Headers.TryGetValues("Warning", out var warnings))
        {
            return (keys, include, more);
        }

        foreach (var warning in warnings)
        {
            if (warning.Contains("additional results", StringComparison.OrdinalIgnoreCase))
            {
                more = true;
            }

            foreach (Match m in TagInWarning().Matches(warning))
            {
                var tag = new DicomTag(uint.Parse(m.Groups["tag"].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                (m.Groups["include"].Success ? include : keys).Add(tag);
            }
        }

        return (keys, include, more);
    }

    private static async Task<string> ProblemDetailAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (text.Length > 0 && response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) == true)
            {
                using var json = System.Text.Json.JsonDocument.Parse(text);
                if (json.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object && json.RootElement.TryGetProperty("detail", out var detail))
                {
                    return detail.GetString() ?? text;
                }
            }

            return text.Length > 500 ? text[..500] : text.Length == 0 ? response.ReasonPhrase ?? string.Empty : text;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or HttpRequestException or IOException)
        {
            return response.ReasonPhrase ?? string.Empty;
        }
    }

    [GeneratedRegex(@"(?<include>includefield=)?\b(?<tag>[0-9A-Fa-f]{8})\b")]
    private static partial Regex TagInWarning();

    /// <summary>A response body whose every read must progress within the idle timeout, so a stalled archive cannot hold a retrieve forever.</summary>
    private sealed class IdleTimeoutStream(Stream inner, TimeSpan idle) : ForwardOnlyReadStream
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(idle);
            try
            {
                return await inner.ReadAsync(buffer, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new IOException($"The archive sent nothing for {idle.TotalSeconds:0} s.", e);
            }
        }

        public override int Read(Span<byte> buffer)
        {
            var rented = ArrayPool<byte>.Shared.Rent(buffer.Length);
            try
            {
                var n = ReadAsync(rented.AsMemory(0, buffer.Length)).AsTask().GetAwaiter().GetResult();
                rented.AsSpan(0, n).CopyTo(buffer);
                return n;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync().ConfigureAwait(false);
            await base.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>How the gateway uses a remote archive's DICOMweb service.</summary>
public sealed record DicomWebArchiveOptions
{
    /// <summary>
    /// The matching keys the archive supports (QIDO-RS), as <c>ggggeeee</c> or <c>ssssssss.ggggeeee</c> for a key inside
    /// a sequence, each with the lowest level of search it applies to (a patient key applies to every level). Other keys
    /// are matched by the gateway on the returned attributes. Default: what Pacs's archive matches on (docs/archive.md),
    /// which includes every key PS3.18 Table 10.6.1-5 requires of a QIDO-RS service.
    /// </summary>
    public IReadOnlyDictionary<string, ArchiveQueryLevel> MatchingKeys { get; init; } = DefaultMatchingKeys();

    /// <summary>Longest wait for the response headers of one request. Default 60 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Longest wait for the next bytes of a retrieve response body. Default 60 s.</summary>
    public TimeSpan ReadIdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The keys of Pacs's own archive (libs/Pacs.Archive QueryKeys), by the level they belong to.</summary>
    public static IReadOnlyDictionary<string, ArchiveQueryLevel> DefaultMatchingKeys()
    {
        var keys = new Dictionary<string, ArchiveQueryLevel>(StringComparer.OrdinalIgnoreCase);
        foreach (var tag in new[]
        {
            DicomTag.PatientName, DicomTag.PatientID, DicomTag.IssuerOfPatientID, DicomTag.PatientBirthDate, DicomTag.PatientSex,
            DicomTag.StudyInstanceUID, DicomTag.StudyDate, DicomTag.StudyTime, DicomTag.AccessionNumber, DicomTag.ReferringPhysicianName,
            DicomTag.StudyID, DicomTag.StudyDescription, DicomTag.ModalitiesInStudy,
        })
        {
            keys[tag.ToHexString()] = ArchiveQueryLevel.Study;
        }

        foreach (var tag in new[]
        {
            DicomTag.SeriesInstanceUID, DicomTag.Modality, DicomTag.SeriesNumber, DicomTag.SeriesDescription, DicomTag.BodyPartExamined,
            DicomTag.PerformedProcedureStepStartDate, DicomTag.PerformedProcedureStepStartTime,
        })
        {
            keys[tag.ToHexString()] = ArchiveQueryLevel.Series;
        }

        keys[$"{DicomTag.RequestAttributesSequence.ToHexString()}.{DicomTag.ScheduledProcedureStepID.ToHexString()}"] = ArchiveQueryLevel.Series;
        keys[$"{DicomTag.RequestAttributesSequence.ToHexString()}.{DicomTag.RequestedProcedureID.ToHexString()}"] = ArchiveQueryLevel.Series;
        foreach (var tag in new[] { DicomTag.SOPInstanceUID, DicomTag.SOPClassUID, DicomTag.InstanceNumber, DicomTag.AcquisitionDateTime })
        {
            keys[tag.ToHexString()] = ArchiveQueryLevel.Instance;
        }

        return keys;
    }
}
