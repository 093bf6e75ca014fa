namespace Pacs.Gateway.QueryRetrieve;

/// <summary>A DIMSE peer the gateway may C-STORE to when a C-MOVE names it.</summary>
public sealed record MoveDestination(string AeTitle, string Host, int Port, bool UseTls = false);

/// <summary>The known C-MOVE destinations (PS3.4 C.4.2.1.5: any other Move Destination is answered with A801).</summary>
public interface IMoveDestinations
{
    /// <summary>The destination with this AE title (exact, case-sensitive, PS3.8 9.3.2), or null when it is not known.</summary>
    MoveDestination? Find(string aeTitle);
}

/// <summary>A fixed list of destinations.</summary>
public sealed class MoveDestinationList(IEnumerable<MoveDestination> destinations) : IMoveDestinations
{
    private readonly Dictionary<string, MoveDestination> _byAe = destinations.ToDictionary(d => d.AeTitle.Trim(), StringComparer.Ordinal);

    public MoveDestination? Find(string aeTitle) => _byAe.GetValueOrDefault((aeTitle ?? string.Empty).Trim());
}
