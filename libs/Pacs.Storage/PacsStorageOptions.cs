namespace Pacs.Storage;

/// <summary>Which blob store holds the stored objects.</summary>
public enum PacsStorageProvider
{
    /// <summary>A local folder (the embedded default: <c>{DataFolder}/blobs</c>).</summary>
    FileSystem,

    /// <summary>An Azure Blob Storage container (or Azurite), over its REST API.</summary>
    AzureBlob,
}

/// <summary>
/// Configuration section "Pacs:Storage": where stored objects go. Every host that opens the blob store (the embedded
/// server, the DICOMweb service, the indexer) reads these same keys. The file system by default; Azure Blob Storage with
/// <c>Provider=AzureBlob</c> and either a connection string or an endpoint with an account key or a SAS token.
/// </summary>
public sealed class PacsStorageOptions
{
    public const string ConfigurationSection = "Pacs:Storage";

    public PacsStorageProvider Provider { get; set; } = PacsStorageProvider.FileSystem;

    /// <summary>File system: the root folder; default <c>{DataFolder}/blobs</c>.</summary>
    public string? RootPath { get; set; }

    /// <summary>Azure: a storage connection string (<c>DefaultEndpointsProtocol=…;AccountName=…;AccountKey=…</c>,
    /// <c>BlobEndpoint=…;SharedAccessSignature=…</c> or <c>UseDevelopmentStorage=true</c>); when set, the keys below
    /// only override what it leaves out.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Azure: the Blob service endpoint (<c>https://ACCOUNT.blob.core.windows.net</c>, or path-style
    /// <c>http://127.0.0.1:10000/devstoreaccount1</c> for Azurite).</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>Azure: account name; taken from the endpoint when absent.</summary>
    public string? AccountName { get; set; }

    /// <summary>Azure: base64 account key (Shared Key authorization).</summary>
    public string? AccountKey { get; set; }

    /// <summary>Azure: a SAS token, used instead of an account key.</summary>
    public string? SasToken { get; set; }

    /// <summary>Azure: the container (3–63 lower-case letters, digits and single hyphens). Default <c>pacs</c>.</summary>
    public string Container { get; set; } = "pacs";

    /// <summary>Azure: create the container on first use when missing. Default true.</summary>
    public bool CreateContainerIfMissing { get; set; } = true;

    /// <summary>Azure: block size of streamed uploads, in bytes; 0 keeps the store's default (8 MiB).</summary>
    public int BlockSizeBytes { get; set; }

    /// <summary>Azure: retries after a transient failure; -1 keeps the store's default (4).</summary>
    public int MaxRetryAttempts { get; set; } = -1;

    /// <summary>The store these settings describe. Throws <see cref="InvalidOperationException"/> naming the missing key.</summary>
    public IBlobStore CreateStore(string dataFolder)
    {
        switch (Provider)
        {
            case PacsStorageProvider.FileSystem:
                return new FileSystemBlobStore(new FileSystemBlobStoreOptions { RootPath = RootPath ?? Path.Combine(dataFolder, "blobs") });
            case PacsStorageProvider.AzureBlob:
                var azure = ConnectionString is { Length: > 0 }
                    ? AzureBlobStoreOptions.FromConnectionString(ConnectionString, Container)
                    : new AzureBlobStoreOptions { ContainerName = Container };
                azure.ServiceUri = Endpoint ?? azure.ServiceUri
                    ?? throw new InvalidOperationException($"{ConfigurationSection}:Endpoint (or :ConnectionString) is required when {ConfigurationSection}:Provider is AzureBlob.");
                azure.AccountName = AccountName ?? azure.AccountName;
                azure.AccountKey = AccountKey ?? azure.AccountKey;
                azure.SasToken = SasToken ?? azure.SasToken;
                if (azure.AccountKey is null && azure.SasToken is null)
                    throw new InvalidOperationException($"{ConfigurationSection}:AccountKey or :SasToken is required when {ConfigurationSection}:Provider is AzureBlob.");
                azure.CreateContainerIfMissing = CreateContainerIfMissing;
                if (BlockSizeBytes > 0)
                    azure.BlockSizeBytes = BlockSizeBytes;
                if (MaxRetryAttempts >= 0)
                    azure.MaxRetryAttempts = MaxRetryAttempts;
                return new AzureBlobStore(azure);
            default:
                throw new InvalidOperationException($"{ConfigurationSection}:Provider '{Provider}' is not FileSystem or AzureBlob.");
        }
    }
}
