namespace Pacs.Server;

/// <summary>The embedded server's knobs (configuration section "Pacs"; command line --Pacs:DataFolder=…).</summary>
public sealed class PacsServerOptions
{
    public const string ConfigurationSection = "Pacs";

    /// <summary>Folder holding the SQLite index (index.db) and the stored objects (blobs/). Relative paths are from the working directory.</summary>
    public string DataFolder { get; set; } = "data";

    /// <summary>Address Kestrel listens on. Loopback by default: the embedded server is not meant to face a network unprotected.</summary>
    public string Url { get; set; } = "http://127.0.0.1:8080";

    /// <summary>Remove reservations and deletions a previous process left unfinished before serving (safe: one process owns the data folder).</summary>
    public bool SweepAtStart { get; set; } = true;
}
