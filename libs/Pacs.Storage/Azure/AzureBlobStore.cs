using System.Buffers;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Polly;
using Polly.Retry;

namespace Pacs.Storage;

/// <summary>
/// A blob store in one Azure Blob Storage container, spoken to over the Blob service REST API (Shared Key or SAS
/// authorization), and tested against Azurite.
/// <para>
/// A put streams the content in blocks of <see cref="AzureBlobStoreOptions.BlockSizeBytes"/> through one pooled
/// buffer, hashing on the way: content that fits in one block goes as one Put Blob; larger content as Put Block per
/// block and a final Put Block List. The request that creates the blob (Put Blob or Put Block List) carries
/// <c>If-None-Match: *</c>, so an existing blob is never replaced, and the SHA-256 as metadata
/// (<c>x-ms-meta-sha256</c>). Until the block list is committed no blob exists under the name; uncommitted blocks
/// of a failed put are discarded by the service (after a week on Azure).
/// </para>
/// <para>
/// Every request is retried with exponential backoff and jitter on transient failures (5xx, 408, 429, connection
/// errors, per-attempt timeouts). A retried create that meets 409 may be meeting its own earlier attempt whose
/// answer was lost: the store then compares the stored blob's sha256 metadata and size with its own and reports
/// success only when they match.
/// </para>
/// </summary>
public sealed class AzureBlobStore : IBlobStore, IDisposable
{
    private const string DefaultContentType = "application/octet-stream";
    private const string Sha256MetadataHeader = "x-ms-meta-sha256";
    private const int MaxBlockCount = 50_000;

    private readonly AzureBlobStoreOptions _options;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly TimeProvider _clock;
    private readonly AzureSharedKey? _sharedKey;
    private readonly string? _sas;
    private readonly string _containerUri;
    private readonly ResiliencePipeline _retry;
    private readonly SemaphoreSlim _containerGate = new(1, 1);
    private volatile bool _containerReady;

