using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pacs.Dicom;

namespace Pacs.Gateway.Archive;

/// <summary>
/// The archive over DICOMweb: spooled files go by STOW-RS (PS3.18 10.5, one multipart/related request per batch, each
/// file streamed from disk), and storage commitment asks QIDO-RS (PS3.18 10.6) which instances exist. Per-instance
/// verdicts come from the Store Instances Response (Referenced / Failed SOP Sequence); a failure of the request as a
/// whole is an <see cref="ArchiveUnavailableException"/> the forwarder retries.
/// </summary>
public sealed class StowRsArchiveUploader : IArchiveUploader, IDisposable
{
    private const int QueryBatch = 50;
    private readonly HttpClient _http;
    private readonly Uri _base;
    private readonly ILogger _logger;

    public StowRsArchiveUploader(GatewayOptions options, ILogger<StowRsArchiveUploader>? logger = null, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.ArchiveUrl))
        {
            throw new InvalidOperationException($"{GatewayOptions.ConfigurationSection}:ArchiveUrl is not set: the gateway on its own needs the archive's DICOMweb base URL.");
        }

        _base = new Uri(options.ArchiveUrl.TrimEnd('/') + "/");
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), ConnectTimeout = TimeSpan.FromSeconds(15) })
        {
            // The resilience pipeline bounds each request (GatewayForwardingOptions.RequestTimeout).
            Timeout = Timeout.InfiniteTimeSpan,
        };
        if (!string.IsNullOrEmpty(options.ArchiveBearerToken))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.ArchiveBearerToken);
        }

        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("Pacs.Gateway", DicomImplementation.VersionName.Replace(' ', '_')));
    }

    public async Task<IReadOnlyList<ArchiveUploadResult>> UploadAsync(IReadOnlyList<ArchiveUploadItem> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0)
        {
            return [];
        }

        var boundary = "pacs-gateway-" + Guid.NewGuid().ToString("N");
        using var content = new MultipartContent("related", boundary);
        content.Headers.ContentType!.Parameters.Add(new NameValueHeaderValue("type", "\"application/dicom\""));
        var streams = new List<Stream>();
        try
        {
            foreach (var item in items)
            {
                var stream = new FileStream(item.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan);
                streams.Add(stream);
                var part = new StreamContent(stream, 64 * 1024);
                part.Headers.ContentType = new MediaTypeHeaderValue("application/dicom");
                content.Add(part);
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_base, "studies")) { Content = content };
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/dicom+json"));
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                throw new ArchiveUnavailableException($"STOW-RS to {_base} failed: {e.Message}", e);
            }

            using (response)
            {
                return await InterpretAsync(items, response, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            foreach (var stream in streams)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<IReadOnlyList<ArchiveUploadResult>> InterpretAsync(IReadOnlyList<ArchiveUploadItem> items, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (items.Count > 1 && items.Select(i => i.SopInstanceUid).Distinct(StringComparer.Ordinal).Count() < items.Count && status is 200 or 202 or 409)
        {
            // The answer names instances by UID: with one UID twice in the request it cannot say which copy it means.
            return await OneByOneAsync(items, cancellationToken).ConfigureAwait(false);
        }

        switch (status)
        {
            case 200 or 202 or 409:
                break;
            case 400 or 413 or 415 when items.Count > 1:
                // The request as a whole was refused, most likely because of one part: find out which, one by one.
                _logger.LogWarning("STOW-RS of {Count} objects answered {Status}; sending them one by one", items.Count, status);
                return await OneByOneAsync(items, cancellationToken).ConfigureAwait(false);
            case 400 or 413 or 415:
                // PS3.18 Table 10.5.3-1: the one object cannot be stored as sent; retrying changes nothing.
                return [new ArchiveUploadResult(ArchiveUploadStatus.PermanentFailure, null, $"HTTP {status}: {Describe(body)}")];
            default:
                // 401/403 (token), 404 (URL), 408/429/5xx (overload, outage): about the archive, not the objects.
                throw new ArchiveUnavailableException($"STOW-RS to {_base} answered HTTP {status}: {Describe(body)}");
        }

        DicomDataset answer;
        try
        {
            answer = DicomJsonReader.ReadDataset(body);
        }
        catch (Exception e) when (e is DicomException or FormatException or System.Text.Json.JsonException or InvalidOperationException)
        {
            throw new ArchiveUnavailableException($"STOW-RS answered HTTP {status} with a body that is not a DICOM JSON Store Instances Response: {e.Message}");
        }

        var stored = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in answer.GetSequence(DicomTag.ReferencedSOPSequence))
        {
            if (item.GetString(DicomTag.ReferencedSOPInstanceUID) is { } uid)
            {
                stored.Add(uid);
            }
        }

        var failed = new Dictionary<string, ushort?>(StringComparer.Ordinal);
        var anonymousFailures = new List<ushort?>();
        foreach (var item in answer.GetSequence(DicomTag.FailedSOPSequence))
        {
            var reason = item.GetUInt16(DicomTag.FailureReason);
            if (item.GetString(DicomTag.ReferencedSOPInstanceUID) is { Length: > 0 } uid)
            {
                failed[uid] = reason;
            }
            else
            {
                anonymousFailures.Add(reason);
            }
        }

        var results = new ArchiveUploadResult?[items.Count];
        var unaccounted = new List<int>();
        for (var i = 0; i < items.Count; i++)
        {
            var uid = items[i].SopInstanceUid;
            if (stored.Contains(uid))
            {
                results[i] = ArchiveUploadResult.Stored;
            }
            else if (failed.TryGetValue(uid, out var reason))
            {
                results[i] = Verdict(reason, $"STOW-RS failure reason {Hex(reason)}{WarningAbout(response, uid)}");
            }
            else
            {
                unaccounted.Add(i);
            }
        }

        if (unaccounted.Count > 0 && items.Count == 1)
        {
            results[0] = anonymousFailures.Count == 1
                ? Verdict(anonymousFailures[0], $"STOW-RS failure reason {Hex(anonymousFailures[0])} (the archive could not read the object's UIDs)")
                : new ArchiveUploadResult(ArchiveUploadStatus.TransientFailure, null, "the archive's answer did not mention the object");
        }
        else if (unaccounted.Count > 0)
        {
            // Not named in the answer (a part whose UIDs could not be read, or a data set whose UID differs from the
            // command's): ask again for those alone, where each answer can only be about its one object.
            var again = await OneByOneAsync([.. unaccounted.Select(i => items[i])], cancellationToken).ConfigureAwait(false);
            for (var k = 0; k < unaccounted.Count; k++)
            {
                results[unaccounted[k]] = again[k];
            }
        }

        return [.. results.Select(r => r!)];
    }

    private async Task<IReadOnlyList<ArchiveUploadResult>> OneByOneAsync(IReadOnlyList<ArchiveUploadItem> items, CancellationToken cancellationToken)
    {
        var results = new List<ArchiveUploadResult>(items.Count);
        foreach (var item in items)
        {
            results.Add((await UploadAsync([item], cancellationToken).ConfigureAwait(false))[0]);
        }

        return results;
    }

    /// <summary>
    /// PS3.18 Table 10.5.3-2 / PS3.4 B.2.3 reasons: 0110H (processing failure: index or storage trouble, a concurrent
    /// write) and A7xxH (out of resources) may pass; the others (A9xxH mismatch, B00EH conflicting duplicate, Cxxx
    /// cannot understand, 0122H SOP class not supported) are about the object and will not.
    /// </summary>
    public static ArchiveUploadResult Verdict(ushort? reason, string description)
    {
        var transient = reason is null or 0x0110 || (reason.Value & 0xFF00) == 0xA700;
        return new ArchiveUploadResult(transient ? ArchiveUploadStatus.TransientFailure : ArchiveUploadStatus.PermanentFailure, reason, description);
    }

    public async Task<IReadOnlyDictionary<string, string>> FindStoredAsync(IReadOnlyCollection<string> sopInstanceUids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sopInstanceUids);
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var chunk in sopInstanceUids.Chunk(QueryBatch))
        {
            // PS3.18 8.3.4.1: a comma-separated list is UID list matching.
            var query = "instances?SOPInstanceUID=" + Uri.EscapeDataString(string.Join(',', chunk))
                + "&includefield=00080016&limit=" + (chunk.Length * 2).ToString(CultureInfo.InvariantCulture);
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_base, query));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/dicom+json"));
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                throw new ArchiveUnavailableException($"QIDO-RS to {_base} failed: {e.Message}", e);
            }

            using (response)
            {
                if (response.StatusCode == HttpStatusCode.NoContent)
                {
                    continue;
                }

                var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    throw new ArchiveUnavailableException($"QIDO-RS to {_base} answered HTTP {(int)response.StatusCode}: {Describe(body)}");
                }

                foreach (var match in DicomJsonReader.ReadDatasets(body))
                {
                    if (match.GetString(DicomTag.SOPInstanceUID) is { } uid)
                    {
                        found[uid] = match.GetString(DicomTag.SOPClassUID) ?? string.Empty;
                    }
                }
            }
        }

        return found;
    }

    public void Dispose() => _http.Dispose();

    /// <summary>
    /// The archive's words about one failed instance: PS3.18 servers may explain failures in Warning headers (RFC 9111
    /// 5.5, code 299); the one naming this SOP Instance UID is quoted.
    /// </summary>
    private static string WarningAbout(HttpResponseMessage response, string sopInstanceUid)
    {
        if (!response.Headers.TryGetValues("Warning", out var warnings))
        {
            return string.Empty;
        }

        var text = warnings.FirstOrDefault(w => w.Contains("(" + sopInstanceUid + ")", StringComparison.Ordinal));
        return text is null ? string.Empty : ": " + text;
    }

    private static string Hex(ushort? reason) => reason is { } r ? $"{r:X4}H" : "(none)";

    private static string Describe(byte[] body)
    {
        var text = System.Text.Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 500)).ReplaceLineEndings(" ");
        return text.Length == 0 ? "(no body)" : text;
    }
}
