namespace Pacs.DicomWeb.Negotiation;

/// <summary>What a response carries; each kind has its own media types and default (PS3.18 8.7.2, 10.4.1.1, 10.4.4).</summary>
public enum DicomWebResourceKind
{
    /// <summary>Study, series or instance as Part 10 objects: multipart/related; type="application/dicom" (PS3.18 10.4.1.1.1).</summary>
    Instances,

    /// <summary>Study, series or instance metadata: DICOM JSON or multipart DICOM XML (PS3.18 10.4.1.1.2).</summary>
    Metadata,

    /// <summary>Pixel data frames: octet-stream or the compressed frame media types (PS3.18 10.4.1.1.5, 8.7.3.3).</summary>
    Frames,

    /// <summary>Bulk data of one attribute or of an instance (PS3.18 10.4.1.1.6, 8.7.3.3).</summary>
    BulkData,

    /// <summary>Rendered images: image/jpeg by default (PS3.18 10.4.1.1.3, 8.7.4).</summary>
    Rendered,

    /// <summary>Thumbnails: as rendered (PS3.18 10.4.1.1.4).</summary>
    Thumbnail,

    /// <summary>QIDO-RS results: DICOM JSON or multipart DICOM XML (PS3.18 10.6.3.2).</summary>
    SearchResults,

    /// <summary>The STOW-RS Store Instances Response Module: DICOM JSON or DICOM XML (PS3.18 10.5.3).</summary>
    StoreResponse,
}