    /// <param name="httpClient">Client to send requests with (its handler may add logging or faults); when null the
    /// store creates and owns one.</param>
    public AzureBlobStore(AzureBlobStoreOptions options, HttpClient? httpClient = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var service = options.ServiceUri ?? throw new ArgumentException("AzureBlobStoreOptions.ServiceUri is required.", nameof(options));
        ValidateContainerName(options.ContainerName);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BlockSizeBytes, 1024, "options.BlockSizeBytes");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.BlockSizeBytes, 256 * 1024 * 1024, "options.BlockSizeBytes");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ListPageSize, "options.ListPageSize");
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxRetryAttempts, "options.MaxRetryAttempts");
        _options = options;
        _clock = clock ?? TimeProvider.System;

        string account = options.AccountName ?? AccountFromEndpoint(service);
        if (!string.IsNullOrEmpty(options.AccountKey))
            _sharedKey = new AzureSharedKey(account, options.AccountKey);
        else if (!string.IsNullOrEmpty(options.SasToken))
            _sas = options.SasToken.TrimStart('?');
        else
            throw new ArgumentException("AzureBlobStoreOptions needs an AccountKey or a SasToken.", nameof(options));

        _containerUri = service.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/" + options.ContainerName;
        if (httpClient is null)
        {
            _http = new HttpClient(new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                AutomaticDecompression = DecompressionMethods.None,
            })
            {
                Timeout = Timeout.InfiniteTimeSpan, // each attempt has its own timeout (RequestTimeout)
            };
            _ownsHttp = true;
        }
        else
        {
            _http = httpClient;
        }

        _retry = options.MaxRetryAttempts == 0
            ? ResiliencePipeline.Empty
            : new ResiliencePipelineBuilder()
                .AddRetry(new RetryStrategyOptions
                {
                    ShouldHandle = new PredicateBuilder()
                        .Handle<TransientResponseException>()
                        .Handle<HttpRequestException>()
                        .Handle<TimeoutException>()
                        .Handle<IOException>(),
                    MaxRetryAttempts = options.MaxRetryAttempts,
                    Delay = options.RetryBaseDelay,
                    MaxDelay = TimeSpan.FromSeconds(30),
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                })
                .Build();
    }

    /// <summary>The container's URI (without credentials).</summary>
    public Uri ContainerUri => new(_containerUri);

    public async Task<BlobPutResult> PutAsync(string name, Stream content, BlobPutOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        ArgumentNullException.ThrowIfNull(content);
        BlobPutOptions.ValidateSha256(options);
        cancellationToken.ThrowIfCancellationRequested();
        await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);

        var upload = new Upload(name, options?.ContentType ?? DefaultContentType, options?.Tier ?? BlobAccessTier.Hot);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(_options.BlockSizeBytes);
        try
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            int n = await FillAsync(content, buffer, cancellationToken).ConfigureAwait(false);
            sha.AppendData(buffer, 0, n);
            long size = n;
            if (n < _options.BlockSizeBytes)
            {
                upload.Sha256 = Convert.ToHexStringLower(sha.GetHashAndReset());
                upload.SizeBytes = size;
                string eTag = await PutBlobAsync(upload, new ReadOnlyMemory<byte>(buffer, 0, n), cancellationToken)
                    .ConfigureAwait(false);
                return new BlobPutResult(name, size, upload.Sha256, eTag, upload.Tier);
            }

            // More than one block: say "exists" before streaming everything; If-None-Match on the commit decides.
            if (await ExistsOrUnknownAsync(name, cancellationToken).ConfigureAwait(false))
                throw new BlobAlreadyExistsException(name, Where, null);
            // One random prefix per put, so blocks staged by another put to the same name never mix with these;
            // every block id of a blob must have the same length.
            string uploadId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            var blockIds = new List<string>();
            while (n > 0)
            {
                if (blockIds.Count == MaxBlockCount)
                {
                    throw new BlobStoreException(name,
                        $"Blob '{name}' needs more than {MaxBlockCount} blocks of {_options.BlockSizeBytes} bytes; raise BlockSizeBytes.");
                }
                string blockId = Convert.ToBase64String(Encoding.ASCII.GetBytes(
                    string.Create(CultureInfo.InvariantCulture, $"{uploadId}-{blockIds.Count:D6}")));
                await PutBlockAsync(name, blockId, new ReadOnlyMemory<byte>(buffer, 0, n), cancellationToken)
                    .ConfigureAwait(false);
                blockIds.Add(blockId);
                n = await FillAsync(content, buffer, cancellationToken).ConfigureAwait(false);
                sha.AppendData(buffer, 0, n);
                size += n;
            }
            upload.Sha256 = Convert.ToHexStringLower(sha.GetHashAndReset());
            upload.SizeBytes = size;
            string commitETag = await PutBlockListAsync(upload, blockIds, cancellationToken).ConfigureAwait(false);
            return new BlobPutResult(name, size, upload.Sha256, commitETag, upload.Tier);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public async Task<BlobReadStream> OpenReadAsync(string name, BlobRange? range = null,
        CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        string? rangeHeader = null;
        if (range is { } r)
        {
            if (r.IsSuffix)
            {
                // The service takes no suffix ranges: resolve against the size first (blobs never change).
                var properties = await GetPropertiesAsync(name, cancellationToken).ConfigureAwait(false);
                var (offset, length) = r.Resolve(properties.SizeBytes)
                    ?? throw new BlobRangeNotSatisfiableException(name, r, properties.SizeBytes);
                rangeHeader = string.Create(CultureInfo.InvariantCulture, $"bytes={offset}-{offset + length - 1}");
            }
            else
            {
                rangeHeader = r.ToString();
            }
        }

        var response = await SendAsync(name, "GET", () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, BlobUri(name));
            if (rangeHeader is not null)
                request.Headers.TryAddWithoutValidation("x-ms-range", rangeHeader);
            return request;
        }, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);

        try
        {
            if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.PartialContent))
            {
                if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && range is { } asked)
                    throw new BlobRangeNotSatisfiableException(name, asked, TotalFromContentRange(response));
                throw await ErrorAsync(name, "GET", response, cancellationToken).ConfigureAwait(false);
            }
            long length = response.Content.Headers.ContentLength
                ?? throw new BlobStoreException(name, $"Reading blob '{name}': the service sent no Content-Length.");
            var (from, totalSize) = ParseContentRange(response);
            // A satisfiable range always yields at least one byte. Azure answers 416 for a range that starts at the
            // end; Azurite answers 206 with nothing, so the rule is applied here for both.
            if (range is { } empty && length == 0)
                throw new BlobRangeNotSatisfiableException(name, empty, totalSize);
            long offset = 0, total = length;
            if (response.StatusCode == HttpStatusCode.PartialContent)
            {
                offset = from ?? 0;
                total = totalSize ?? length;
            }
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return new BlobReadStream(name, stream, response, offset, length, total,
                response.Content.Headers.ContentType?.ToString() ?? DefaultContentType, ETagOf(response));
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        using var response = await SendAsync(name, "DELETE",
            () => new HttpRequestMessage(HttpMethod.Delete, BlobUri(name)),
            HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
            return true;
        if (response.StatusCode == HttpStatusCode.NotFound)
            return false;
        throw await ErrorAsync(name, "DELETE", response, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> ExistsAsync(string name, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        using var response = await HeadAsync(name, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
            return true;
        if (response.StatusCode == HttpStatusCode.NotFound)
            return false;
        throw await ErrorAsync(name, "HEAD", response, cancellationToken).ConfigureAwait(false);
    }

    public async Task<BlobProperties> GetPropertiesAsync(string name, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        using var response = await HeadAsync(name, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw await ErrorAsync(name, "HEAD", response, cancellationToken).ConfigureAwait(false);
        var created = Header(response, "x-ms-creation-time") is { } c
            ? DateTimeOffset.Parse(c, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)
            : response.Content.Headers.LastModified ?? _clock.GetUtcNow();
        return new BlobProperties(
            name,
            response.Content.Headers.ContentLength ?? 0,
            NormalizeSha(Header(response, Sha256MetadataHeader)),
            response.Content.Headers.ContentType?.ToString() ?? DefaultContentType,
            created,
            ParseTier(Header(response, "x-ms-access-tier")),
            ETagOf(response));
    }

    public async Task SetAccessTierAsync(string name, BlobAccessTier tier, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(name);
        using var response = await SendAsync(name, "Set Blob Tier", () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Put, BlobUri(name, "comp=tier"))
            {
                Content = new ByteArrayContent([]),
            };
            request.Headers.TryAddWithoutValidation("x-ms-access-tier", tier.ToString());
            return request;
        }, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        // 200: done; 202: accepted, the move (e.g. out of Archive) completes later.
        if (!response.IsSuccessStatusCode)
            throw await ErrorAsync(name, "Set Blob Tier", response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>List Blobs with <c>include=metadata</c> (for the SHA-256); the continuation token is the service's
    /// NextMarker. Items come in name order.</summary>
    public async Task<BlobListPage> ListPageAsync(string prefix, string? continuationToken = null, int? pageSize = null,
        CancellationToken cancellationToken = default)
    {
        BlobNames.ValidatePrefix(prefix);
        int limit = Math.Min(pageSize ?? _options.ListPageSize, 5000);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit, nameof(pageSize));
        var query = new StringBuilder("restype=container&comp=list&include=metadata")
            .Append("&maxresults=").Append(limit.ToString(CultureInfo.InvariantCulture));
        if (prefix.Length > 0)
            query.Append("&prefix=").Append(Uri.EscapeDataString(prefix));
        if (!string.IsNullOrEmpty(continuationToken))
            query.Append("&marker=").Append(Uri.EscapeDataString(continuationToken));
        string uri = WithSas(_containerUri + "?" + query);

        using var response = await SendAsync(null, "List Blobs", () => new HttpRequestMessage(HttpMethod.Get, uri),
            HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
            return new BlobListPage([], null); // no container yet: nothing stored
        if (!response.IsSuccessStatusCode)
            throw await ErrorAsync(null, "List Blobs", response, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            try
            {
                return await AzureListBlobsReader.ReadAsync(body, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new BlobStoreUnavailableException(null, $"Listing {Where} failed while reading the answer: {e.Message}", e);
            }
        }
    }

    /// <summary>Creates the container when it does not exist (Create Container; 409 means it exists).</summary>
    public async Task EnsureContainerAsync(CancellationToken cancellationToken = default)
    {
        if (_containerReady || !_options.CreateContainerIfMissing)
            return;
        await _containerGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_containerReady)
                return;
            using var response = await SendAsync(null, "Create Container", () => new HttpRequestMessage(
                    HttpMethod.Put, WithSas(_containerUri + "?restype=container")) { Content = new ByteArrayContent([]) },
                HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.Conflict)
                throw await ErrorAsync(null, "Create Container", response, cancellationToken).ConfigureAwait(false);
            _containerReady = true;
        }
        finally
        {
            _containerGate.Release();
        }
    }

    public void Dispose()
    {
        if (_ownsHttp)
            _http.Dispose();
        _containerGate.Dispose();
    }

    private string Where => $"container '{_options.ContainerName}'";

    private async Task<string> PutBlobAsync(Upload upload, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        int attempts = 0;
        using var response = await SendAsync(upload.Name, "Put Blob", () =>
        {
            attempts++;
            var request = new HttpRequestMessage(HttpMethod.Put, BlobUri(upload.Name))
            {
                Content = new ReadOnlyMemoryContent(body),
            };
            request.Headers.TryAddWithoutValidation("x-ms-blob-type", "BlockBlob");
            AddCreateHeaders(request, upload);
            return request;
        }, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        return await CreatedETagAsync(upload, "Put Blob", response, attempts, cancellationToken).ConfigureAwait(false);
    }

    private async Task PutBlockAsync(string name, string blockId, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        // Put Block is idempotent (same id, same bytes), so retries need no care.
        using var response = await SendAsync(name, "Put Block", () => new HttpRequestMessage(
                HttpMethod.Put, BlobUri(name, "comp=block&blockid=" + Uri.EscapeDataString(blockId)))
            {
                Content = new ReadOnlyMemoryContent(body),
            },
            HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw await ErrorAsync(name, "Put Block", response, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string> PutBlockListAsync(Upload upload, List<string> blockIds, CancellationToken cancellationToken)
    {
        var xml = new StringBuilder(64 + blockIds.Count * 72)
            .Append("<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>");
        foreach (string id in blockIds)
            xml.Append("<Latest>").Append(id).Append("</Latest>");
        byte[] body = Encoding.UTF8.GetBytes(xml.Append("</BlockList>").ToString());
        int attempts = 0;
        using var response = await SendAsync(upload.Name, "Put Block List", () =>
        {
            attempts++;
            var request = new HttpRequestMessage(HttpMethod.Put, BlobUri(upload.Name, "comp=blocklist"))
            {
                Content = new ByteArrayContent(body),
            };
            AddCreateHeaders(request, upload);
            return request;
        }, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        return await CreatedETagAsync(upload, "Put Block List", response, attempts, cancellationToken).ConfigureAwait(false);
    }

    private static void AddCreateHeaders(HttpRequestMessage request, Upload upload)
    {
        // Never replace a stored blob: the service answers 409 (or 412) when the name exists.
        request.Headers.TryAddWithoutValidation("If-None-Match", "*");
        request.Headers.TryAddWithoutValidation("x-ms-blob-content-type", upload.ContentType);
        request.Headers.TryAddWithoutValidation("x-ms-access-tier", upload.Tier.ToString());
        request.Headers.TryAddWithoutValidation(Sha256MetadataHeader, upload.Sha256);
    }

    /// <summary>
    /// The ETag of a created blob, or the right exception. A 409/412 on a retried attempt may be the service telling
    /// us that our own earlier attempt succeeded and only its answer was lost; the stored sha256 and size decide.
    /// </summary>
    private async Task<string> CreatedETagAsync(Upload upload, string operation, HttpResponseMessage response, int attempts,
        CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
            return ETagOf(response);
        if (response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.PreconditionFailed
            && ErrorCode(response) is null or "BlobAlreadyExists" or "ConditionNotMet")
        {
            if (attempts > 1)
            {
                var stored = await GetPropertiesAsync(upload.Name, cancellationToken).ConfigureAwait(false);
                if (stored.Sha256 == upload.Sha256 && stored.SizeBytes == upload.SizeBytes)
                    return stored.ETag;
            }
            throw new BlobAlreadyExistsException(upload.Name, Where, null);
        }
        throw await ErrorAsync(upload.Name, operation, response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Exists, but false when the credential may write and not read (a write-only SAS): the check is
    /// only an early answer, the commit's If-None-Match is the guarantee.</summary>
    private async Task<bool> ExistsOrUnknownAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await ExistsAsync(name, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobStoreAuthorizationException)
        {
            return false;
        }
    }

    private Task<HttpResponseMessage> HeadAsync(string name, CancellationToken cancellationToken) =>
        SendAsync(name, "HEAD", () => new HttpRequestMessage(HttpMethod.Head, BlobUri(name)),
            HttpCompletionOption.ResponseContentRead, cancellationToken);

    /// <summary>
    /// Sends a fresh request per attempt (signed with a fresh date) under the retry policy. Returns any
    /// non-transient response for the caller to judge; throws <see cref="BlobStoreUnavailableException"/> when the
    /// retries are spent.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(string? name, string operation, Func<HttpRequestMessage> build,
        HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        try
        {
            return await _retry.ExecuteAsync(async token =>
            {
                using var request = build();
                request.Headers.TryAddWithoutValidation("x-ms-version", _options.ApiVersion);
                request.Headers.TryAddWithoutValidation("x-ms-date",
                    _clock.GetUtcNow().UtcDateTime.ToString("R", CultureInfo.InvariantCulture));
                _sharedKey?.Sign(request);

                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
                timeout.CancelAfter(_options.RequestTimeout);
                HttpResponseMessage response;
                try
                {
                    response = await _http.SendAsync(request, completion, timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException e) when (!token.IsCancellationRequested)
                {
                    throw new TimeoutException(
                        $"{operation} got no answer within {_options.RequestTimeout.TotalSeconds:0.#} s.", e);
                }
                if (IsTransient(response.StatusCode))
                {
                    string code = ErrorCode(response) ?? response.ReasonPhrase ?? "";
                    response.Dispose();
                    throw new TransientResponseException((int)response.StatusCode, code);
                }
                return response;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TransientResponseException or HttpRequestException or TimeoutException or IOException)
        {
            string subject = name is null ? Where : $"blob '{name}' in {Where}";
            throw new BlobStoreUnavailableException(name,
                $"{operation} of {subject} failed after {_options.MaxRetryAttempts + 1} attempts: {e.Message}", e);
        }
    }

    private static bool IsTransient(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    private async Task<Exception> ErrorAsync(string? name, string operation, HttpResponseMessage response,
        CancellationToken cancellationToken)
    {
        string? code = ErrorCode(response);
        string message = "";
        if (response.RequestMessage?.Method != HttpMethod.Head)
        {
            try
            {
                message = AzureListBlobsReader.ErrorMessage(
                    await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            }
            catch (HttpRequestException)
            {
                // The error body is a nicety; the status and code say enough.
            }
        }
        string subject = name is null ? Where : $"blob '{name}' in {Where}";
        string text = $"{operation} of {subject} failed: {(int)response.StatusCode} {code ?? response.ReasonPhrase}"
            + (message.Length > 0 ? $" ({message})" : "");
        return response.StatusCode switch
        {
            HttpStatusCode.NotFound when name is not null => new BlobNotFoundException(name, Where, new BlobStoreException(text)),
            HttpStatusCode.Forbidden => new BlobStoreAuthorizationException(name, text, null),
            HttpStatusCode.Conflict when code == "BlobArchived" && name is not null => new BlobArchivedException(name, Where, null),
            _ => new BlobStoreException(name, text),
        };
    }

    private static string? ErrorCode(HttpResponseMessage response) => Header(response, "x-ms-error-code");

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static string ETagOf(HttpResponseMessage response) =>
        response.Headers.ETag?.ToString() ?? Header(response, "ETag") ?? "";

    private static long? TotalFromContentRange(HttpResponseMessage response) => ParseContentRange(response).Total;

    /// <summary>
    /// First byte and total size from <c>Content-Range: bytes FIRST-LAST/TOTAL</c> (or <c>bytes */TOTAL</c>), read
    /// from the raw header because a degenerate range (LAST before FIRST) fails .NET's validation.
    /// </summary>
    private static (long? From, long? Total) ParseContentRange(HttpResponseMessage response)
    {
        if (!response.Content.Headers.NonValidated.TryGetValues("Content-Range", out var values))
            return (null, null);
        string value = values.ToString().Trim();
        if (!value.StartsWith("bytes ", StringComparison.OrdinalIgnoreCase))
            return (null, null);
        value = value[6..].Trim();
        int slash = value.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
            return (null, null);
        long? total = long.TryParse(value.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out long t) ? t : null;
        int dash = value.IndexOf('-', StringComparison.Ordinal);
        long? from = dash > 0 && long.TryParse(value.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out long f)
            ? f
            : null;
        return (from, total);
    }

    internal static BlobAccessTier ParseTier(string? tier) =>
        Enum.TryParse(tier, ignoreCase: true, out BlobAccessTier parsed) ? parsed : BlobAccessTier.Hot;

    internal static string? NormalizeSha(string? sha) =>
        sha is { Length: 64 } && sha.All(char.IsAsciiHexDigit) ? sha.ToLowerInvariant() : null;

    private string BlobUri(string name, string? query = null) =>
        WithSas(_containerUri + "/" + name + (query is null ? "" : "?" + query));

    private string WithSas(string uri) =>
        _sas is null ? uri : uri + (uri.Contains('?', StringComparison.Ordinal) ? "&" : "?") + _sas;

    /// <summary>Reads until <paramref name="buffer"/> is full or the source ends; returns the bytes read.</summary>
    private static async Task<int> FillAsync(Stream source, byte[] buffer, CancellationToken cancellationToken)
    {
        int filled = 0;
        int capacity = buffer.Length;
        while (filled < capacity)
        {
            int n = await source.ReadAsync(buffer.AsMemory(filled, capacity - filled), cancellationToken).ConfigureAwait(false);
            if (n == 0)
                break;
            filled += n;
        }
        return filled;
    }

    private static string AccountFromEndpoint(Uri service)
    {
        // Path-style (Azurite, IP addresses, localhost): http://host:port/ACCOUNT; otherwise https://ACCOUNT.blob.host.
        string firstSegment = service.AbsolutePath.Trim('/').Split('/')[0];
        if (firstSegment.Length > 0)
            return firstSegment;
        if (service.HostNameType == UriHostNameType.Dns && service.Host.Contains('.', StringComparison.Ordinal))
            return service.Host[..service.Host.IndexOf('.', StringComparison.Ordinal)];
        throw new ArgumentException($"Cannot tell the storage account from '{service}'; set AccountName.");
    }

    private static void ValidateContainerName(string name)
    {
        bool valid = name.Length is >= 3 and <= 63
            && char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1])
            && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            && !name.Contains("--", StringComparison.Ordinal);
        if (!valid)
        {
            throw new ArgumentException(
                $"Invalid container name '{name}': 3-63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit.",
                nameof(name));
        }
    }

    private sealed class Upload(string name, string contentType, BlobAccessTier tier)
    {
        public string Name { get; } = name;
        public string ContentType { get; } = contentType;
        public BlobAccessTier Tier { get; } = tier;
        public string Sha256 { get; set; } = "";
        public long SizeBytes { get; set; }
    }

    /// <summary>A response whose status says "try again" (5xx, 408, 429); the retry policy's signal.</summary>
    private sealed class TransientResponseException(int status, string code)
        : Exception($"the service answered {status} {code}".TrimEnd());
}
