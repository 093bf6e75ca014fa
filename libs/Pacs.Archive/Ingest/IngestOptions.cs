namespace Pacs.Archive;

/// <summary>Settings of one ingest.</summary>
public sealed record IngestOptions
{
    public static IngestOptions Default { get; } = new();

    /// <summary>The study of the request URL (STOW-RS to <c>/studies/{study}</c>); an instance of another study is refused (43265).</summary>
    public string? ExpectedStudyInstanceUid { get; init; }

    /// <summary>Overrides <see cref="ArchiveOptions.DuplicatePolicy"/> for this ingest.</summary>
    public DuplicatePolicy? DuplicatePolicy { get; init; }
}
