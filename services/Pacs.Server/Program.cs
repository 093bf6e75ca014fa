using Pacs.Server;

// The embedded default (one process, SQLite and files under ./data): `dotnet run --project services/Pacs.Server`.
var app = PacsServer.Build(args);
await PacsServer.StartAsync(app, Console.Out);
await app.WaitForShutdownAsync();
