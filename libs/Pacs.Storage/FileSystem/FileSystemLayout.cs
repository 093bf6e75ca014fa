using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Pacs.Storage;

/// <summary>
/// Where each blob lives on disk (see docs/storage.md). A blob named <c>a/b/c</c> is the file
/// <c>{root}/{h0}/{h1}/a+b+c</c>, where h0 h1 are the first two bytes, in hex, of SHA-256 of the name: 65,536
/// folders spread the files evenly whatever the names look like, so no folder grows large. '/' becomes '+', which
/// names cannot contain, so the mapping is reversible and a blob is one file whatever its depth. Files the store
/// keeps beside a blob carry '~', which names cannot contain either, so they never collide with a blob:
/// <c>{file}~meta</c> (metadata), <c>{file}~{16 hex}.tmp</c> and <c>{file}~meta~{16 hex}.tmp</c> (writes in
/// progress, or left by a crash).
/// </summary>
internal sealed class FileSystemLayout(string root)
{
    public const char Separator = '+';
    public const char Marker = '~';
    public const string MetaSuffix = "~meta";
    public const string TempSuffix = ".tmp";

    public string Root { get; } = root;

    public BlobPaths For(string name)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.ASCII.GetBytes(name), hash);
        string directory = Path.Combine(Root, hash[0].ToString("x2", CultureInfo.InvariantCulture),
            hash[1].ToString("x2", CultureInfo.InvariantCulture));
        string file = name.Replace('/', Separator);
        return new BlobPaths(directory, Path.Combine(directory, file), Path.Combine(directory, file + MetaSuffix));
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
