using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Layers;

namespace ImageFormat.Store;

public sealed partial class ImageStore
{
    /// <summary>
    /// <c>docker diff</c>: the changes in a container's root file system against its image's layers, with the
    /// rules of Docker's <c>pkg/archive</c> changes (<c>A</c> added, <c>C</c> changed, <c>D</c> deleted), sorted by path.
    /// </summary>
    /// <param name="container">The container's name, ID or unique ID prefix.</param>
    /// <returns>The changes.</returns>
    /// <exception cref="NotFoundException"><c>No such container: …</c>.</exception>
    /// <exception cref="NotSupportedException">The store is in memory (containers have no root file system).</exception>
    /// <exception cref="ImageFormatException">A stored layer cannot be read.</exception>
    public IReadOnlyList<LayerChange> Diff(string container)
    {
        ArgumentNullException.ThrowIfNull(container);
        StoreContainer found = GetContainer(container);
        return Diff(found, RootFsOf(found));
    }

    private IReadOnlyList<LayerChange> Diff(StoreContainer container, string rootfs)
    {
        var diffIds = new List<Digest>();
        for (Digest chain = container.ChainId; !chain.IsEmpty && _state.Layers.TryGetValue(chain, out StoreLayer? layer); chain = layer.Parent ?? default)
        {
            diffIds.Insert(0, layer.DiffId);
        }

        var streams = new List<Stream>();
        try
        {
            foreach (Digest diffId in diffIds)
            {
                // Buffered: indexing reads every 512-byte header and skips small contents, which would otherwise
                // be one system call each.
                streams.Add(new BufferedStream(_backing.OpenBlob(diffId), 64 << 10));
            }

            return LayerDiff.Compute(() => MergedTree.FromStreams(streams, _options.Limits), rootfs, new LayerDiffOptions { Limits = _options.Limits });
        }
        finally
        {
            foreach (Stream stream in streams)
            {
                stream.Dispose();
            }
        }
    }

    private static string RootFsOf(StoreContainer container) =>
        container.RootFsPath ?? throw new NotSupportedException("Containers of a store in memory have no root file system.");
}
