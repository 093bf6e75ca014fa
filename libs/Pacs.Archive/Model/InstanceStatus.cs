namespace Pacs.Archive;

/// <summary>
/// Life cycle of one stored version of an instance. Only <see cref="Created"/> rows are visible to QIDO-RS and
/// WADO-RS; the others exist so that a crash at any step leaves a row that says what to clean up.
/// </summary>
public enum InstanceStatus
{
    /// <summary>Rows inserted, blob being written; not yet acknowledged to the sender.</summary>
    Creating = 0,

    /// <summary>Blob durable and the row committed: acknowledged, visible.</summary>
    Created = 1,

    /// <summary>Being deleted: invisible, blob and row about to be removed.</summary>
    Deleting = 2,

    /// <summary>An older version kept for audit after a Replace; invisible to queries, its blob is kept.</summary>
    Replaced = 3,
}
