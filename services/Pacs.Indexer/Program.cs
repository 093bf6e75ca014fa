using Pacs.Indexer;

// The indexer on its own: `Pacs.Indexer` serves until stopped; `Pacs.Indexer rebuild` rebuilds the index from the
// blob store and exits (configuration: Pacs:Database, Pacs:Storage, Bus, Pacs:Indexer; environment Pacs__Database__… ).
bool rebuild = args is ["rebuild", ..];
var app = IndexerHost.Build(rebuild ? args[1..] : args);
if (rebuild)
    return await IndexerHost.RebuildAsync(app, Console.Out);
await IndexerHost.StartAsync(app);
await app.WaitForShutdownAsync();
return 0;
