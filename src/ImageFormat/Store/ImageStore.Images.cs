using ImageFormat.Archives;
using ImageFormat.Archives.Writers;
using ImageFormat.Digests;
using ImageFormat.Images;

namespace ImageFormat.Store;

public sealed partial class ImageStore
{
    /// <summary>
    /// One image of the store as an <see cref="IContainerImage"/>, read-only over the store's blobs: its config's
    /// exact bytes, and each layer as stored (the compressed original when one was loaded, else the uncompressed
    /// tar, whose digest is its diffID). The store keeps no manifest, so the manifest is the OCI one derived from
    /// these, the one <c>save</c> writes. The result is an <see cref="ImageToWrite"/> tagged with the reference
    /// named, if any, so that <see cref="Load(IEnumerable{IContainerImage})"/> and the writers keep the tag.
    /// </summary>
    /// <param name="name">A reference, a full or short ID.</param>
    /// <returns>The image.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    /// <exception cref="Errors.NotFoundException">The name matches no image.</exception>
    /// <exception cref="Errors.InvalidReferenceException">The name is not a valid reference.</exception>
    public IContainerImage OpenImage(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        Digest id = Resolve(_state, name, out References.ImageSpecifier specifier);
        ImageToWrite image = ImagesToSave([id.Value])[0];
        return specifier.IsIdPrefixOf(id) || specifier.Reference is not { } reference
            ? image
            : new ImageToWrite(image.Config, image.Layers) { Tags = [reference.WithDefaultTag()] };
    }

    /// <summary>
    /// Adds an image made with <see cref="ImageBuilder"/> (as <c>commit</c> and <c>import</c> do), under its exact
    /// config bytes: layers the store lacks are read from the image's layers, as uncompressed tars verified against
    /// the config's DiffIDs while they are copied.
    /// </summary>
    /// <param name="image">The image.</param>
    /// <param name="parent">The parent image, or <see langword="null"/>.</param>
    /// <param name="tag">A reference to point at the image, or <see langword="null"/>.</param>
    /// <returns>The image ID.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is <see langword="null"/>.</exception>
    /// <exception cref="Errors.ImageFormatException">The config is invalid, a layer does not hash to its DiffID, or the parent does not exist.</exception>
    /// <exception cref="IOException">The store cannot be written.</exception>
    public Digest AddImage(IContainerImage image, Digest? parent, string? tag)
    {
        ArgumentNullException.ThrowIfNull(image);
        return AddImage(image.Config.Bytes, diffId => image.FindLayerByDiffId(diffId)!.OpenUncompressed(verify: false), parent, tag);
    }

    /// <summary>A layer tar the store holds by its DiffID, as an <see cref="IImageLayer"/> for the builder.</summary>
    private StoredTarLayer StoredTar(Digest diffId) => new(_backing, diffId);

    private sealed class StoredTarLayer(IStoreBacking backing, Digest diffId) : IImageLayer
    {
        public Digest Digest => diffId;

        public long Size => backing.BlobSize(diffId);

        public string MediaType => Model.MediaTypes.OciLayer;

        public Digest DiffId => diffId;

        public ImageFormat.Compression.CompressionFormat Compression => ImageFormat.Compression.CompressionFormat.None;

        public Stream OpenBlob(bool verify) =>
            verify ? new VerifyingReadStream(backing.OpenBlob(diffId), diffId, Size, $"layer {diffId}") : backing.OpenBlob(diffId);

        public ValueTask<Stream> OpenBlobAsync(bool verify, CancellationToken cancellationToken) =>
            cancellationToken.IsCancellationRequested ? ValueTask.FromCanceled<Stream>(cancellationToken) : ValueTask.FromResult(OpenBlob(verify));

        public Stream OpenUncompressed(bool verify) => OpenBlob(verify);

        public ValueTask<Stream> OpenUncompressedAsync(bool verify, CancellationToken cancellationToken) => OpenBlobAsync(verify, cancellationToken);
    }

    /// <summary>What <see cref="Load(IEnumerable{IContainerImage})"/> takes from the kinds of images that carry more than the interface.</summary>
    private static class LoadSources
    {
        public static string ConfigEntry(IContainerImage image) => image is ArchiveImage archived ? archived.ConfigEntry : $"config {image.Id}";

        public static string Entry(IImageLayer layer) => layer is ArchiveLayer archived ? archived.Entry : $"layer {layer.DiffId}";

        /// <summary>The digest a document declares (the store hashes the blob when none does, as for an archive).</summary>
        public static Digest? DeclaredDigest(IImageLayer layer) => layer is ArchiveLayer archived ? archived.DeclaredDigest : layer.Digest;

        public static string? DeclaredMediaType(IImageLayer layer) => layer is ArchiveLayer archived ? archived.MediaType : layer.MediaType;

        public static IEnumerable<string> Tags(IContainerImage image) => image switch
        {
            ArchiveImage archived => archived.RepoTags,
            ImageToWrite described => described.Tags.Select(t => t.WithDefaultTag().FamiliarString()),
            _ => [],
        };

        public static Digest? Parent(IContainerImage image) => image switch
        {
            ArchiveImage archived => archived.Parent,
            ImageToWrite described => described.Parent,
            _ => null,
        };
    }
}
