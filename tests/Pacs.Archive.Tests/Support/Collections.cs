using Pacs.Storage.Tests.Azure;
using Pacs.Testing;

namespace Pacs.Archive.Tests.Support;

/// <summary>One PostgreSQL server for every PostgreSQL test class; each class makes its own database.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "Postgres";
}

/// <summary>One Azurite for the Azure store subset.</summary>
[CollectionDefinition(Name)]
public sealed class ArchiveAzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "ArchiveAzurite";
}
