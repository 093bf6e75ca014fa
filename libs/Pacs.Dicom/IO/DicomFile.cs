namespace Pacs.Dicom;

/// <summary>
/// A DICOM object as read from, or to be written to, a PS3.10 file or a stream: the File Meta
/// Information (group 0002), the data set and the transfer syntax the data set is encoded in.
/// </summary>
public sealed partial class DicomFile
{
    public DicomFile(DicomDataset fileMetaInformation, DicomDataset dataset)
    {
        FileMetaInformation = fileMetaInformation;
        Dataset = dataset;
    }

    /// <summary>Group 0002 elements. Empty when the source had no meta information (a bare data set).</summary>
    public DicomDataset FileMetaInformation { get; }

    public DicomDataset Dataset { get; }

    /// <summary>The transfer syntax the data set was read in (or, for a bare data set, the one sniffed or given).</summary>
    public DicomTransferSyntax TransferSyntax { get; init; } = DicomTransferSyntax.ExplicitVRLittleEndian;

    /// <summary>True when the source had a 128-byte preamble and the "DICM" prefix.</summary>
    public bool HasPreamble { get; init; }

    /// <summary>Absolute offset of the data set's first byte in the source (after the meta group).</summary>
    public long DatasetOffset { get; init; }

    /// <summary>
    /// Defects the lenient reader worked around (odd lengths, wrong group lengths, a meta transfer syntax that did not
    /// match the data, …), one readable sentence each. Empty for a conformant object.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Reads a file; bulk data references point at the file.</summary>
    public static DicomFile Open(string path, DicomReadOptions? options = null)
    {
        options ??= DicomReadOptions.Default;
        if (options.BulkDataSource is null)
        {
            options = options with { BulkDataSource = new DicomFileBulkDataSource(path) };
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        return DicomStreamReader.ReadFile(stream, options);
    }

    /// <summary>Reads a PS3.10 file (or a bare data set, sniffed) from a stream, which need not be seekable.</summary>
    public static DicomFile Read(Stream stream, DicomReadOptions? options = null) =>
        DicomStreamReader.ReadFile(stream, options ?? DicomReadOptions.Default);

    /// <summary>Reads a file from a stream without blocking a thread on slow sources (e.g. an HTTP request body).</summary>
    public static async Task<DicomFile> ReadAsync(Stream stream, DicomReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        // The parser is synchronous over a buffered source; run it off the caller's thread for async sources.
        return await Task.Run(() => DicomStreamReader.ReadFile(stream, options ?? DicomReadOptions.Default), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a bare data set (no preamble, no meta group) in the given transfer syntax.</summary>
    public static DicomDataset ReadDataset(Stream stream, DicomTransferSyntax transferSyntax, DicomReadOptions? options = null) =>
        DicomStreamReader.ReadDataset(stream, transferSyntax, options ?? DicomReadOptions.Default);

    /// <summary>The SOP Instance UID from the data set, or from the meta group when the data set lacks it.</summary>
    public string? SopInstanceUid => Dataset.GetString(DicomTag.SOPInstanceUID) ?? FileMetaInformation.GetString(DicomTag.MediaStorageSOPInstanceUID);

    /// <summary>The SOP Class UID from the data set, or from the meta group.</summary>
    public string? SopClassUid => Dataset.GetString(DicomTag.SOPClassUID) ?? FileMetaInformation.GetString(DicomTag.MediaStorageSOPClassUID);
}
