using System.Security.Cryptography;

namespace Pacs.Dicom;

public sealed partial class DicomFile
{
    /// <summary>
    /// Writes this object as a PS3.10 file to a stream, which need not be seekable. The transfer syntax is
    /// <see cref="DicomWriteOptions.TransferSyntax"/>, by default the object's own.
    /// </summary>
    public void Write(Stream stream, DicomWriteOptions? options = null) => DicomWriter.WriteFile(stream, this, options);

    /// <inheritdoc cref="Write"/>
    public Task WriteAsync(Stream stream, DicomWriteOptions? options = null, CancellationToken cancellationToken = default) =>
        DicomWriter.WriteFileAsync(stream, this, options, cancellationToken);

    /// <summary>
    /// Saves this object as a PS3.10 file. The bytes go to a temporary file in the same folder, which is flushed to the disk
    /// and then renamed to <paramref name="path"/> (replacing any file there), so no half-written file ever has the final
    /// name. Saving over the file the object was read from is safe: its bulk data is read before the rename.
    /// </summary>
    public void Save(string path, DicomWriteOptions? options = null)
    {
        var task = SaveCoreAsync(path, options ?? DicomWriteOptions.Default, useAsync: false, CancellationToken.None);
        if (!task.IsCompleted)
        {
            throw new InvalidOperationException("The synchronous save did not complete synchronously.");
        }

        task.GetAwaiter().GetResult();
    }

    /// <inheritdoc cref="Save"/>
    public async Task SaveAsync(string path, DicomWriteOptions? options = null, CancellationToken cancellationToken = default) =>
        await SaveCoreAsync(path, options ?? DicomWriteOptions.Default, useAsync: true, cancellationToken).ConfigureAwait(false);

    private async ValueTask SaveCoreAsync(string path, DicomWriteOptions options, bool useAsync, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath) ?? throw new ArgumentException($"'{path}' names no file.", nameof(path));
        var tempPath = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Convert.ToHexString(RandomNumberGenerator.GetBytes(6))}.tmp");
        var renamed = false;
        try
        {
            // bufferSize 0: the writer gathers its own 80 KiB blocks; a second buffer would only copy them again.
            var stream = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, useAsync ? FileOptions.Asynchronous : FileOptions.None);
            try
            {
                await DicomWriter.WriteFileCoreAsync(stream, this, options, useAsync, cancellationToken).ConfigureAwait(false);
                if (options.FlushToDisk)
                {
                    // fsync before the rename: otherwise a crash could leave the final name on a file whose data never reached the disk.
                    stream.Flush(flushToDisk: true);
                }
            }
            finally
            {
                if (useAsync)
                {
                    await stream.DisposeAsync().ConfigureAwait(false);
                }
                else
                {
                    stream.Dispose();
                }
            }

            // rename(2) within one folder is atomic: readers see the old file or the new one, never a mix.
            File.Move(tempPath, fullPath, overwrite: true);
            renamed = true;
            if (options.FlushToDisk)
            {
                DicomWriterFileSystem.FlushDirectory(directory);
            }
        }
        finally
        {
            if (!renamed)
            {
                DicomWriterFileSystem.TryDelete(tempPath);
            }
        }
    }
}
