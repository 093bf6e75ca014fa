using System.IO.Compression;

namespace Pacs.Dicom;

/// <summary>
/// Writes data sets and PS3.10 files to any stream, seekable or not: every length is computed before the bytes it
/// announces are written, so nothing is ever sought back to. Strict on write: even value lengths, elements in tag order,
/// group lengths recomputed, sequence and item lengths defined or undefined as the source had them. Bulk data is copied
/// from its source in bounded chunks, never loaded whole.
/// </summary>
/// <remarks>
/// Supported: Implicit VR Little Endian, Explicit VR Little and Big Endian, Deflated Explicit VR Little Endian and any
/// encapsulated syntax (fragments passed through as they are). Changing between the uncompressed syntaxes is a matter of
/// encoding; to or from an encapsulated syntax the pixel data has to be re-encoded by a
/// <see cref="DicomWriteOptions.PixelDataTranscoder"/>.
/// </remarks>
public static class DicomWriter
{
    /// <summary>128-byte preamble and "DICM" (PS3.10 7.1).</summary>
    public const int PreambleAndPrefixLength = 132;

    private static readonly ReadOnlyMemory<byte> Nul = new byte[] { 0 };

    /// <summary>Writes a bare data set (no preamble, no meta group), e.g. a DIMSE command or data set (PS3.7 6.3.1).</summary>
    /// <param name="options">Only <see cref="DicomWriteOptions.BulkDataSource"/> and <see cref="DicomWriteOptions.DeflateCompressionLevel"/> apply.</param>
    public static void WriteDataset(Stream stream, DicomDataset dataset, DicomTransferSyntax transferSyntax, DicomWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(transferSyntax);
        RunSynchronously(WriteDatasetCoreAsync(stream, dataset, transferSyntax, options ?? DicomWriteOptions.Default, useAsync: false, CancellationToken.None));
    }

