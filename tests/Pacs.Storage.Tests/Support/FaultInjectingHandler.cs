namespace Pacs.Storage.Tests.Support;

/// <summary>What <see cref="FaultInjectingHandler"/> does with one request.</summary>
public enum Fault
{
    /// <summary>Forward the request and return the answer.</summary>
    None,

    /// <summary>Answer 503 without forwarding.</summary>
    ServiceUnavailable,

    /// <summary>Forward the request (the service acts on it), then throw as if the connection dropped before the
    /// answer arrived: a lost response.</summary>
    LoseResponse,
}

/// <summary>
/// Sits between a store and the real service, records every request (method and query) and injects faults that a
/// policy picks per request.
/// </summary>
public sealed class FaultInjectingHandler(Func<HttpRequestMessage, int, Fault> policy) : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly List<string> _requests = [];

    /// <summary>"METHOD query" of every request sent so far, e.g. "PUT comp=blocklist".</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_requests)
                return [.. _requests];
        }
    }

    public int Count(string method, string queryPart) =>
        Requests.Count(r => r.StartsWith(method + " ", StringComparison.Ordinal) && r.Contains(queryPart, StringComparison.Ordinal));

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        int index;
        lock (_requests)
        {
            index = _requests.Count;
            _requests.Add(request.Method.Method + " " + request.RequestUri!.Query.TrimStart('?'));
        }
        switch (policy(request, index))
        {
            case Fault.ServiceUnavailable:
                return new HttpResponseMessage(System.Net.HttpStatusCode.ServiceUnavailable) { RequestMessage = request };
            case Fault.LoseResponse:
                using (await base.SendAsync(request, cancellationToken))
                    throw new HttpRequestException("Connection reset before the answer arrived (injected).");
            default:
                return await base.SendAsync(request, cancellationToken);
        }
    }
}
