using System.Globalization;
using System.Text;

namespace Pacs.Storage;

/// <summary>
/// Makes account shared access signatures (account SAS) with an account key, as Microsoft's "Create an account SAS"
/// describes for version 2020-12-06 and later:
/// <code>
/// StringToSign = account \n sp \n ss \n srt \n st \n se \n sip \n spr \n sv \n ses \n
/// sig = Base64(HMAC-SHA256(key, UTF-8(StringToSign)))
/// </code>
/// Useful to hand a service (or a test) a time-limited credential instead of the key.
/// </summary>
public static class AzureSas
{
    /// <summary>
    /// An account SAS query string (without '?') for the Blob service.
    /// </summary>
    /// <param name="permissions">Letters from <c>rwdlacup</c>... (read, write, delete, list, add, create, ...).</param>
    /// <param name="resourceTypes"><c>s</c> service, <c>c</c> container, <c>o</c> object, combined.</param>
    /// <param name="protocol"><c>https</c> or <c>https,http</c>.</param>
    public static string CreateAccountSas(AzureSharedKey key, string permissions, DateTimeOffset expiresOn,
        DateTimeOffset? startsOn = null, string resourceTypes = "sco", string protocol = "https",
        string version = "2025-01-05")
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrEmpty(permissions);
        string se = Format(expiresOn);
        string st = startsOn is { } start ? Format(start) : "";
        const string services = "b";
        string stringToSign = new StringBuilder()
            .Append(key.AccountName).Append('\n')
            .Append(permissions).Append('\n')
            .Append(services).Append('\n')
            .Append(resourceTypes).Append('\n')
            .Append(st).Append('\n')
            .Append(se).Append('\n')
            .Append('\n') // sip: no IP restriction
            .Append(protocol).Append('\n')
            .Append(version).Append('\n')
            .Append('\n') // ses: no encryption scope
            .ToString();
        string sig = key.ComputeSignature(stringToSign);
        var query = new StringBuilder()
            .Append("sv=").Append(Uri.EscapeDataString(version))
            .Append("&ss=").Append(services)
            .Append("&srt=").Append(Uri.EscapeDataString(resourceTypes))
            .Append("&sp=").Append(Uri.EscapeDataString(permissions));
        if (st.Length > 0)
            query.Append("&st=").Append(Uri.EscapeDataString(st));
        query.Append("&se=").Append(Uri.EscapeDataString(se))
            .Append("&spr=").Append(Uri.EscapeDataString(protocol))
            .Append("&sig=").Append(Uri.EscapeDataString(sig));
        return query.ToString();
    }

    private static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
