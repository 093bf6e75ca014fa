using Microsoft.EntityFrameworkCore;
using Pacs.Dicom;
using Pacs.Storage;

namespace Pacs.Archive;

/// <summary>
/// Finds visible instances and opens their stored bytes for WADO-RS: whole objects, byte ranges and frames (range
/// reads using the frame table recorded at ingest). Only Created instances are ever returned.
/// </summary>
public sealed class RetrieveService
{
    private readonly ArchiveDatabase _database;
    private readonly IBlobStore _store;

    public RetrieveService(ArchiveDatabase database, IBlobStore store)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(store);
        _database = database;
        _store = store;
    }

    /// <summary>The index these instances are found in (for the metadata documents, which record their version in it).</summary>
    internal ArchiveDatabase Database => _database;

    /// <summary>
    /// The instances of a study, a series of it, or one instance, in the order QIDO-RS lists them (Series Number,
    /// Instance Number, acquisition time). Empty when nothing visible matches (HTTP 404).
    /// </summary>
    public async Task<IReadOnlyList<StoredInstance>> FindInstancesAsync(string studyInstanceUid, string? seriesInstanceUid = null,
        string? sopInstanceUid = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(studyInstanceUid);
        await using var db = _database.CreateContext();
        var q = db.Instances.AsNoTracking().Where(i => i.Status == InstanceStatus.Created && i.Study.StudyInstanceUid == studyInstanceUid);
        if (seriesInstanceUid is not null)
            q = q.Where(i => i.Series.SeriesInstanceUid == seriesInstanceUid);
        if (sopInstanceUid is not null)
            q = q.Where(i => i.SopInstanceUid == sopInstanceUid);
        var rows = await q
            .OrderBy(i => i.Series.SeriesNumber == null).ThenBy(i => i.Series.SeriesNumber).ThenBy(i => i.SeriesRowId)
            .ThenBy(i => i.InstanceNumber == null).ThenBy(i => i.InstanceNumber)
            .ThenBy(i => i.AcquisitionDateTime == null).ThenBy(i => i.AcquisitionDateTime)
            .ThenBy(i => i.Watermark)
            .Select(i => new
            {
                Study = i.Study.StudyInstanceUid,
                Series = i.Series.SeriesInstanceUid,
                i.SopInstanceUid,
                i.SopClassUid,
                i.TransferSyntaxUid,
                i.Watermark,
                i.Version,
                i.BlobName,
                i.SizeBytes,
                i.Sha256,
                i.StorageTier,
                i.NumberOfFrames,
                i.BitsAllocated,
                i.FrameTable,
            })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return rows.Select(r => new StoredInstance
        {
            StudyInstanceUid = r.Study,
            SeriesInstanceUid = r.Series,
            SopInstanceUid = r.SopInstanceUid,
            SopClassUid = r.SopClassUid,
            TransferSyntaxUid = r.TransferSyntaxUid,
            Watermark = r.Watermark,
            Version = r.Version,
            BlobName = r.BlobName,
            SizeBytes = r.SizeBytes,
            Sha256 = Convert.ToHexStringLower(r.Sha256),
            Tier = r.StorageTier,
            NumberOfFrames = r.NumberOfFrames,
            BitsAllocated = r.BitsAllocated,
            Frames = r.FrameTable is null ? null : FrameTable.Decode(r.FrameTable),
        }).ToList();
    }

    /// <summary>
    /// The series of a study (or the one series named) that have visible instances, in retrieve order (Series Number,
    /// then arrival), each with the newest watermark and the number of its visible instances: what names the current
    /// metadata document of each (<see cref="SeriesVersion"/>). One grouped query over the instance index; no instance
    /// row is materialised. Empty when nothing visible matches.
    /// </summary>
    public async Task<IReadOnlyList<SeriesVersion>> FindSeriesVersionsAsync(string studyInstanceUid, string? seriesInstanceUid = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(studyInstanceUid);
        await using var db = _database.CreateContext();
        var series = db.Series.AsNoTracking().Where(se => se.Study.StudyInstanceUid == studyInstanceUid);
        if (seriesInstanceUid is not null)
            series = series.Where(se => se.SeriesInstanceUid == seriesInstanceUid);
        var rows = await series
            .Select(se => new
            {
                se.Id,
                se.SeriesInstanceUid,
                se.SeriesNumber,
                Last = db.Instances.Where(i => i.SeriesRowId == se.Id && i.Status == InstanceStatus.Created).Max(i => (long?)i.Watermark),
                Count = db.Instances.Count(i => i.SeriesRowId == se.Id && i.Status == InstanceStatus.Created),
            })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return rows.Where(r => r.Count > 0 && r.Last is not null)
            .OrderBy(r => r.SeriesNumber is null).ThenBy(r => r.SeriesNumber).ThenBy(r => r.Id)
            .Select(r => new SeriesVersion(studyInstanceUid, r.SeriesInstanceUid, r.Last!.Value, r.Count))
            .ToList();
    }

    /// <summary>One visible instance, or null.</summary>
    public async Task<StoredInstance?> FindInstanceAsync(string studyInstanceUid, string seriesInstanceUid, string sopInstanceUid,
        CancellationToken cancellationToken = default) =>
        (await FindInstancesAsync(studyInstanceUid, seriesInstanceUid, sopInstanceUid, cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    /// <summary>Opens the stored object, or the part <paramref name="range"/> selects. The caller disposes the stream.</summary>
    /// <exception cref="BlobNotFoundException">The blob is gone (it was deleted after the lookup).</exception>
    /// <exception cref="BlobRangeNotSatisfiableException"/>
    /// <exception cref="BlobArchivedException">The object is in the archive tier and must be recalled first.</exception>
    public Task<BlobReadStream> OpenAsync(StoredInstance instance, BlobRange? range = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return _store.OpenReadAsync(instance.BlobName, range, cancellationToken);
    }

    /// <summary>
    /// The bytes of frame <paramref name="frameNumber"/> (1-based) as WADO-RS serves them: the encapsulated frame as
    /// stored, or native pixels little-endian with packed bits starting at bit 0 — read by range from the stored object.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">No such frame.</exception>
    /// <exception cref="InvalidOperationException">The instance has no pixel data, or the frame is missing from the object.</exception>
    public async Task<byte[]> ReadFrameAsync(StoredInstance instance, int frameNumber, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var frames = instance.Frames;
        if (frames is null)
        {
            // No ranges were recorded (a deflated object, whose offsets count inflated bytes, or frames the ingest
            // could not tell apart): read the object once and let the DICOM core find the frame.
            if (frameNumber < 1 || (instance.NumberOfFrames is { } count && frameNumber > count))
                throw new ArgumentOutOfRangeException(nameof(frameNumber), frameNumber, $"Instance {instance.SopInstanceUid} has {instance.NumberOfFrames} frames.");
            return await ReadFrameByParsingAsync(instance, frameNumber, cancellationToken).ConfigureAwait(false);
        }
        if (frameNumber < 1 || frameNumber > frames.Count)
            throw new ArgumentOutOfRangeException(nameof(frameNumber), frameNumber, $"Instance {instance.SopInstanceUid} has {frames.Count} frames.");
        var frame = frames[frameNumber - 1];
        if (frame.IsMissing)
            throw new InvalidOperationException($"Frame {frameNumber} of {instance.SopInstanceUid} is not held in full by its pixel data.");
        if (frame.IsBigEndian)
            return await ReadFrameByParsingAsync(instance, frameNumber, cancellationToken).ConfigureAwait(false);

        var bytes = new byte[checked((int)frame.Length)];
        int position = 0;
        foreach (var range in frame.Ranges)
        {
            await using var stream = await _store.OpenReadAsync(instance.BlobName, BlobRange.From(range.Offset, range.Length), cancellationToken).ConfigureAwait(false);
            await stream.ReadExactlyAsync(bytes.AsMemory(position, (int)range.Length), cancellationToken).ConfigureAwait(false);
            position += (int)range.Length;
        }
        return frame.FirstBitOffset == 0 && frame.BitCount % 8 == 0
            ? bytes
            : DicomPixelData.RepackBits(bytes, frame.FirstBitOffset, frame.BitCount);
    }

    /// <summary>
    /// Big-endian native pixel data (retired Explicit VR Big Endian) or an object without recorded frame ranges: copy it
    /// to a temporary file once and let the DICOM core read the frame (swapping samples, inflating).
    /// </summary>
    private async Task<byte[]> ReadFrameByParsingAsync(StoredInstance instance, int frameNumber, CancellationToken cancellationToken)
    {
        string path = Path.Combine(Path.GetTempPath(), $"pacs-frame-{Guid.NewGuid():N}.dcm");
        try
        {
            await using (var source = await _store.OpenReadAsync(instance.BlobName, cancellationToken: cancellationToken).ConfigureAwait(false))
            await using (var file = File.Create(path))
            {
                await source.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            }
            var dicom = DicomFile.Open(path);
            DicomPixelData pixels;
            try
            {
                pixels = DicomPixelData.FromDataset(dicom.Dataset, dicom.TransferSyntax);
            }
            catch (DicomException e)
            {
                throw new InvalidOperationException($"Instance {instance.SopInstanceUid} has no frames: {e.Message}", e);
            }
            if (frameNumber > pixels.NumberOfFrames)
                throw new ArgumentOutOfRangeException(nameof(frameNumber), frameNumber, $"Instance {instance.SopInstanceUid} has {pixels.NumberOfFrames} frames.");
            try
            {
                return pixels.ReadFrame(frameNumber - 1);
            }
            catch (DicomException e)
            {
                throw new InvalidOperationException($"Frame {frameNumber} of {instance.SopInstanceUid} cannot be read: {e.Message}", e);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }
}
