using Pacs.Dicom;

namespace Pacs.DicomWeb.Query;

/// <summary>One matching condition of a QIDO-RS query (PS3.18 8.3.4.1): which attribute, how, against what.</summary>
/// <param name="Attribute">The attribute, possibly inside sequences.</param>
/// <param name="VR">Its VR from the data dictionary (UN for private attributes).</param>
/// <param name="Kind">How it matches.</param>
/// <param name="Values">
/// The value(s), percent-decoded: one for <see cref="QidoMatchKind.Single"/> and <see cref="QidoMatchKind.Wildcard"/>,
/// one or more for <see cref="QidoMatchKind.List"/>, none for <see cref="QidoMatchKind.Universal"/> and
/// <see cref="QidoMatchKind.Range"/>.
/// </param>
/// <param name="Range">The bounds of a <see cref="QidoMatchKind.Range"/> condition, else null.</param>
public sealed record QidoCondition(QidoAttributePath Attribute, DicomVR VR, QidoMatchKind Kind, IReadOnlyList<string> Values, QidoRange? Range = null)
{
    public override string ToString() => Kind switch
    {
        QidoMatchKind.Universal => $"{Attribute} (universal)",
        QidoMatchKind.Range => $"{Attribute} in [{Range!.Lower ?? "…"}, {Range.Upper ?? "…"}]",
        _ => $"{Attribute} {Kind} {string.Join(',', Values)}",
    };
}
