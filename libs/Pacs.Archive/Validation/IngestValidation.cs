namespace Pacs.Archive;

/// <summary>What ingest does with an object the (lenient) reader could read but that breaks the standard.</summary>
public enum IngestValidationPolicy
{
    /// <summary>
    /// Refuse it, naming the defect (<see cref="IngestValidator"/>): the archive keeps objects that every consumer can
    /// read. The default.
    /// </summary>
    Strict,

    /// <summary>Store whatever the reader can read, as sent (only what ingest cannot index is refused).</summary>
    AcceptAsIs,
}

/// <summary>A defect that makes the strict policy refuse an object.</summary>
/// <param name="Reason">A <see cref="StoreFailureReasons"/> value: 0xC000 family for encoding defects, 0xA900 for content.</param>
/// <param name="Description">The defect, naming the attribute and the clause of the standard, for people.</param>
public sealed record IngestDefect(ushort Reason, string Description);
