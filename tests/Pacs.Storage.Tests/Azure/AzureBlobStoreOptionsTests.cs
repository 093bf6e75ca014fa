namespace Pacs.Storage.Tests.Azure;

public sealed class AzureBlobStoreOptionsTests
{
    [Fact]
    public void Connection_string_with_account_and_key_targets_the_public_endpoint()
    {
        var options = AzureBlobStoreOptions.FromConnectionString(
            "DefaultEndpointsProtocol=https;AccountName=pacsarchive;AccountKey=AAAA;EndpointSuffix=core.windows.net", "dicom");

        Assert.Equal(new Uri("https://pacsarchive.blob.core.windows.net"), options.ServiceUri);
        Assert.Equal("pacsarchive", options.AccountName);
        Assert.Equal("AAAA", options.AccountKey);
        Assert.Equal("dicom", options.ContainerName);
    }

    [Fact]
    public void Connection_string_with_blob_endpoint_and_sas_uses_them()
    {
        var options = AzureBlobStoreOptions.FromConnectionString(
            "BlobEndpoint=https://a.blob.core.windows.net;SharedAccessSignature=sv=2025-01-05&sig=x%3D", "dicom");

        Assert.Equal(new Uri("https://a.blob.core.windows.net"), options.ServiceUri);
        Assert.Equal("sv=2025-01-05&sig=x%3D", options.SasToken);
        Assert.Null(options.AccountKey);
    }

    [Fact]
    public void Development_storage_is_azurite_on_its_default_port()
    {
        var options = AzureBlobStoreOptions.FromConnectionString("UseDevelopmentStorage=true", "dicom");

        Assert.Equal(new Uri("http://127.0.0.1:10000/devstoreaccount1"), options.ServiceUri);
        Assert.Equal(AzureBlobStoreOptions.DevelopmentAccountKey, options.AccountKey);
    }

    [Theory]
    [InlineData("https://pacsarchive.blob.core.windows.net", "https://pacsarchive.blob.core.windows.net/dicom")]
    [InlineData("https://pacsarchive.blob.core.windows.net/", "https://pacsarchive.blob.core.windows.net/dicom")]
    [InlineData("http://127.0.0.1:10000/devstoreaccount1", "http://127.0.0.1:10000/devstoreaccount1/dicom")]
    public void Container_uri_follows_the_endpoint_style(string endpoint, string container)
    {
        using var store = new AzureBlobStore(new AzureBlobStoreOptions
        {
            ServiceUri = new Uri(endpoint),
            AccountKey = AzureBlobStoreOptions.DevelopmentAccountKey,
            ContainerName = "dicom",
        });

        Assert.Equal(new Uri(container), store.ContainerUri);
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("Upper")]
    [InlineData("double--hyphen")]
    [InlineData("-start")]
    public void Invalid_container_names_are_refused(string container)
    {
        Assert.Throws<ArgumentException>(() => new AzureBlobStore(new AzureBlobStoreOptions
        {
            ServiceUri = new Uri("https://a.blob.core.windows.net"),
            AccountKey = AzureBlobStoreOptions.DevelopmentAccountKey,
            ContainerName = container,
        }));
    }

    [Fact]
    public void A_store_needs_a_credential()
    {
        Assert.Throws<ArgumentException>(() => new AzureBlobStore(new AzureBlobStoreOptions
        {
            ServiceUri = new Uri("https://a.blob.core.windows.net"),
            ContainerName = "dicom",
        }));
    }
}
