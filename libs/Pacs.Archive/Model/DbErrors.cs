using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Pacs.Archive;

/// <summary>Recognises the database errors that mean "a concurrent writer got there first; try again".</summary>
internal static class DbErrors
{
    /// <summary>A unique or foreign key violation (PostgreSQL 23505 / 23503, SQLite constraint errors) or a serialization failure.</summary>
    public static bool IsConflict(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            switch (x)
            {
                case PostgresException pg when pg.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.ForeignKeyViolation
                    or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected:
                    return true;
                // SQLITE_CONSTRAINT (19): its extended codes UNIQUE (2067), PRIMARYKEY (1555), FOREIGNKEY (787).
                case SqliteException sqlite when sqlite.SqliteErrorCode == 19:
                    return true;
            }
        }
        return false;
    }

    /// <summary>True for the failures of talking to the database (as opposed to bugs): connection, timeout, constraint.</summary>
    public static bool IsDatabaseFailure(Exception e) =>
        e is System.Data.Common.DbException or DbUpdateException or TimeoutException or InvalidOperationException { InnerException: System.Data.Common.DbException };
}
