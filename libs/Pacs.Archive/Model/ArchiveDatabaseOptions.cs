namespace Pacs.Archive;

/// <summary>Which database holds the index.</summary>
public enum ArchiveDatabaseProvider
{
    /// <summary>A SQLite file (the embedded default).</summary>
    Sqlite,

    /// <summary>PostgreSQL 15 or later (production).</summary>
    PostgreSql,
}

/// <summary>Where the index lives.</summary>
public sealed class ArchiveDatabaseOptions
{
    public ArchiveDatabaseProvider Provider { get; set; } = ArchiveDatabaseProvider.Sqlite;

    /// <summary>
    /// ADO.NET connection string, e.g. <c>Data Source=/var/lib/pacs/index.db</c> or
    /// <c>Host=127.0.0.1;Port=5432;Database=pacs;Username=pacs</c>. Required.
    /// </summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// Longest a statement may run, in seconds; on SQLite also how long a writer waits for the write lock before giving
    /// up. Default 30.
    /// </summary>
    public int CommandTimeoutSeconds { get; set; } = 30;
}
