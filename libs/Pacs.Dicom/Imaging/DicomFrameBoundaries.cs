namespace Pacs.Dicom;

/// <summary>How the frames of a pixel data element were told apart.</summary>
public enum DicomFrameBoundaries
{
    /// <summary>Native pixel data: frames follow each other, each of the size Rows, Columns, Samples per Pixel and Bits Allocated give.</summary>
    Native,

    /// <summary>Extended Offset Table (7FE0,0001) with its lengths (7FE0,0002), PS3.3 C.7.6.3.1.8.</summary>
    ExtendedOffsetTable,

    /// <summary>The Basic Offset Table, the first item of the encapsulated pixel data (PS3.5 A.4).</summary>
    BasicOffsetTable,

    /// <summary>No offset table and as many fragments as frames: each fragment is one frame.</summary>
    OneFragmentPerFrame,

    /// <summary>No offset table and one frame: all fragments together are the frame.</summary>
    AllFragmentsOneFrame,

    /// <summary>No offset table: the fragments were grouped at the codestream start markers (JPEG SOI, JPEG 2000 SOC, JP2 signature, RLE header).</summary>
    FrameStartMarkers,
}
