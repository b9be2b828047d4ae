using ImageFormat.Images;

namespace ImageFormat.Layers;

/// <summary>Layers built from a directory, for <see cref="ImageBuilder"/>.</summary>
public static partial class LayerBuilder
{
    /// <summary>
    /// Builds a layer holding every entry below <paramref name="directory"/> (the root itself left out), as
    /// <c>docker export</c> writes a tree: a symbolic link is written as a link and never entered. The blob is held in
    /// memory; append it with <see cref="ImageBuilder.AppendLayer"/>.
    /// </summary>
    /// <param name="directory">The tree.</param>
    /// <param name="options">Compression, timestamps and limits; <see cref="LayerBuildOptions.Default"/> when <see langword="null"/>.</param>
    /// <returns>The layer, with its digest and diffID computed while it was written.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="directory"/> is <see langword="null"/>.</exception>
    /// <exception cref="Errors.ImageFormatException">The tree changed while it was read, loops or exceeds a limit.</exception>
    /// <exception cref="IOException">The tree cannot be read.</exception>
    public static IImageLayer CreateLayer(string directory, LayerBuildOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        options ??= LayerBuildOptions.Default;
        return CreateLayerCore(directory, options, CancellationToken.None);
    }

    /// <summary>
    /// Builds a layer holding every entry below <paramref name="directory"/>, as <see cref="CreateLayer"/> does (the
    /// same core, the same bytes). The tree is read through descriptors (<c>openat</c>, <c>statx</c>), which have no
    /// asynchronous form: the core runs on a thread-pool thread and observes the token on every write.
    /// </summary>
    /// <param name="directory">The tree.</param>
    /// <param name="options">Compression, timestamps and limits; <see cref="LayerBuildOptions.Default"/> when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops the build.</param>
    /// <returns>The layer, with its digest and diffID computed while it was written.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="directory"/> is <see langword="null"/>.</exception>
    /// <exception cref="Errors.ImageFormatException">The tree changed while it was read, loops or exceeds a limit.</exception>
    /// <exception cref="IOException">The tree cannot be read.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static Task<IImageLayer> CreateLayerAsync(string directory, LayerBuildOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(directory);
        LayerBuildOptions resolved = options ?? LayerBuildOptions.Default;
        return Progress.SyncCore.Offload<IImageLayer>(() => CreateLayerCore(directory, resolved, cancellationToken), cancellationToken);
    }

    private static BlobLayer CreateLayerCore(string directory, LayerBuildOptions options, CancellationToken cancellationToken)
    {
        var blob = new MemoryStream();
        WriteTree(directory, Progress.ProgressStream.WrapWrite(blob, null, cancellationToken), options);
        return BlobLayer.FromBytes(blob.GetBuffer().AsMemory(0, (int)blob.Length), options.Limits);
    }
}
