using Pacs.Dicom;

namespace Pacs.DicomWeb.Query;

/// <summary>
/// An attribute named in a query: one tag, or a path through sequences to the attribute in their items
/// (PS3.18 8.3.4.1: ReferencedStudySequence.ReferencedSOPInstanceUID), outermost first.
/// </summary>
public sealed class QidoAttributePath : IEquatable<QidoAttributePath>
{
    public QidoAttributePath(params DicomTag[] tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        ArgumentOutOfRangeException.ThrowIfZero(tags.Length, nameof(tags));
        Tags = tags;
    }

    /// <summary>The tags from the top-level sequence down to the attribute.</summary>
    public IReadOnlyList<DicomTag> Tags { get; }

    /// <summary>The attribute itself (the last tag).</summary>
    public DicomTag Leaf => Tags[^1];

    /// <summary>True when the attribute is inside sequence items.</summary>
    public bool IsNested => Tags.Count > 1;

    public bool Equals(QidoAttributePath? other) => other is not null && Tags.SequenceEqual(other.Tags);

    public override bool Equals(object? obj) => Equals(obj as QidoAttributePath);

    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var tag in Tags)
        {
            hash.Add(tag);
        }

        return hash.ToHashCode();
    }

    /// <summary>"00081110.00081155": the ggggeeee form PS3.18 8.3.4.1 allows.</summary>
    public override string ToString() => string.Join('.', Tags.Select(t => t.ToHexString()));
}
