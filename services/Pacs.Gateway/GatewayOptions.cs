namespace Pacs.Gateway;

/// <summary>
/// The gateway's configuration (section "Pacs:Gateway"; command line <c>--Pacs:Gateway:Port=104</c>, environment
/// <c>Pacs__Gateway__Port=104</c>). Every member has a default that runs on a developer's machine: AE "PACS" on
/// 127.0.0.1:11112, any calling AE, no destinations, no routes.
/// </summary>
public sealed class GatewayOptions
{
    public const string ConfigurationSection = "Pacs:Gateway";

    /// <summary>Whether the gateway listens at all (the embedded server can run without it). Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The gateway's own AE title: the called AE title modalities must use (PS3.8 Table 9-21 reason 7 otherwise). Default "PACS".</summary>
    public string AeTitle { get; set; } = "PACS";

    /// <summary>
    /// Further called AE titles answered the same way (e.g. the title of a PACS this gateway replaces, so modalities
    /// need no reconfiguration). Empty by default.
    /// </summary>
    public List<string> AdditionalAeTitles { get; set; } = [];

    /// <summary>IP address listened on. Loopback by default: facing the hospital network is a deliberate choice ("0.0.0.0" or the NIC's address).</summary>
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>TCP port listened on; 0 picks a free one (tests). Default 11112 (the registered DICOM port is 104, which needs privileges).</summary>
    public int Port { get; set; } = 11112;

    /// <summary>
    /// Who may associate. Empty (the default) lets any calling AE in; otherwise only the listed AE titles, each
    /// optionally only from a given host (PS3.8 Table 9-21 reason 3, "calling-AE-title-not-recognized", otherwise).
    /// </summary>
    public List<GatewayCallingAe> CallingAeTitles { get; set; } = [];

    /// <summary>
    /// Whether the <see cref="Destinations"/> may also call the gateway when <see cref="CallingAeTitles"/> is an
    /// allow-list (a workstation that retrieves usually also stores). Default true.
    /// </summary>
    public bool DestinationsMayCall { get; set; } = true;

    /// <summary>The DIMSE peers the gateway knows: C-MOVE destinations, routing targets, storage commitment requestors.</summary>
    public List<DimseDestination> Destinations { get; set; } = [];

    /// <summary>Routing rules: forward what arrives to further destinations (each rule names destinations by AE title).</summary>
    public List<GatewayRoute> Routes { get; set; } = [];

    /// <summary>
    /// Standalone mode: the archive's DICOMweb base URL (the one STOW-RS, QIDO-RS and WADO-RS paths are appended to, e.g.
    /// "https://pacs.example.org/dicomweb"). Unused in the embedded server, which reaches its archive in process.
    /// </summary>
    public string? ArchiveUrl { get; set; }

    /// <summary>Standalone mode: bearer token sent to the archive in the Authorization header; null for none.</summary>
    public string? ArchiveBearerToken { get; set; }

    /// <summary>
    /// Folder of the durable spool (incoming objects, per-destination queues, quarantine, storage commitment requests).
    /// Relative paths are from the working directory (the embedded server puts it in its data folder). Default "gateway-spool".
    /// </summary>
    public string SpoolFolder { get; set; } = "gateway-spool";

    /// <summary>
    /// Free space kept on the spool's disk. A C-STORE that would leave less is answered A700H "refused: out of resources"
    /// (PS3.4 B.2.3); until then modalities keep storing whatever the archive's state. Default 512 MiB.
    /// </summary>
    public long MinimumFreeDiskBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>
    /// Associations served at once (beyond it: A-ASSOCIATE-RJ transient, local limit exceeded). Default 2,000: an idle
    /// association costs a socket and a few KiB (no thread, no receive buffer; docs/dimse-conformance.md), and
    /// modalities that keep associations open between studies must not lock each other out.
    /// </summary>
    public int MaxAssociations { get; set; } = 2000;

    /// <summary>Largest number of operations a peer may have outstanding on one association (asynchronous window). Default 1.</summary>
    public int MaxOperationsPerformed { get; set; } = 1;

    /// <summary>
    /// How long a connection may stay without a complete A-ASSOCIATE-RQ (the ARTIM timer, PS3.8 9.1.5): a half-open or
    /// silent connection is closed after it. Default 30 s.
    /// </summary>
    public TimeSpan AssociationRequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an established association may stay silent before it is aborted. Default 2 minutes.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>TLS on the listener (PS3.15 B.1); null or without a certificate for plain TCP.</summary>
    public GatewayTlsOptions? Tls { get; set; }

