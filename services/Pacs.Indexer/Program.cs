using Pacs.Indexer;
using Pacs.ServiceDefaults;

// The indexer on its own: `Pacs.Indexer` serves until stopped; `Pacs.Indexer rebuild` rebuilds the index from the
// blob store and exits; `Pacs.Indexer probe` checks a running instance's readiness (the image's HEALTHCHECK).
// Configuration: docs/messaging.md and docs/deployment.md.
if (HealthProbe.IsRequested(args))
    return await HealthProbe.RunAsync(args);
bool rebuild = args is ["rebuild", ..];
var app = IndexerHost.Build(rebuild ? args[1..] : args);
if (rebuild)
    return await IndexerHost.RebuildAsync(app, Console.Out);
await IndexerHost.StartAsync(app);
await app.WaitForShutdownAsync();
return 0;