    /// <inheritdoc cref="WriteDataset"/>
    public static async Task WriteDatasetAsync(Stream stream, DicomDataset dataset, DicomTransferSyntax transferSyntax, DicomWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(transferSyntax);
        await WriteDatasetCoreAsync(stream, dataset, transferSyntax, options ?? DicomWriteOptions.Default, useAsync: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes a PS3.10 file: zero preamble, "DICM", File Meta Information (Explicit VR Little Endian), data set.</summary>
    public static void WriteFile(Stream stream, DicomFile file, DicomWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(file);
        RunSynchronously(WriteFileCoreAsync(stream, file, options ?? DicomWriteOptions.Default, useAsync: false, CancellationToken.None));
    }

    /// <inheritdoc cref="WriteFile"/>
    public static async Task WriteFileAsync(Stream stream, DicomFile file, DicomWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(file);
        await WriteFileCoreAsync(stream, file, options ?? DicomWriteOptions.Default, useAsync: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The number of bytes <see cref="WriteDataset"/> would write, computed without writing or reading bulk data. For the
    /// deflated syntax, the length before compression.
    /// </summary>
    public static long GetEncodedLength(DicomDataset dataset, DicomTransferSyntax transferSyntax)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(transferSyntax);
        using var encoder = new DicomWriterEncoder(transferSyntax, bulkDataSource: NoBulkDataSource.Instance);
        return encoder.Measure(dataset);
    }

    /// <summary>
    /// The number of bytes <see cref="WriteFile"/> would write (e.g. for a Content-Length), computed without writing;
    /// null for the deflated syntax, whose size is known only after compressing.
    /// </summary>
    public static long? GetFileLength(DicomFile file, DicomWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        options ??= DicomWriteOptions.Default;
        var target = options.TransferSyntax ?? file.TransferSyntax;
        if (target.IsDeflated)
        {
            return null;
        }

        var dataset = PrepareDataset(file, target, options);
        var meta = DicomWriterFileMeta.Create(file.FileMetaInformation, dataset, target);
        using var metaEncoder = new DicomWriterEncoder(DicomTransferSyntax.ExplicitVRLittleEndian, bulkDataSource: null);
        using var encoder = new DicomWriterEncoder(target, NoBulkDataSource.Instance) { SkipFileMetaGroup = true };
        return PreambleAndPrefixLength + metaEncoder.Measure(meta) + encoder.Measure(dataset);
    }

    /// <summary>The File Meta Information that <see cref="WriteFile"/> writes for <paramref name="file"/> in <paramref name="transferSyntax"/>.</summary>
    public static DicomDataset CreateFileMetaInformation(DicomFile file, DicomTransferSyntax transferSyntax)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(transferSyntax);
        return DicomWriterFileMeta.Create(file.FileMetaInformation, file.Dataset, transferSyntax);
    }

    internal static async ValueTask WriteFileCoreAsync(Stream stream, DicomFile file, DicomWriteOptions options, bool useAsync, CancellationToken cancellationToken)
    {
        var target = options.TransferSyntax ?? file.TransferSyntax;
        var dataset = PrepareDataset(file, target, options);
        CheckPixelData(dataset, target);
        var meta = DicomWriterFileMeta.Create(file.FileMetaInformation, dataset, target);

        // Both passes of measuring run before the first byte goes out, so a data set that cannot be written fails
        // without leaving a partial object in the stream.
        using var metaEncoder = new DicomWriterEncoder(DicomTransferSyntax.ExplicitVRLittleEndian, bulkDataSource: null);
        metaEncoder.Measure(meta);
        using var encoder = new DicomWriterEncoder(target, options.BulkDataSource) { SkipFileMetaGroup = true };
        encoder.Measure(dataset);

        using var output = new DicomWriterOutput(stream) { CancellationToken = cancellationToken };
        var prefix = output.Take(PreambleAndPrefixLength);
        prefix[..128].Clear();
        "DICM"u8.CopyTo(prefix[128..]);

        // PS3.10 7.1: the File Meta Information is always Explicit VR Little Endian, whatever the data set's syntax.
        await metaEncoder.WriteAsync(meta, output, useAsync).ConfigureAwait(false);
        await WriteBodyAsync(encoder, dataset, target, output, options, useAsync).ConfigureAwait(false);
    }

    private static async ValueTask WriteDatasetCoreAsync(Stream stream, DicomDataset dataset, DicomTransferSyntax transferSyntax, DicomWriteOptions options, bool useAsync, CancellationToken cancellationToken)
    {
        CheckPixelData(dataset, transferSyntax);
        using var encoder = new DicomWriterEncoder(transferSyntax, options.BulkDataSource);
        encoder.Measure(dataset);
        using var output = new DicomWriterOutput(stream) { CancellationToken = cancellationToken };
        await WriteBodyAsync(encoder, dataset, transferSyntax, output, options, useAsync).ConfigureAwait(false);
    }

    private static async ValueTask WriteBodyAsync(DicomWriterEncoder encoder, DicomDataset dataset, DicomTransferSyntax transferSyntax, DicomWriterOutput output, DicomWriteOptions options, bool useAsync)
    {
        var raw = output.Target;
        if (transferSyntax.IsDeflated)
        {
            // PS3.5 A.5: the data set, encoded as Explicit VR Little Endian, is compressed as a raw RFC 1951 stream (no zlib
            // or gzip wrapper); the meta group before it is not.
            await output.FlushAsync(useAsync).ConfigureAwait(false);
            var counter = new DicomWriterCountingStream(raw);
            var deflate = new DeflateStream(counter, options.DeflateCompressionLevel, leaveOpen: true);
            try
            {
                output.Target = deflate;
                await encoder.WriteAsync(dataset, output, useAsync).ConfigureAwait(false);
                await output.FlushAsync(useAsync).ConfigureAwait(false);
            }
            finally
            {
                output.Target = raw;
                if (useAsync)
                {
                    await deflate.DisposeAsync().ConfigureAwait(false);
                }
                else
                {
                    deflate.Dispose();
                }
            }

            // PS3.5 A.5: an odd number of deflated bytes is followed by one NUL.
            if ((counter.BytesWritten & 1) != 0)
            {
                if (useAsync)
                {
                    await raw.WriteAsync(Nul, output.CancellationToken).ConfigureAwait(false);
                }
                else
                {
                    raw.Write(Nul.Span);
                }
            }
        }
        else
        {
            await encoder.WriteAsync(dataset, output, useAsync).ConfigureAwait(false);
            await output.FlushAsync(useAsync).ConfigureAwait(false);
        }

        if (useAsync)
        {
            await raw.FlushAsync(output.CancellationToken).ConfigureAwait(false);
        }
        else
        {
            raw.Flush();
        }
    }

    /// <summary>
    /// The data set to write for <paramref name="target"/>: the file's own, or one whose pixel data the configured codec
    /// re-encoded when the change of syntax needs it.
    /// </summary>
    private static DicomDataset PrepareDataset(DicomFile file, DicomTransferSyntax target, DicomWriteOptions options)
    {
        var source = file.TransferSyntax;
        var dataset = file.Dataset;
        if (source.Equals(target) || (!source.IsEncapsulated && !target.IsEncapsulated) || !dataset.Contains(DicomTag.PixelData))
        {
            return dataset;
        }

        if (options.PixelDataTranscoder is { } transcoder && transcoder.CanTranscode(source, target))
        {
            return transcoder.Transcode(dataset, source, target);
        }

        throw new DicomException(
            $"Writing {source} as {target} needs the pixel data re-encoded, and no codec for that is configured (DicomWriteOptions.PixelDataTranscoder).");
    }

    /// <summary>PS3.5 A.4: in an encapsulated syntax the top-level Pixel Data is encapsulated; native bytes there need a codec.</summary>
    private static void CheckPixelData(DicomDataset dataset, DicomTransferSyntax target)
    {
        if (target.IsEncapsulated && dataset.Get(DicomTag.PixelData) is { } pixelData && pixelData is not DicomFragmentSequence && pixelData.Length > 0)
        {
            throw new DicomException(
                $"{DicomDataset.Describe(DicomTag.PixelData)} is native (uncompressed) but {target} needs it encapsulated; compress it with a codec first (PS3.5 A.4).");
        }
    }

    private static void RunSynchronously(ValueTask task)
    {
        // With useAsync false every step completes before it returns; anything else is a bug in the writer.
        if (!task.IsCompleted)
        {
            throw new InvalidOperationException("The synchronous write did not complete synchronously.");
        }

        task.GetAwaiter().GetResult();
    }

    /// <summary>Stands in for a bulk data source when only measuring, where no byte is read.</summary>
    private sealed class NoBulkDataSource : IDicomBulkDataSource
    {
        public static readonly NoBulkDataSource Instance = new();

        public Stream OpenRange(long offset, long length) => throw new InvalidOperationException("Measuring reads no bulk data.");
    }
}
