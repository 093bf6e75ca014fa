using System.Collections.Concurrent;
using System.Net;
using Pacs.Dicom;

namespace Pacs.Dimse.Tests.Support;

/// <summary>Short timeouts so that every failure shows up in seconds, not minutes.</summary>
public static class TestTimeouts
{
    public static readonly DimseTimeouts Short = new()
    {
        Connect = TimeSpan.FromSeconds(5),
        Artim = TimeSpan.FromSeconds(2),
        AssociateResponse = TimeSpan.FromSeconds(5),
        ReleaseResponse = TimeSpan.FromSeconds(5),
        Idle = TimeSpan.FromSeconds(20),
        DimseResponse = TimeSpan.FromSeconds(20),
        Write = TimeSpan.FromSeconds(10),
    };
}

/// <summary>Our SCP host on a free loopback port, stopped on dispose.</summary>
public sealed class TestScp : IAsyncDisposable
{
    public const string AeTitle = "PACS_TEST";

    private TestScp(DimseServer server)
    {
        Server = server;
    }

    public DimseServer Server { get; }

    public int Port => Server.LocalEndPoint.Port;

    public static TestScp Start(DimseService? service = null, DimseAssociationPolicy? policy = null, Func<DimseServerOptions, DimseServerOptions>? configure = null)
    {
        var options = new DimseServerOptions
        {
            EndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            Policy = policy ?? new DimseAssociationPolicy
            {
                CalledAeTitles = [AeTitle],
                StorageTransferSyntaxes = DimseTransferSyntaxes.All,
                TransferSyntaxPreference = TransferSyntaxPreference.Requestor,
            },
            ServiceFactory = _ => service ?? new DimseService(),
            Timeouts = TestTimeouts.Short,
        };
        return new TestScp(DimseServer.Start(configure is null ? options : configure(options)));
    }

    public async ValueTask DisposeAsync() => await Server.StopAsync(TimeSpan.FromSeconds(5));
}

/// <summary>A storage service that spools every received data set to its own file, as a gateway would.</summary>
public sealed class SpoolingStoreService(string folder) : DimseService
{
    private int _count;

    /// <summary>Every object received, by SOP Instance UID (the last one wins when a UID comes twice).</summary>
    public ConcurrentDictionary<string, ReceivedObject> Received { get; } = new();

    /// <summary>Every object received, in order of arrival.</summary>
    public ConcurrentQueue<ReceivedObject> Arrivals { get; } = new();

    public ConcurrentBag<string> Aborted { get; } = [];

    public override ValueTask<Stream> OpenStoreDestinationAsync(DimseRequestContext context, CStoreRequest request, CancellationToken cancellationToken)
    {
        var path = Path.Combine(folder, $"{Interlocked.Increment(ref _count):D6}-{request.AffectedSopInstanceUid}.spool");
        return ValueTask.FromResult<Stream>(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true));
    }

    public override async ValueTask<DimseStatus> OnStoreCompletedAsync(DimseRequestContext context, CStoreRequest request, Stream destination, CancellationToken cancellationToken)
    {
        await destination.FlushAsync(cancellationToken);
        var path = ((FileStream)destination).Name;
        var received = new ReceivedObject(request.AffectedSopClassUid!, request.AffectedSopInstanceUid!, context.TransferSyntax, path);
        Received[request.AffectedSopInstanceUid!] = received;
        Arrivals.Enqueue(received);
        return DimseStatus.Success;
    }

    public override ValueTask OnStoreAbortedAsync(DimseRequestContext context, CStoreRequest request, Stream destination, Exception reason)
    {
        Aborted.Add(request.AffectedSopInstanceUid!);
        return ValueTask.CompletedTask;
    }
}

public sealed record ReceivedObject(string SopClassUid, string SopInstanceUid, DicomTransferSyntax TransferSyntax, string Path);
