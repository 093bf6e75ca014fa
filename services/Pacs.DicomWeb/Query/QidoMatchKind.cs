namespace Pacs.DicomWeb.Query;

/// <summary>How a condition matches (PS3.4 C.2.2.2, as PS3.18 8.3.4.1 carries it in a query string).</summary>
public enum QidoMatchKind
{
    /// <summary>Empty value: every entity matches, and the attribute is returned (PS3.4 C.2.2.2.3).</summary>
    Universal,

    /// <summary>One value that must equal the attribute's (PS3.4 C.2.2.2.1); for PN see <see cref="QidoQuery.FuzzyMatching"/>.</summary>
    Single,

    /// <summary>A value with '*' (any run) or '?' (any one character) (PS3.4 C.2.2.2.4).</summary>
    Wildcard,

    /// <summary>
    /// Any of several values: UID list matching (PS3.4 C.2.2.2.2, PS3.18 8.3.4.1 uid-list-match); and, beyond the
    /// standard, a comma list of CS values (ModalitiesInStudy=CT,MR), CS having no comma in its repertoire.
    /// </summary>
    List,

    /// <summary>A DA, TM or DT range with an open or closed end (PS3.4 C.2.2.2.5).</summary>
    Range,
}
