namespace Pacs.Archive;

/// <summary>What a change feed row records.</summary>
public enum ChangeFeedAction
{
    /// <summary>A new instance became visible.</summary>
    Created = 0,

    /// <summary>A new version of an existing instance replaced the visible one (the old version is kept).</summary>
    Replaced = 1,

    /// <summary>The instance (every version of it) was deleted.</summary>
    Deleted = 2,
}
