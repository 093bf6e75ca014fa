namespace Pacs.Storage;

/// <summary>
/// The staged blob of a store that cannot stage (the default <see cref="IBlobStore.StageAsync"/>): nothing is written
/// until the commit, which is a plain put of the content kept from staging. Abandoning it has nothing to remove.
/// </summary>
internal sealed class PutAtCommitStagedBlob(IBlobStore store, string name, Stream content, BlobPutOptions? options) : IStagedBlob
{
    private bool _spent;

    public string Name => name;

    public long? SizeBytes => null;

    public string? Sha256 => null;

    public Task<BlobPutResult> CommitAsync(CancellationToken cancellationToken = default)
    {
        if (_spent)
            throw new InvalidOperationException($"The staged blob '{name}' was committed or abandoned already.");
        _spent = true;
        return store.PutAsync(name, content, options, cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        _spent = true;
        return ValueTask.CompletedTask;
    }
}
