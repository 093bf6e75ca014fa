using Pacs.Testing;

namespace Pacs.Indexer.Tests.Support;

/// <summary>One PostgreSQL and one RabbitMQ for the whole suite; each test makes its own database and entity prefix.</summary>
[CollectionDefinition(Name)]
public sealed class PeersCollection : ICollectionFixture<PostgresServer>, ICollectionFixture<RabbitMqServer>
{
    public const string Name = "Peers";
}