    /// <summary>How the spool is sent to the archive.</summary>
    public GatewayForwardingOptions Forwarding { get; set; } = new();

    /// <summary>Storage commitment (PS3.4 J) behaviour.</summary>
    public GatewayStorageCommitmentOptions StorageCommitment { get; set; } = new();

    /// <summary>All called AE titles answered: <see cref="AeTitle"/> and <see cref="AdditionalAeTitles"/>.</summary>
    public IReadOnlyList<string> CalledAeTitles => [AeTitle, .. AdditionalAeTitles.Where(t => !string.IsNullOrWhiteSpace(t) && t != AeTitle)];

    /// <summary>The destination declared with this AE title, or null.</summary>
    public DimseDestination? FindDestination(string aeTitle) =>
        Destinations.FirstOrDefault(d => string.Equals(d.AeTitle, aeTitle?.Trim(), StringComparison.Ordinal));

    /// <summary>Checks the configuration as a whole; returns what is wrong, one line each (empty when fine).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        foreach (var title in CalledAeTitles.Concat(Destinations.Select(d => d.AeTitle)).Concat(CallingAeTitles.Select(c => c.AeTitle)))
        {
            if (!IsValidAeTitle(title))
            {
                errors.Add($"'{title}' is not a valid AE title (1 to 16 characters of the default repertoire, no backslash or control characters, PS3.5 6.2 AE).");
            }
        }

        if (Port is < 0 or > 65535)
        {
            errors.Add($"Port {Port} is out of range.");
        }

        if (!System.Net.IPAddress.TryParse(BindAddress, out _))
        {
            errors.Add($"BindAddress '{BindAddress}' is not an IP address.");
        }

        foreach (var group in Destinations.GroupBy(d => d.AeTitle, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            errors.Add($"Destination AE title '{group.Key}' is declared {group.Count()} times.");
        }

        foreach (var destination in Destinations)
        {
            if (string.IsNullOrWhiteSpace(destination.Host) || destination.Port is < 1 or > 65535)
            {
                errors.Add($"Destination '{destination.AeTitle}' needs a Host and a Port between 1 and 65535.");
            }
        }

        for (var i = 0; i < Routes.Count; i++)
        {
            var route = Routes[i];
            if (route.Destinations.Count == 0)
            {
                errors.Add($"Route {route.Name ?? i.ToString(System.Globalization.CultureInfo.InvariantCulture)} names no destination.");
            }

            foreach (var ae in route.Destinations.Where(ae => FindDestination(ae) is null))
            {
                errors.Add($"Route {route.Name ?? i.ToString(System.Globalization.CultureInfo.InvariantCulture)} names destination '{ae}', which is not declared under Destinations.");
            }
        }

        if (ArchiveUrl is { Length: > 0 } url && !Uri.TryCreate(url, UriKind.Absolute, out _))
        {
            errors.Add($"ArchiveUrl '{url}' is not an absolute URL.");
        }

        return errors;
    }

    /// <summary>PS3.5 6.2: AE is 16 bytes at most of the default character repertoire, without backslash and control characters; leading and trailing spaces are not significant.</summary>
    public static bool IsValidAeTitle(string? title)
    {
        var trimmed = title?.Trim();
        return !string.IsNullOrEmpty(trimmed) && trimmed.Length <= 16 && trimmed.All(c => c is >= ' ' and < (char)127 and not '\\');
    }
}

/// <summary>One entry of the calling AE allow-list.</summary>
public sealed class GatewayCallingAe
{
    public string AeTitle { get; set; } = string.Empty;

    /// <summary>When set, the AE is let in only from this host: an IP address, a CIDR range ("10.1.2.0/24") or a DNS name (resolved when checked).</summary>
    public string? Host { get; set; }
}

/// <summary>A DIMSE peer the gateway associates with: a C-MOVE destination, a routing target, a storage commitment requestor.</summary>
public sealed class DimseDestination
{
    /// <summary>The peer's AE title (the called AE title of our associations, and the name C-MOVE and routes use).</summary>
    public string AeTitle { get; set; } = string.Empty;

    public string Host { get; set; } = string.Empty;

    public int Port { get; set; } = 104;

    /// <summary>Connect with TLS (PS3.15 B.1).</summary>
    public bool UseTls { get; set; }

    /// <summary>TLS: the name the peer's certificate must carry, when it differs from <see cref="Host"/>.</summary>
    public string? TlsServerName { get; set; }

    /// <summary>TLS: SHA-256 fingerprint (hex) of the peer's certificate to accept even when the platform does not trust it (pinning a self-signed modality).</summary>
    public string? TlsCertificateSha256 { get; set; }

