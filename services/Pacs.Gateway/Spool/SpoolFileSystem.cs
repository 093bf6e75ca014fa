using System.Runtime.InteropServices;

namespace Pacs.Gateway.Spool;

/// <summary>
/// The POSIX calls the spool needs beyond System.IO: fsync of a folder (a rename, link or unlink in it is durable only
/// then) and hard links (one spooled file queued for the archive and for routing destinations without copying it).
/// </summary>
internal static partial class SpoolFileSystem
{
    // fcntl.h: O_DIRECTORY is 0200000 on x86/x64 and 040000 on ARM; O_CLOEXEC 02000000 everywhere.
    private const int OCloExec = 0x80000;

    private static int ODirectory => RuntimeInformation.ProcessArchitecture is Architecture.Arm or Architecture.Arm64 ? 0x4000 : 0x10000;

    /// <summary>
    /// Makes the entries of <paramref name="directory"/> durable (open + fsync). Throws when the folder cannot be synced:
    /// the spool acknowledges an object only when its name is on disk. No-op where the platform commits names with the
    /// file (Windows).
    /// </summary>
    public static void FsyncDirectory(string directory)
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD()))
        {
            return;
        }

        var fd = Open(directory, OperatingSystem.IsLinux() ? ODirectory | OCloExec : 0);
        if (fd < 0)
        {
            throw new IOException($"Cannot open folder '{directory}' to sync it: {Marshal.GetLastPInvokeErrorMessage()}");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync of folder '{directory}' failed: {Marshal.GetLastPInvokeErrorMessage()}");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>Creates <paramref name="target"/> as a hard link to <paramref name="source"/>; copies (and fsyncs) where links are not possible.</summary>
    public static void LinkOrCopy(string source, string target)
    {
        if (!OperatingSystem.IsWindows() && Link(source, target) == 0)
        {
            return;
        }

        // Another file system, or one without links: a full copy, synced before it counts.
        var temporary = target + ".copy";
        File.Copy(source, temporary, overwrite: true);
        using (var stream = new FileStream(temporary, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, target, overwrite: true);
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string oldPath, string newPath);
}
