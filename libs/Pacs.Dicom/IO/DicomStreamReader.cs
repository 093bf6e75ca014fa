namespace Pacs.Dicom;

/// <summary>PLACEHOLDER: the streaming reader is being written.</summary>
internal static class DicomStreamReader
{
    public static DicomFile ReadFile(Stream stream, DicomReadOptions options) => throw new NotImplementedException();

    public static DicomDataset ReadDataset(Stream stream, DicomTransferSyntax transferSyntax, DicomReadOptions options) => throw new NotImplementedException();
}
