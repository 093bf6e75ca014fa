using System.Net;
using Pacs.Dicom;

namespace Pacs.Dimse;

/// <summary>How an SCP host listens and what it accepts. Every member has a safe default.</summary>
public sealed record DimseServerOptions
{
    /// <summary>Where to listen; port 0 picks a free port (see <see cref="DimseServer.LocalEndPoint"/>). Default 127.0.0.1:11112.</summary>
    public IPEndPoint EndPoint { get; init; } = new(IPAddress.Loopback, 11112);

    public DimseAssociationPolicy Policy { get; init; } = new();

    /// <summary>The application's services for each association (called once per association). Default: C-ECHO only.</summary>
    public Func<DimseAssociation, DimseService> ServiceFactory { get; init; } = static _ => new DimseService();

    /// <summary>
    /// Associations served at once. Beyond it a new connection is answered with A-ASSOCIATE-RJ (transient,
    /// local-limit-exceeded); beyond twice it the connection is closed at once. Default 200.
    /// </summary>
    public int MaxAssociations { get; init; } = 200;

    public DimseTimeouts Timeouts { get; init; } = DimseTimeouts.Default;

    public DimseAssociationLimits Limits { get; init; } = DimseAssociationLimits.Default;

    /// <summary>TLS settings; null for plain TCP.</summary>
    public DimseTlsServerOptions? Tls { get; init; }

    /// <summary>Pending connections the operating system queues before accept. Default 512.</summary>
    public int ListenBacklog { get; init; } = 512;

    /// <summary>
    /// Told of every connection that ended abnormally (ARTIM expired, protocol error, abort, timeout, TLS failure), with
    /// the peer's address and the reason; for logs and metrics. Must not throw.
    /// </summary>
    public Action<EndPoint?, Exception>? ConnectionFailed { get; init; }

    public string ImplementationClassUid { get; init; } = DicomImplementation.ClassUid;

    public string ImplementationVersionName { get; init; } = DicomImplementation.VersionName;
}
