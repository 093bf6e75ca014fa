namespace Pacs.Storage;

/// <summary>
/// Access tier of a blob, named as Azure Blob Storage names them. Cooler tiers cost less to keep and more to read;
/// an <see cref="Archive"/> blob on Azure must be rehydrated to another tier before it can be read.
/// </summary>
public enum BlobAccessTier
{
    Hot,
    Cool,
    Cold,
    Archive,
}
