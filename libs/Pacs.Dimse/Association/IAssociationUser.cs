using System.Buffers;

namespace Pacs.Dimse;

/// <summary>The DICOM UL service-user of an <see cref="AssociationChannel"/>: the DIMSE layer above it.</summary>
internal interface IAssociationUser
{
    /// <summary>
    /// P-DATA indication (DT-2, AR-6). Runs on the read loop: the bytes are valid until it returns, and no further PDU is
    /// read meanwhile, so a slow destination slows the peer through TCP flow control. A <see cref="DimsePduException"/>
    /// makes it an invalid PDU (Evt19).
    /// </summary>
    ValueTask OnPDataAsync(ReadOnlySequence<byte> body);

    /// <summary>A-RELEASE indication (AR-2): the user answers with <see cref="AssociationChannel.SendReleaseResponseAsync"/>.</summary>
    void OnReleaseRequested();

    /// <summary>The association is over: <paramref name="error"/> is null after an orderly release.</summary>
    void OnClosed(Exception? error);

    /// <summary>How long the read loop may wait for the peer in Sta6 (the idle timeout when nothing is outstanding).</summary>
    TimeSpan EstablishedReadTimeout { get; }
}
