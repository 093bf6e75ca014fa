namespace Pacs.Storage;

/// <summary>
/// Settings of <see cref="AzureBlobStore"/>. Give the service endpoint, the container and one credential: an
/// account key (Shared Key) or a SAS token. <see cref="FromConnectionString"/> reads the usual Azure Storage
/// connection string.
/// </summary>
public sealed class AzureBlobStoreOptions
{
    /// <summary>The development account and key that Azurite and the storage emulator accept (published by Microsoft).</summary>
    public const string DevelopmentAccountName = "devstoreaccount1";

    /// <summary>See <see cref="DevelopmentAccountName"/>.</summary>
    public const string DevelopmentAccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>
    /// The Blob service endpoint: <c>https://ACCOUNT.blob.core.windows.net</c>, or path-style with the account as the
    /// first path segment, as Azurite serves it: <c>http://127.0.0.1:10000/devstoreaccount1</c>.
    /// </summary>
    public Uri? ServiceUri { get; set; }

    /// <summary>Storage account name. When null it is taken from the endpoint (the first host label, or the first
    /// path segment of a path-style endpoint).</summary>
    public string? AccountName { get; set; }

    /// <summary>Base64 account key for Shared Key authorization.</summary>
    public string? AccountKey { get; set; }

    /// <summary>A SAS token (query string, with or without the leading '?') used instead of an account key.</summary>
    public string? SasToken { get; set; }

    /// <summary>Container that holds the blobs (3–63 lower-case letters, digits and single hyphens).</summary>
    public string ContainerName { get; set; } = "";

    /// <summary>Create the container on the first put when it is missing. Default true; turn off when the
    /// credential may not create containers.</summary>
    public bool CreateContainerIfMissing { get; set; } = true;

    /// <summary>
    /// Size of each block of a streamed upload, in bytes, and of the one buffer a put holds. Content that fits in
    /// one block is sent as a single Put Blob. Default 8 MiB (up to 50,000 blocks: 390 GiB per blob).
    /// </summary>
    public int BlockSizeBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Items per listing page when the caller gives no page size (the service caps it at 5000). Default 1000.</summary>
    public int ListPageSize { get; set; } = 1000;

    /// <summary>Retries after a transient failure (5xx, 408, 429, connection errors, timeouts). Default 4.</summary>
    public int MaxRetryAttempts { get; set; } = 4;

    /// <summary>Delay before the first retry; later retries back off exponentially with jitter. Default 500 ms.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Time allowed for one attempt of one request until its response headers arrive. Default 2 minutes.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Blob service REST API version sent in <c>x-ms-version</c>. 2021-12-02 or later is needed for the Cold tier.</summary>
    public string ApiVersion { get; set; } = "2025-01-05";

    /// <summary>
    /// Options from a connection string such as
    /// <c>DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k;EndpointSuffix=core.windows.net</c>,
    /// <c>BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;AccountName=devstoreaccount1;AccountKey=k</c>,
    /// <c>BlobEndpoint=https://a.blob.core.windows.net;SharedAccessSignature=sv=...</c> or
    /// <c>UseDevelopmentStorage=true</c>.
    /// </summary>
    public static AzureBlobStoreOptions FromConnectionString(string connectionString, string containerName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var parts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
                throw new FormatException($"Connection string part '{part}' is not KEY=VALUE.");
            parts[part[..eq].Trim()] = part[(eq + 1)..].Trim();
        }
        var options = new AzureBlobStoreOptions { ContainerName = containerName };
        if (parts.TryGetValue("UseDevelopmentStorage", out string? dev) && bool.Parse(dev))
        {
            options.ServiceUri = new Uri("http://127.0.0.1:10000/" + DevelopmentAccountName);
            options.AccountName = DevelopmentAccountName;
            options.AccountKey = DevelopmentAccountKey;
            return options;
        }
        parts.TryGetValue("AccountName", out string? account);
        options.AccountName = account;
        options.AccountKey = parts.GetValueOrDefault("AccountKey");
        options.SasToken = parts.GetValueOrDefault("SharedAccessSignature");
        if (parts.TryGetValue("BlobEndpoint", out string? endpoint))
        {
            options.ServiceUri = new Uri(endpoint);
        }
        else
        {
            if (account is null)
                throw new FormatException("The connection string has neither BlobEndpoint nor AccountName.");
            string protocol = parts.GetValueOrDefault("DefaultEndpointsProtocol") ?? "https";
            string suffix = parts.GetValueOrDefault("EndpointSuffix") ?? "core.windows.net";
            options.ServiceUri = new Uri($"{protocol}://{account}.blob.{suffix}");
        }
        return options;
    }
}
