using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Pacs.Storage;

/// <summary>
/// The POSIX calls .NET does not expose: fsync of a directory (so a rename or unlink inside it survives a power
/// loss), rename that refuses to replace an existing target, hard links and extended attributes. Linux only; elsewhere
/// the callers fall back to what .NET offers. Public for the other durable writers of the project (the DIMSE gateway's spool).
/// </summary>
public static partial class NativeFileSystem
{
    private const int AtFdCwd = -100;
    private const uint RenameNoReplace = 1;
    private const int ErrnoExist = 17;
    private const int ErrnoInvalid = 22;
    private const int ErrnoNoSys = 38;
    private const int ErrnoNotSupported = 95;
    private const int ErrnoPermission = 1;
    private const int ErrnoCrossDevice = 18;
    private const int ErrnoTooManyLinks = 31;
    private const int ErrnoTooBig = 7;
    private const int ErrnoNoSpace = 28;

    // fcntl.h: O_CLOEXEC is 02000000 on every Linux architecture .NET runs on; O_DIRECTORY is 0200000 on x86 and
    // x64 but 040000 on ARM and ARM64.
    private const int ORdOnly = 0;
    private const int OCloExec = 0x80000;

    private static int ODirectory => RuntimeInformation.ProcessArchitecture is Architecture.Arm or Architecture.Arm64
        ? 0x4000
        : 0x10000;

    private static volatile bool s_renameNoReplaceUnsupported;