    /// <summary>The calling AE title used towards this peer; default the gateway's own <see cref="GatewayOptions.AeTitle"/>.</summary>
    public string? CallingAeTitle { get; set; }

    /// <summary>Whether this peer may also be contacted for C-MOVE (false: routing or commitment only). Default true.</summary>
    public bool MoveDestination { get; set; } = true;

    public override string ToString() => $"{AeTitle}@{Host}:{Port}{(UseTls ? " (TLS)" : string.Empty)}";
}

/// <summary>
/// A routing rule: what arrives and matches every criterion given is also forwarded to <see cref="Destinations"/>. An
/// empty criterion matches anything; values are compared exactly, and '*' and '?' act as wildcards.
/// </summary>
public sealed class GatewayRoute
{
    /// <summary>A name for logs and the spool's queue folders; default the rule's position.</summary>
    public string? Name { get; set; }

    /// <summary>Calling AE titles whose objects match (the modality that sent them).</summary>
    public List<string> CallingAeTitles { get; set; } = [];

    /// <summary>Modality (0008,0060) values that match, e.g. "CT", "MR".</summary>
    public List<string> Modalities { get; set; } = [];

    /// <summary>SOP Class UIDs that match.</summary>
    public List<string> SopClassUids { get; set; } = [];

    /// <summary>AE titles of the <see cref="GatewayOptions.Destinations"/> to forward to.</summary>
    public List<string> Destinations { get; set; } = [];
}

/// <summary>TLS on the gateway's listener.</summary>
public sealed class GatewayTlsOptions
{
    /// <summary>PKCS#12 (.pfx) or PEM certificate file with its private key; TLS is off when empty.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>Password of the PKCS#12 file, or PEM private key file path when <see cref="CertificatePath"/> is PEM.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>PEM private key file when the certificate is PEM without its key.</summary>
    public string? PrivateKeyPath { get; set; }

    /// <summary>Refuse clients without a valid certificate.</summary>
    public bool RequireClientCertificate { get; set; }
}

/// <summary>How spooled objects travel to the archive.</summary>
public sealed class GatewayForwardingOptions
{
    /// <summary>Instances sent in one STOW-RS request, at most. Default 16.</summary>
    public int BatchSize { get; set; } = 16;

    /// <summary>Bytes sent in one STOW-RS request, at most (a single larger instance goes alone). Default 64 MiB.</summary>
    public long BatchBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Requests to the archive in flight at once. Default 2.</summary>
    public int Parallelism { get; set; } = 2;

    /// <summary>
    /// While objects keep arriving (the last one committed less than this long ago) the forwarder starts no new request,
    /// so that the associations storing into the gateway have the disk and the CPU to themselves: each C-STORE waits for
    /// its spool fsyncs, and forwarding (above all the embedded server's ingest, with fsyncs of its own) would make every
    /// one of them wait longer. Zero forwards at once. Default 250 ms.
    /// </summary>
    public TimeSpan YieldToIncoming { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Longest the forwarder holds back for <see cref="YieldToIncoming"/> during one uninterrupted stream of arrivals;
    /// after it forwarding goes on alongside, so the archive is never further behind than this because of it. Default 30 s.
    /// </summary>
    public TimeSpan MaxYield { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First retry delay after a failure the archive may recover from; doubled each time up to <see cref="MaxRetryDelay"/>. Default 1 s.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait between attempts while the archive stays unreachable. Default 1 minute.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long the circuit stays open (no request at all) after repeated failures. Default 30 s.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Timeout of one request to the archive. Default 5 minutes.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Attempts after which an object the archive keeps refusing with an error it calls transient is quarantined
    /// anyway (a loop forever helps nobody). Unreachability never counts. Default 50.
    /// </summary>
    public int MaxAttemptsPerObject { get; set; } = 50;

    /// <summary>Attempts of a C-STORE to a routing destination before the object goes to that queue's quarantine. Default 50.</summary>
    public int MaxRouteAttempts { get; set; } = 50;
}

/// <summary>Storage commitment (PS3.4 J) behaviour.</summary>
public sealed class GatewayStorageCommitmentOptions
{
    /// <summary>
    /// Longest time a commitment request waits for its instances to reach the archive; then the N-EVENT-REPORT is sent
    /// with those not confirmed in the failed list. Default 1 hour.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often an open request is re-checked against the archive. Default 2 s.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Attempts to deliver an N-EVENT-REPORT on a new association before the result is given up (logged). Default 20.</summary>
    public int MaxReportAttempts { get; set; } = 20;
}
