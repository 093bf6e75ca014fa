namespace Pacs.Archive;

/// <summary>One entry of the change feed: an instance became visible, was replaced or was deleted.</summary>
public sealed class ChangeFeedRow
{
    /// <summary>Position in the feed (identity / AUTOINCREMENT).</summary>
    public long Sequence { get; set; }

    public DateTimeOffset Timestamp { get; set; }

    public ChangeFeedAction Action { get; set; }

    public required string StudyInstanceUid { get; set; }

    public required string SeriesInstanceUid { get; set; }

    public required string SopInstanceUid { get; set; }

    /// <summary>Watermark of the version the entry is about (for a delete: the newest version deleted).</summary>
    public long Watermark { get; set; }

    public int Version { get; set; }
}
