using Xunit.Abstractions;

namespace Pacs.Storage.Tests.Contract;

/// <summary>The contract against <see cref="FileSystemBlobStore"/> in a fresh temporary folder per test.</summary>
public sealed class FileSystemBlobStoreContractTests(ITestOutputHelper output) : BlobStoreContractTests(output)
{
    private readonly List<string> _roots = [];

    protected override Task<IBlobStore> CreateStoreAsync(int? blockSizeBytes, int? listPageSize)
    {
        string root = Directory.CreateTempSubdirectory("pacs-fs-store-").FullName;
        _roots.Add(root);
        var options = new FileSystemBlobStoreOptions { RootPath = root };
        if (listPageSize is { } pageSize)
            options.ListPageSize = pageSize;
        return Task.FromResult<IBlobStore>(new FileSystemBlobStore(options));
    }

    protected override Task AssertNoTraceAsync(IBlobStore store, string name)
    {
        var fs = (FileSystemBlobStore)store;
        var paths = FileSystemLayout.Open(fs.RootPath).For(name);
        string stem = Path.GetFileName(paths.Data);
        var leftovers = Directory.Exists(paths.Directory)
            ? Directory.EnumerateFiles(paths.Directory).Where(f => Path.GetFileName(f).StartsWith(stem, StringComparison.Ordinal)).ToList()
            : [];
        Assert.Empty(leftovers);
        return Task.CompletedTask;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (string root in _roots)
            Directory.Delete(root, recursive: true);
    }
}
