namespace Pacs.Storage.Tests.Azure;

/// <summary>
/// The Shared Key string-to-sign against the examples in Microsoft's "Authorize with Shared Key" (its example
/// request, and its canonicalized-resource examples including the emulator's path-style URL). Whether the signature
/// itself is right is shown by Azurite accepting it (every Azure test) and refusing a wrong key
/// (<see cref="AzureBlobStoreTests.A_wrong_account_key_is_refused_with_an_authorization_error"/>).
/// </summary>
public sealed class AzureSharedKeyTests
{
    private static readonly AzureSharedKey MyAccount = new("myaccount", Convert.ToBase64String(new byte[32]));

    [Fact]
    public void String_to_sign_of_the_documented_get_container_metadata_request()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get,
            "https://myaccount.blob.core.windows.net/mycontainer?restype=container&comp=metadata&timeout=20");
        request.Headers.TryAddWithoutValidation("x-ms-date", "Sun, 11 Oct 2009 21:49:13 GMT");
        request.Headers.TryAddWithoutValidation("x-ms-version", "2009-09-19");

        string expected = "GET\n\n\n\n\n\n\n\n\n\n\n\n" +
            "x-ms-date:Sun, 11 Oct 2009 21:49:13 GMT\nx-ms-version:2009-09-19\n" +
            "/myaccount/mycontainer\ncomp:metadata\nrestype:container\ntimeout:20";
        Assert.Equal(expected, MyAccount.BuildStringToSign(request));
    }

    [Fact]
    public void Repeated_query_parameters_are_joined_in_sorted_order_as_documented()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get,
            "http://myaccount.blob.core.windows.net/mycontainer?restype=container&comp=list&include=snapshots&include=metadata&include=uncommittedblobs");

        string resource = MyAccount.BuildStringToSign(request).Split("\n", 13)[12];

        Assert.Equal("/myaccount/mycontainer\ncomp:list\ninclude:metadata,snapshots,uncommittedblobs\nrestype:container", resource);
    }

    [Fact]
    public void Emulator_path_style_resource_repeats_the_account_as_documented()
    {
        var emulator = new AzureSharedKey("devstoreaccount1", AzureBlobStoreOptions.DevelopmentAccountKey);
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1:10000/devstoreaccount1/mycontainer/myblob");

        string resource = emulator.BuildStringToSign(request).Split("\n", 13)[12];

        Assert.Equal("/devstoreaccount1/devstoreaccount1/mycontainer/myblob", resource);
    }

    [Fact]
    public void Standard_headers_take_their_places_and_a_zero_content_length_is_signed_empty()
    {
        using var put = new HttpRequestMessage(HttpMethod.Put,
            "https://myaccount.blob.core.windows.net/c/b?comp=block&blockid=QUJD%2BLw%3D%3D")
        {
            Content = new ByteArrayContent(new byte[5]),
        };
        put.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/dicom");
        put.Headers.TryAddWithoutValidation("If-None-Match", "*");
        put.Headers.TryAddWithoutValidation("X-MS-Meta-Sha256", "  ab  ");
        put.Headers.TryAddWithoutValidation("x-ms-date", "Mon, 01 Jan 2024 00:00:00 GMT");
        using var empty = new HttpRequestMessage(HttpMethod.Put, "https://myaccount.blob.core.windows.net/c?restype=container")
        {
            Content = new ByteArrayContent([]),
        };

        string[] lines = MyAccount.BuildStringToSign(put).Split('\n');

        Assert.Equal("PUT", lines[0]);
        Assert.Equal("5", lines[3]);
        Assert.Equal("application/dicom", lines[5]);
        Assert.Equal("*", lines[9]);
        Assert.Equal("x-ms-date:Mon, 01 Jan 2024 00:00:00 GMT", lines[12]);
        Assert.Equal("x-ms-meta-sha256:ab", lines[13]);
        Assert.Equal("/myaccount/c/b", lines[14]);
        Assert.Equal("blockid:QUJD+Lw==", lines[15]);
        Assert.Equal("", MyAccount.BuildStringToSign(empty).Split('\n')[3]);
    }

    [Fact]
    public void Signature_is_base64_hmac_sha256_of_the_utf8_string_with_the_decoded_key()
    {
        var key = new AzureSharedKey("a", Convert.ToBase64String("key"u8.ToArray()));

        // The widely published HMAC-SHA256 example value for key "key" and this sentence.
        Assert.Equal(Convert.ToBase64String(Convert.FromHexString("f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8")),
            key.ComputeSignature("The quick brown fox jumps over the lazy dog"));
    }
}
