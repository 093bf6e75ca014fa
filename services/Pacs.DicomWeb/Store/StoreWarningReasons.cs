namespace Pacs.DicomWeb.Store;

/// <summary>Values of Warning Reason (0008,1196) in a STOW-RS response (PS3.18 I.2.1).</summary>
public static class StoreWarningReasons
{
    /// <summary>B000H (45056): some attributes were coerced (PS3.18 10.5.3: the originals go to Original Attributes Sequence).</summary>
    public const ushort CoercionOfDataElements = 0xB000;

    /// <summary>B006H (45062): some elements were discarded.</summary>
    public const ushort ElementsDiscarded = 0xB006;

    /// <summary>B007H (45063): the data set does not match the SOP Class, but was stored.</summary>
    public const ushort DataSetDoesNotMatchSopClass = 0xB007;
}
