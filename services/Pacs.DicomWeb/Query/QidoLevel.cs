namespace Pacs.DicomWeb.Query;

/// <summary>The QIDO-RS query level (PS3.18 10.6.1: /studies, /series, /instances).</summary>
public enum QidoLevel
{
    Study,
    Series,
    Instance,
}
