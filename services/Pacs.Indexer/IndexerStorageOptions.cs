using Pacs.Storage;

namespace Pacs.Indexer;

/// <summary>
/// Configuration section <c>Pacs:Storage</c> as the indexer reads it: the same keys the other services use
/// (<c>Provider</c> FileSystem with <c>RootPath</c>, or AzureBlob with <c>ConnectionString</c> or <c>Endpoint</c> and
/// <c>AccountKey</c>/<c>SasToken</c>, and <c>Container</c>).
/// </summary>
public sealed class IndexerStorageOptions
{
    public const string ConfigurationSection = "Pacs:Storage";

    public string Provider { get; set; } = "FileSystem";

    public string? RootPath { get; set; }

    public string? ConnectionString { get; set; }

    public Uri? Endpoint { get; set; }

    public string? AccountName { get; set; }

    public string? AccountKey { get; set; }

    public string? SasToken { get; set; }

    public string Container { get; set; } = "pacs";

    /// <summary>The store; throws <see cref="InvalidOperationException"/> naming the missing key.</summary>
    public IBlobStore CreateStore()
    {
        if (string.Equals(Provider, "FileSystem", StringComparison.OrdinalIgnoreCase))
        {
            return new FileSystemBlobStore(new FileSystemBlobStoreOptions
            {
                RootPath = RootPath ?? throw new InvalidOperationException($"{ConfigurationSection}:RootPath is required for the FileSystem provider."),
            });
        }
        if (!string.Equals(Provider, "AzureBlob", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"{ConfigurationSection}:Provider '{Provider}' is not FileSystem or AzureBlob.");
        var azure = ConnectionString is { Length: > 0 }
            ? AzureBlobStoreOptions.FromConnectionString(ConnectionString, Container)
            : new AzureBlobStoreOptions { ContainerName = Container };
        azure.ServiceUri = Endpoint ?? azure.ServiceUri
            ?? throw new InvalidOperationException($"{ConfigurationSection}:Endpoint (or :ConnectionString) is required for the AzureBlob provider.");
        azure.AccountName = AccountName ?? azure.AccountName;
        azure.AccountKey = AccountKey ?? azure.AccountKey;
        azure.SasToken = SasToken ?? azure.SasToken;
        if (azure.AccountKey is null && azure.SasToken is null)
            throw new InvalidOperationException($"{ConfigurationSection}:AccountKey or :SasToken is required for the AzureBlob provider.");
        return new AzureBlobStore(azure);
    }
}
