using Microsoft.EntityFrameworkCore;

namespace Pacs.Archive.Tests.Model;

/// <summary>The committed migration sets describe the current model exactly, for both databases.</summary>
public sealed class MigrationTests
{
    [Fact]
    public void Sqlite_migrations_match_the_model()
    {
        using var db = new SqliteArchiveDbContext(new DbContextOptionsBuilder<SqliteArchiveDbContext>().UseSqlite("Data Source=:memory:").Options);
        Assert.False(db.Database.HasPendingModelChanges(), "The model changed: add a SQLite migration (see docs/archive.md).");
        Assert.NotEmpty(db.Database.GetMigrations());
    }

    [Fact]
    public void Postgres_migrations_match_the_model()
    {
        using var db = new PostgresArchiveDbContext(new DbContextOptionsBuilder<PostgresArchiveDbContext>().UseNpgsql("Host=unused").Options);
        Assert.False(db.Database.HasPendingModelChanges(), "The model changed: add a PostgreSQL migration (see docs/archive.md).");
        Assert.NotEmpty(db.Database.GetMigrations());
    }
}
