using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Pacs.Storage;

/// <summary>
/// Where each blob lives on disk (see docs/storage.md). A blob named <c>a/b/c</c> is the file
/// <c>{root}/{h0}/a+b+c</c>, where h0 is the first byte, in hex, of SHA-256 of the name: 256 folders spread the files
/// evenly whatever the names look like. '/' becomes '+', which names cannot contain, so the mapping is reversible and a
/// blob is one file whatever its depth. Files the store keeps beside a blob carry '~', which names cannot contain
/// either, so they never collide with a blob: <c>{file}~meta</c> (metadata where the file system keeps no extended
/// attributes), <c>{file}~{16 hex}.tmp</c> and <c>{file}~meta~{16 hex}.tmp</c> (writes in progress, or left by a
/// crash).
/// <para>
/// Data folders of earlier versions have two folder levels, <c>{root}/{h0}/{h1}/a+b+c</c> (h1 the second byte): 65,536
/// folders, so that a young store made a new folder (mkdir, and an fsync of its parent) for nearly every put. A store
/// keeps the layout it was created with: <see cref="Open"/> reads the marker file <see cref="MarkerFileName"/> that a
/// new store writes, and takes a root without one that already holds shard folders for the two-level layout.
/// </para>
/// </summary>
internal sealed class FileSystemLayout
{
    public const char Separator = '+';
    public const char Marker = '~';
    public const string MetaSuffix = "~meta";
    public const string TempSuffix = ".tmp";

    /// <summary>The file at the root naming the layout ("2": one folder level); absent in two-level data folders.</summary>
    public const string MarkerFileName = "~layout";

    private const int OneLevelLayout = 2;

    public FileSystemLayout(string root, int levels = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(levels, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(levels, 2);
        Root = root;
        Levels = levels;
    }

    public string Root { get; }

    /// <summary>Folder levels between the root and a blob's file: 1, or 2 in data folders of earlier versions.</summary>
    public int Levels { get; }

    /// <summary>
    /// The layout of the store at <paramref name="root"/> (an existing folder): what its marker says; two levels when
    /// there is no marker but there are shard folders; else (a new store) one level, and the marker is written durably
    /// first, so that the store is read the same way after a crash.
    /// </summary>
    public static FileSystemLayout Open(string root)
    {
        string marker = Path.Combine(root, MarkerFileName);
        if (TryReadMarker(marker) is { } levels)
            return new FileSystemLayout(root, levels);
        if (Directory.EnumerateDirectories(root).Any(d => IsShardFolderName(Path.GetFileName(d))))
            return new FileSystemLayout(root, 2);

        string temp = NewTempPath(marker);
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1))
            {
                file.Write(Encoding.ASCII.GetBytes(OneLevelLayout.ToString(CultureInfo.InvariantCulture) + "\n"));
                NativeFileSystem.SyncData(file);
            }
            // Another store opening the same new root at the same time may have written it first: both read the same.
            if (NativeFileSystem.TryMoveNoReplace(temp, marker))
                NativeFileSystem.FsyncDirectory(root);
        }
        finally
        {
            File.Delete(temp);
        }
        return new FileSystemLayout(root, TryReadMarker(marker)
            ?? throw new IOException($"The layout marker '{marker}' of the blob store could not be written."));
    }

    private static int? TryReadMarker(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path, Encoding.ASCII).Trim();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        return text == OneLevelLayout.ToString(CultureInfo.InvariantCulture)
            ? 1
            : throw new InvalidOperationException(
                $"The blob store at '{Path.GetDirectoryName(path)}' has layout '{text}', which this version of Pacs does not know.");
    }

    public BlobPaths For(string name)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.ASCII.GetBytes(name), hash);
        string h0 = hash[0].ToString("x2", CultureInfo.InvariantCulture);
        string directory = Levels == 1
            ? Path.Combine(Root, h0)
            : Path.Combine(Root, h0, hash[1].ToString("x2", CultureInfo.InvariantCulture));
        string file = name.Replace('/', Separator);
        return new BlobPaths(directory, Path.Combine(directory, file), Path.Combine(directory, file + MetaSuffix));
    }

    /// <summary>
    /// The shard folders that exist, in listing order, as paths relative to the root with '/' (<c>h0</c>, or
    /// <c>h0/h1</c> in the two-level layout): fixed-width hex, so ordinal order of these strings is the nested order.
    /// </summary>
    public IEnumerable<string> SortedShards()
    {
        foreach (string h0 in SortedShardFolders(Root))
        {
            if (Levels == 1)
            {
                yield return h0;
                continue;
            }
            foreach (string h1 in SortedShardFolders(Path.Combine(Root, h0)))
                yield return h0 + "/" + h1;
        }
    }

    /// <summary>Whether <paramref name="shard"/> has the form <see cref="SortedShards"/> yields in this layout.</summary>
    public bool IsShard(string shard)
    {
        var parts = shard.Split('/');
        return parts.Length == Levels && parts.All(IsShardFolderName);
    }

    public string FolderOf(string shard) => Path.Combine(Root, shard.Replace('/', Path.DirectorySeparatorChar));

    private static List<string> SortedShardFolders(string folder)
    {
        var names = new List<string>();
        try
        {
            foreach (string path in Directory.EnumerateDirectories(folder))
            {
                string name = Path.GetFileName(path);
                if (IsShardFolderName(name))
                    names.Add(name);
            }
        }
        catch (DirectoryNotFoundException)
        {
            return names;
        }
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    public static string NameOfFile(string fileName) => fileName.Replace(Separator, '/');

    /// <summary>A blob's data file: any file without the marker (temporary and metadata files all carry it).</summary>
    public static bool IsDataFile(string fileName) => !fileName.Contains(Marker, StringComparison.Ordinal);

    public static bool IsTempFile(string fileName) =>
        fileName.Contains(Marker, StringComparison.Ordinal) && fileName.EndsWith(TempSuffix, StringComparison.Ordinal);

    public static bool IsMetaFile(string fileName) => fileName.EndsWith(MetaSuffix, StringComparison.Ordinal);

    public static bool IsShardFolderName(string name) =>
        name.Length == 2 && char.IsAsciiHexDigitLower(name[0]) && char.IsAsciiHexDigitLower(name[1]);

    public static string NewTempPath(string path)
    {
        Span<byte> random = stackalloc byte[8];
        RandomNumberGenerator.Fill(random);
        return path + Marker + Convert.ToHexStringLower(random) + TempSuffix;
    }
}

/// <summary>The shard folder, data file and metadata file of one blob.</summary>
internal readonly record struct BlobPaths(string Directory, string Data, string Meta);
