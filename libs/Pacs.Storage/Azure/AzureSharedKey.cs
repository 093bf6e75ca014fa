using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace Pacs.Storage;

/// <summary>
/// Shared Key authorization of Blob service requests, as Microsoft's "Authorize with Shared Key" describes it for
/// version 2015-02-21 and later: the signature is Base64(HMAC-SHA256(key, UTF-8(StringToSign))) with
/// <code>
/// StringToSign = VERB \n Content-Encoding \n Content-Language \n Content-Length (empty when 0) \n Content-MD5 \n
///                Content-Type \n Date \n If-Modified-Since \n If-Match \n If-None-Match \n If-Unmodified-Since \n
///                Range \n CanonicalizedHeaders CanonicalizedResource
/// </code>
/// CanonicalizedHeaders: every <c>x-ms-</c> header, name lower-cased, sorted by name, <c>name:value\n</c> with the
/// value's folded whitespace collapsed and trimmed. CanonicalizedResource: <c>/account/path</c> (the encoded URI
/// path as sent; for a path-style endpoint it already starts with the account), then for each query parameter,
/// sorted by lower-cased name, <c>\nname:value1,value2</c> with the values URL-decoded and sorted.
/// </summary>
public sealed class AzureSharedKey
{
    private readonly byte[] _key;

    public AzureSharedKey(string accountName, string accountKeyBase64)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountName);
        ArgumentException.ThrowIfNullOrEmpty(accountKeyBase64);
        AccountName = accountName;
        try
        {
            _key = Convert.FromBase64String(accountKeyBase64);
        }
        catch (FormatException e)
        {
            throw new ArgumentException("The storage account key is not valid Base64.", nameof(accountKeyBase64), e);
        }
    }

    public string AccountName { get; }

    /// <summary>Adds <c>Authorization: SharedKey account:signature</c>. Call after every other header is set.</summary>
    public void Sign(HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string signature = ComputeSignature(BuildStringToSign(request));
        request.Headers.Authorization = new AuthenticationHeaderValue("SharedKey", AccountName + ":" + signature);
    }

    /// <summary>Base64 HMAC-SHA256 of <paramref name="stringToSign"/> (UTF-8) with the account key.</summary>
    public string ComputeSignature(string stringToSign) =>
        Convert.ToBase64String(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(stringToSign)));

    /// <summary>The string the signature covers, built from the request as it will be sent.</summary>
    public string BuildStringToSign(HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var content = request.Content?.Headers;
        long? length = content?.ContentLength;
        var text = new StringBuilder(256);
        text.Append(request.Method.Method.ToUpperInvariant()).Append('\n');
        text.Append(Join(content?.ContentEncoding)).Append('\n');
        text.Append(Join(content?.ContentLanguage)).Append('\n');
        // Since version 2015-02-21 a zero Content-Length is signed as the empty string.
        text.Append(length is > 0 ? length.Value.ToString(CultureInfo.InvariantCulture) : "").Append('\n');
        text.Append(content?.ContentMD5 is { } md5 ? Convert.ToBase64String(md5) : "").Append('\n');
        text.Append(content?.ContentType?.ToString() ?? "").Append('\n');
        text.Append(Raw(request, "Date")).Append('\n');
        text.Append(Raw(request, "If-Modified-Since")).Append('\n');
        text.Append(Raw(request, "If-Match")).Append('\n');
        text.Append(Raw(request, "If-None-Match")).Append('\n');
        text.Append(Raw(request, "If-Unmodified-Since")).Append('\n');
        text.Append(Raw(request, "Range")).Append('\n');
        AppendCanonicalizedHeaders(text, request);
        AppendCanonicalizedResource(text, request.RequestUri ?? throw new ArgumentException("The request has no URI.", nameof(request)));
        return text.ToString();
    }

    private static void AppendCanonicalizedHeaders(StringBuilder text, HttpRequestMessage request)
    {
        var headers = new List<(string Name, string Value)>();
        foreach (var header in request.Headers.NonValidated)
        {
            if (header.Key.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
                headers.Add((header.Key.ToLowerInvariant(), CollapseWhitespace(string.Join(",", header.Value))));
        }
        headers.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        foreach (var (name, value) in headers)
            text.Append(name).Append(':').Append(value).Append('\n');
    }

    private void AppendCanonicalizedResource(StringBuilder text, Uri uri)
    {
        text.Append('/').Append(AccountName).Append(uri.AbsolutePath);
        string query = uri.Query;
        if (query.Length <= 1)
            return;
        var parameters = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (string pair in query[1..].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            string name = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]).ToLowerInvariant();
            string value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
            if (!parameters.TryGetValue(name, out var values))
                parameters[name] = values = [];
            values.Add(value);
        }
        foreach (var (name, values) in parameters)
        {
            values.Sort(StringComparer.Ordinal);
            text.Append('\n').Append(name).Append(':').Append(string.Join(",", values));
        }
    }

    private static string Join(ICollection<string>? values) => values is null || values.Count == 0 ? "" : string.Join(",", values);

    private static string Raw(HttpRequestMessage request, string name) =>
        request.Headers.NonValidated.TryGetValues(name, out var values) ? string.Join(",", values) : "";

    private static string CollapseWhitespace(string value)
    {
        var text = new StringBuilder(value.Length);
        bool space = false;
        foreach (char c in value.Trim())
        {
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                space = true;
                continue;
            }
            if (space)
                text.Append(' ');
            space = false;
            text.Append(c);
        }
        return text.ToString();
    }
}
