namespace Pacs.ServiceDefaults;

/// <summary>
/// Section <c>Service:Auth</c>: optional JWT bearer authentication with roles. Off by default (the embedded server
/// binds to 127.0.0.1). When on, every API endpoint needs a valid token whose roles allow the request's method:
/// reads (GET, HEAD) need <see cref="ReadRole"/>, stores (POST, PUT, PATCH) <see cref="WriteRole"/>, deletes
/// <see cref="DeleteRole"/>; <see cref="AdminRole"/> allows everything. Health endpoints never need a token.
/// </summary>
public sealed class AuthOptions
{
    public bool Enabled { get; set; }

    /// <summary>
    /// The OpenID Connect issuer whose discovery document and signing keys validate tokens, e.g.
    /// <c>https://login.example.org/realms/pacs</c>. Either this or <see cref="SigningKey"/> is required when enabled.
    /// </summary>
    public string? Authority { get; set; }

    /// <summary>Expected <c>aud</c> claim. Required when enabled.</summary>
    public string? Audience { get; set; }

    /// <summary>Expected <c>iss</c> claim; default: the authority's. Required with <see cref="SigningKey"/>.</summary>
    public string? Issuer { get; set; }

    /// <summary>
    /// A shared HMAC-SHA256 key, base64, at least 32 bytes, for installations without an identity provider (tokens
    /// minted by a trusted gateway). Keep it in a secret, not in a config map.
    /// </summary>
    public string? SigningKey { get; set; }

    /// <summary>Whether the authority's metadata must be fetched over HTTPS. Default true; only turn off in a lab.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>The claim that lists roles. Default <c>roles</c> (Microsoft Entra ID app roles; Keycloak with a roles mapper).</summary>
    public string RoleClaimType { get; set; } = "roles";

    /// <summary>Role that may read (QIDO-RS, WADO-RS). Default <c>pacs.read</c>.</summary>
    public string ReadRole { get; set; } = "pacs.read";

    /// <summary>Role that may store (STOW-RS). Default <c>pacs.write</c>.</summary>
    public string WriteRole { get; set; } = "pacs.write";

    /// <summary>Role that may delete. Default <c>pacs.delete</c>.</summary>
    public string DeleteRole { get; set; } = "pacs.delete";

    /// <summary>Role that may do all of the above. Default <c>pacs.admin</c>.</summary>
    public string AdminRole { get; set; } = "pacs.admin";

    /// <summary>Allowed difference between the clocks of the issuer and this service, in seconds. Default 60.</summary>
    public int ClockSkewSeconds { get; set; } = 60;

    internal void Validate()
    {
        if (!Enabled)
            return;
        if (string.IsNullOrWhiteSpace(Authority) && string.IsNullOrWhiteSpace(SigningKey))
            throw new InvalidOperationException("Service:Auth:Enabled is true but neither Service:Auth:Authority nor Service:Auth:SigningKey is set.");
        if (string.IsNullOrWhiteSpace(Audience))
            throw new InvalidOperationException("Service:Auth:Enabled is true but Service:Auth:Audience is not set.");
        if (!string.IsNullOrWhiteSpace(SigningKey))
        {
            if (string.IsNullOrWhiteSpace(Issuer) && string.IsNullOrWhiteSpace(Authority))
                throw new InvalidOperationException("Service:Auth:SigningKey needs Service:Auth:Issuer (the expected iss claim).");
            byte[] key;
            try
            {
                key = Convert.FromBase64String(SigningKey);
            }
            catch (FormatException)
            {
                throw new InvalidOperationException("Service:Auth:SigningKey is not valid base64.");
            }
            // RFC 7518 3.2: an HS256 key must be at least as long as the hash output (256 bits).
            if (key.Length < 32)
                throw new InvalidOperationException($"Service:Auth:SigningKey is {key.Length} bytes; HS256 needs at least 32.");
        }
    }
}
