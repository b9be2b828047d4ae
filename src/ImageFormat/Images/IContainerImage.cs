using ImageFormat.Digests;
using ImageFormat.Model;

namespace ImageFormat.Images;

/// <summary>
/// One container image, read-only, whatever holds it: an archive, an OCI layout, the local store, a registry or
/// memory. Raw bytes come first: <see cref="Manifest"/> and <see cref="Config"/> keep the exact bytes their
/// digests are computed from, and each layer opens its blob as stored or its uncompressed tar.
/// </summary>
/// <remarks>
/// <para>A source need not implement this interface in full: implement <see cref="ICompressedImageCore"/> (raw
/// manifest, raw config, blobs by digest) or <see cref="IUncompressedImageCore"/> (raw config, uncompressed layer
/// tars by diffID) and let <see cref="ContainerImage.FromCompressed"/> or
/// <see cref="ContainerImage.FromUncompressed"/> derive everything else, once and lazily. Facts that follow from
/// these members (short ID, platform, diffIDs, chainIDs, layer lookups, total size) are
/// <see cref="ContainerImageExtensions"/>.</para>
/// <para>Implementations are safe to read from several threads at once.</para>
/// </remarks>
public interface IContainerImage
{
    /// <summary>
    /// The image manifest: its exact bytes, parsed, and its digest (the image's digest). A source that stores
    /// no manifest (a legacy <c>docker save</c> archive, the local store) derives one once, as an OCI image
    /// manifest (OCI image-spec, <c>manifest.md</c>) naming its config and its layer blobs.
    /// </summary>
    /// <exception cref="Errors.ImageFormatException">The source's manifest cannot be read or is invalid.</exception>
    RawDocument<ImageManifest> Manifest { get; }

    /// <summary>The manifest's media type: its <c>mediaType</c> field, or the one its source declares for it.</summary>
    /// <exception cref="Errors.ImageFormatException">The source's manifest cannot be read or is invalid.</exception>
    string ManifestMediaType { get; }

    /// <summary>The image configuration: its exact bytes, parsed, and its digest (the image ID).</summary>
    /// <exception cref="Errors.ImageFormatException">The source's config cannot be read or is invalid.</exception>
    RawDocument<ImageConfig> Config { get; }

    /// <summary>The layers, base first, one per <c>rootfs.diff_ids</c> entry of <see cref="Config"/>.</summary>
    /// <exception cref="Errors.ImageFormatException">The source's documents cannot be read or disagree.</exception>
    IReadOnlyList<IImageLayer> Layers { get; }

    /// <summary>The image ID: the digest of <see cref="Config"/>'s exact bytes.</summary>
    /// <exception cref="Errors.ImageFormatException">The source's config cannot be read or is invalid.</exception>
    Digest Id => Config.Digest;

    /// <summary>The manifest's digest, as a registry or an OCI index names the image.</summary>
    /// <exception cref="Errors.ImageFormatException">The source's manifest cannot be read or is invalid.</exception>
    Digest ManifestDigest => Manifest.Digest;
}
