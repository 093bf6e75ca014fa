using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Pacs.Archive;

// dotnet-ef builds the model through these when it generates migrations; no database is contacted.

internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteArchiveDbContext>
{
    public SqliteArchiveDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteArchiveDbContext>().UseSqlite("Data Source=design-time.db").Options);
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresArchiveDbContext>
{
    public PostgresArchiveDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresArchiveDbContext>().UseNpgsql("Host=localhost;Database=design_time").Options);
}
