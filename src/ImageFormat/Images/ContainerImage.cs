namespace ImageFormat.Images;

/// <summary>
/// Makes an <see cref="IContainerImage"/> from the small core a source implements, in the manner of
/// go-containerregistry's <c>partial</c> package: the source reads raw bytes and opens blobs, and the image
/// returned parses, derives and checks everything else once, on first use.
/// </summary>
public static class ContainerImage
{
    /// <summary>
    /// An image over a source that stores a manifest and blobs. The config bytes are checked against the
    /// manifest's config descriptor, the manifest's layers are paired with the config's <c>rootfs.diff_ids</c>, and
    /// each layer's compression comes from its media type (or, for a media type that names none, from its first bytes).
    /// </summary>
    /// <param name="core">The source.</param>
    /// <param name="limits">Safety limits for parsing and decompressing; <see cref="ImageFormatLimits.Default"/> when <see langword="null"/>.</param>
    /// <returns>The image. Reading its members may throw what the core throws, or
    /// <see cref="Errors.InvalidDocumentException"/> when the documents are invalid or disagree, or
    /// <see cref="Errors.DigestMismatchException"/> when the config bytes do not match the manifest.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="core"/> is <see langword="null"/>.</exception>
    public static IContainerImage FromCompressed(ICompressedImageCore core, ImageFormatLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(core);
        return new CompressedCoreImage(core, limits ?? ImageFormatLimits.Default);
    }

    /// <summary>
    /// An image over a source that holds uncompressed layer tars by diffID. Each layer's blob is its tar (digest =
    /// diffID, media type <see cref="Model.MediaTypes.OciLayer"/>), and the manifest is an OCI image manifest built
    /// once from the config and the layers, byte for byte the one the archive writers build for such an image.
    /// </summary>
    /// <param name="core">The source.</param>
    /// <param name="limits">Safety limits for parsing; <see cref="ImageFormatLimits.Default"/> when <see langword="null"/>.</param>
    /// <returns>The image. Reading its members may throw what the core throws, or
    /// <see cref="Errors.InvalidDocumentException"/> when the config is invalid.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="core"/> is <see langword="null"/>.</exception>
    public static IContainerImage FromUncompressed(IUncompressedImageCore core, ImageFormatLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(core);
        return new UncompressedCoreImage(core, limits ?? ImageFormatLimits.Default);
    }
}
