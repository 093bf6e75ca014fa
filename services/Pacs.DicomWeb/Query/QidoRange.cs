namespace Pacs.DicomWeb.Query;

/// <summary>
/// A date, time or date-time range (PS3.4 C.2.2.2.5), bounds inclusive, as written in the query ("20200101",
/// "1030", "20200101120000+0100"). A null bound is open: "-20201231" has no lower bound, "2020-" no upper one.
/// A bound of reduced precision covers its whole span: upper "2020" means to the end of 2020.
/// </summary>
public sealed record QidoRange(string? Lower, string? Upper);
