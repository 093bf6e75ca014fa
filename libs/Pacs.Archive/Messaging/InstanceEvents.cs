using Pacs.Messaging.Contracts;

namespace Pacs.Archive;

/// <summary>The instance events ingest announces.</summary>
internal static class InstanceEvents
{
    /// <summary><see cref="InstanceStored"/> for a new instance, <see cref="InstanceReplaced"/> when it replaced a visible version.</summary>
    public static InstanceEventBase Announce(long? replacedWatermark, string study, string series, string sop, string sopClass, long watermark,
        int version, long sizeBytes, string blobName) =>
        replacedWatermark is { } replaced
            ? new InstanceReplaced
            {
                StudyInstanceUid = study, SeriesInstanceUid = series, SopInstanceUid = sop, SopClassUid = sopClass, Watermark = watermark,
                Version = version, SizeBytes = sizeBytes, BlobName = blobName, ReplacedWatermark = replaced,
            }
            : new InstanceStored
            {
                StudyInstanceUid = study, SeriesInstanceUid = series, SopInstanceUid = sop, SopClassUid = sopClass, Watermark = watermark,
                Version = version, SizeBytes = sizeBytes, BlobName = blobName,
            };
}