    /// <summary>
    /// Makes the entries of <paramref name="directory"/> (names created, renamed or removed in it) durable:
    /// open(O_RDONLY|O_DIRECTORY) + fsync. Without it a crash after a rename may lose the rename even though the
    /// file's data was synced. No-op on other operating systems.
    /// </summary>
    public static void FsyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux())
            return;
        int fd = Open(directory, ORdOnly | ODirectory | OCloExec);
        if (fd < 0)
            throw new IOException($"Cannot open directory '{directory}' to sync it: {Marshal.GetLastPInvokeErrorMessage()}");
        try
        {
            if (Fsync(fd) != 0)
                throw new IOException($"fsync of directory '{directory}' failed: {Marshal.GetLastPInvokeErrorMessage()}");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>
    /// Makes a file's data and size durable (fdatasync on Linux: unlike fsync it skips metadata that reading the data
    /// back does not need, such as the modification time). Elsewhere a full flush.
    /// </summary>
    public static void SyncData(FileStream file)
    {
        ArgumentNullException.ThrowIfNull(file);
        file.Flush(flushToDisk: false);
        SyncData(file.SafeFileHandle, file.Name);
    }

    /// <summary>
    /// <see cref="SyncData(FileStream)"/> for a handle written with <see cref="RandomAccess"/> (nothing buffered in
    /// process); <paramref name="path"/> only names the file in an error.
    /// </summary>
    public static void SyncData(SafeFileHandle handle, string path)
    {
        ArgumentNullException.ThrowIfNull(handle);
        if (!OperatingSystem.IsLinux())
        {
            RandomAccess.FlushToDisk(handle);
            return;
        }
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (Fdatasync((int)handle.DangerousGetHandle()) != 0)
                throw new IOException($"fdatasync of '{path}' failed: {Marshal.GetLastPInvokeErrorMessage()}");
        }
        finally
        {
            if (added)
                handle.DangerousRelease();
        }
    }

    /// <summary>
    /// Asks the kernel to drop the cached pages of an open file (posix_fadvise POSIX_FADV_DONTNEED over the whole file).
    /// Only clean pages go, so call it after the data was synced. Advice: it never fails the caller, and does nothing on
    /// other operating systems.
    /// </summary>
    public static void DropCachedPages(SafeFileHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        if (!OperatingSystem.IsLinux())
            return;
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            // Offset 0, length 0: the whole file. POSIX_FADV_DONTNEED is 4 on Linux.
            _ = Fadvise((int)handle.DangerousGetHandle(), 0, 0, 4);
        }
        finally
        {
            if (added)
                handle.DangerousRelease();
        }
    }

    /// <summary>
    /// Sets the extended attribute <paramref name="name"/> (with its namespace, e.g. <c>user.x</c>) of an open file
    /// (fsetxattr). False when the platform or the file system does not keep such attributes, or not one of this
    /// size (ENOTSUP, E2BIG, ENOSPC), so that the caller keeps the value elsewhere; other errors throw.
    /// </summary>
    public static bool TrySetAttribute(SafeFileHandle handle, string name, ReadOnlySpan<byte> value, string path)
    {
        ArgumentNullException.ThrowIfNull(handle);
        if (!OperatingSystem.IsLinux())
            return false;
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (FSetXattr((int)handle.DangerousGetHandle(), name, value, (nuint)value.Length, 0) == 0)
                return true;
            int errno = Marshal.GetLastPInvokeError();
            if (errno is ErrnoNotSupported or ErrnoTooBig or ErrnoNoSpace or ErrnoPermission)
                return false;
            throw new IOException($"Cannot set attribute {name} of '{path}': {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        finally
        {
            if (added)
                handle.DangerousRelease();
        }
    }

    /// <summary>
    /// Reads the extended attribute <paramref name="name"/> of <paramref name="path"/> into <paramref name="value"/>
    /// (getxattr): its length, or -1 when the file has none of that name, the file is gone, the attribute is longer
    /// than the buffer, or the platform keeps no such attributes. Never throws for the file's state: a caller that
    /// cannot read the attribute treats the value as unknown.
    /// </summary>
    public static int TryGetAttribute(string path, string name, Span<byte> value)
    {
        if (!OperatingSystem.IsLinux())
            return -1;
        nint n = GetXattr(path, name, value, (nuint)value.Length);
        if (n >= 0)
            return (int)n;
        // ENODATA, ERANGE, ENOTSUP, ENOENT …: all read as "no value".
        return -1;
    }

    /// <summary>
    /// Sets the extended attribute <paramref name="name"/> of the file at <paramref name="path"/> and makes it durable
    /// (open, fsetxattr, fsync). False when the file system keeps no such attributes (see
    /// <see cref="TrySetAttribute"/>).
    /// </summary>
    public static bool TrySetAttributeDurably(string path, string name, ReadOnlySpan<byte> value)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        if (!TrySetAttribute(handle, name, value, path))
            return false;
        RandomAccess.FlushToDisk(handle);
        return true;
    }

    /// <summary>
    /// Renames <paramref name="source"/> to <paramref name="target"/> unless <paramref name="target"/> exists, as one
    /// atomic step: returns false (and leaves both as they were) when the target exists. Uses Linux renameat2 with
    /// RENAME_NOREPLACE; where that is missing or the file system refuses it, .NET's no-overwrite move (link +
    /// unlink on Unix), which is also atomic in refusing an existing target.
    /// </summary>
    public static bool TryMoveNoReplace(string source, string target)
    {
        if (OperatingSystem.IsLinux() && !s_renameNoReplaceUnsupported)
        {
            try
            {
                if (RenameAt2(AtFdCwd, source, AtFdCwd, target, RenameNoReplace) == 0)
                    return true;
                int errno = Marshal.GetLastPInvokeError();
                if (errno == ErrnoExist)
                    return false;
                if (errno is not (ErrnoNoSys or ErrnoInvalid or ErrnoNotSupported))
                {
                    throw new IOException(
                        $"Renaming '{source}' to '{target}' failed: {Marshal.GetPInvokeErrorMessage(errno)}");
                }
                s_renameNoReplaceUnsupported = true;
            }
            catch (EntryPointNotFoundException)
            {
                s_renameNoReplaceUnsupported = true;
            }
        }
        try
        {
            File.Move(source, target, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(target) && File.Exists(source))
        {
            return false;
        }
    }

    /// <summary>
    /// Creates <paramref name="target"/> as a hard link to <paramref name="source"/> (link(2)): one file under two
    /// names, without copying. False when the platform or the file system cannot link (not Linux, another device, no
    /// link support), so that the caller copies instead; an existing target or a missing source throws.
    /// </summary>
    public static bool TryCreateHardLink(string source, string target)
    {
        if (!OperatingSystem.IsLinux())
            return false;
        if (Link(source, target) == 0)
            return true;
        int errno = Marshal.GetLastPInvokeError();
        if (errno is ErrnoCrossDevice or ErrnoPermission or ErrnoNotSupported or ErrnoTooManyLinks)
            return false;
        throw new IOException($"Linking '{target}' to '{source}' failed: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    [LibraryImport("libc", EntryPoint = "fsetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int FSetXattr(int fd, string name, ReadOnlySpan<byte> value, nuint size, int flags);

    [LibraryImport("libc", EntryPoint = "getxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint GetXattr(string path, string name, Span<byte> value, nuint size);

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string oldPath, string newPath);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int Fdatasync(int fd);

    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    private static partial int Fadvise(int fd, long offset, long length, int advice);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAt2(int oldDirFd, string oldPath, int newDirFd, string newPath, uint flags);
}
