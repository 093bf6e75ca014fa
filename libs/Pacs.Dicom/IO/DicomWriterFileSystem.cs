using System.Runtime.InteropServices;

namespace Pacs.Dicom;

/// <summary>The few file-system calls saving needs beyond what System.IO offers.</summary>
internal static partial class DicomWriterFileSystem
{
    /// <summary>
    /// Makes a rename in <paramref name="directory"/> durable: on Unix the new name lives in the folder, which has to be
    /// fsynced on its own. Best effort: some file systems refuse fsync on a folder, and the file's data is already safe.
    /// Windows commits the rename with the file, so there is nothing to do.
    /// </summary>
    public static void FlushDirectory(string directory)
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD()))
        {
            return;
        }

        var fd = Open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            return;
        }

        _ = Fsync(fd);
        _ = Close(fd);
    }

    /// <summary>Removes a temporary file after a failed save; a failure to remove it must not hide the reason the save failed.</summary>
    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Left behind: its name starts with a dot and ends in .tmp, so it is recognisable and harmless.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
