using ImageFormat.Compression;
using ImageFormat.Errors;
using ImageFormat.Layers;
using ImageFormat.Progress;

namespace ImageFormat.Store;

public sealed partial class ImageStore
{
    /// <summary>
    /// <c>docker export</c>: the container's root file system as an uncompressed tar, every path in order. Symbolic
    /// links are written as links and never entered, whatever they point at.
    /// </summary>
    /// <param name="container">The container's name, ID or unique ID prefix.</param>
    /// <param name="output">Where the tar goes (left open).</param>
    /// <exception cref="NotFoundException"><c>No such container: …</c>.</exception>
    /// <exception cref="NotSupportedException">The store is in memory.</exception>
    /// <exception cref="ImageFormatException">The root file system changed while it was read, or is deeper than the walk allows.</exception>
    /// <exception cref="IOException">The root file system cannot be read.</exception>
    public void Export(string container, Stream output)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(output);
        StoreContainer found = GetContainer(container);
        ExportCore(RootFsOf(found), found.Id, output, null, CancellationToken.None);
    }

    /// <summary>
    /// <c>docker export</c>, as <see cref="Export"/> does (the same core, the same bytes). The walk goes through
    /// directory descriptors, which have no asynchronous form: the core runs on a thread-pool thread and observes
    /// the token on every write; <paramref name="output"/> then holds an incomplete tar.
    /// </summary>
    /// <param name="container">The container's name, ID or unique ID prefix.</param>
    /// <param name="output">Where the tar goes (left open).</param>
    /// <param name="progress">Receives <see cref="ImageProgressPhase.Exporting"/> reports: one item, the container, and the bytes written (the total grows with them); none unless given.</param>
    /// <param name="cancellationToken">Stops the export.</param>
    /// <returns>A task that completes when the tar is written.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="container"/> or <paramref name="output"/> is <see langword="null"/>.</exception>
    /// <exception cref="NotFoundException"><c>No such container: …</c>.</exception>
    /// <exception cref="NotSupportedException">The store is in memory.</exception>
    /// <exception cref="ImageFormatException">The root file system changed while it was read, or is deeper than the walk allows.</exception>
    /// <exception cref="IOException">The root file system cannot be read.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task ExportAsync(string container, Stream output, IProgress<ImageProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(output);
        StoreContainer found = GetContainer(container);
        string rootfs = RootFsOf(found);
        return SyncCore.Offload(() => ExportCore(rootfs, found.Id, output, ProgressReporter.Create(progress, ImageProgressPhase.Exporting, 1, 0), cancellationToken), cancellationToken);
    }

    /// <summary>The one core of <see cref="Export"/> and <see cref="ExportAsync"/>.</summary>
    private bool ExportCore(string rootfs, string containerId, Stream output, ProgressReporter? reporter, CancellationToken cancellationToken)
    {
        int index = reporter?.StartItem(containerId) ?? 0;
        LayerBuilder.WriteTree(rootfs, ProgressStream.WrapWrite(output, reporter, cancellationToken), new LayerBuildOptions { Compression = CompressionFormat.None, Limits = _options.Limits });
        reporter?.EndItem(containerId, index);
        reporter?.Complete();
        return true;
    }
}
