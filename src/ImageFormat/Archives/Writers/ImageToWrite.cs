using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Images;
using ImageFormat.Model;
using ImageFormat.References;

namespace ImageFormat.Archives.Writers;

/// <summary>
/// One image to write into an archive: its config's exact bytes (whose digest is the image ID), its layers
/// base first, its tags, its parent and, optionally, a manifest to copy verbatim. Everything the writer emits
/// is derived from these. It is itself an <see cref="IContainerImage"/>, in memory over its layers' sources;
/// <see cref="From"/> describes any image.
/// </summary>
public sealed class ImageToWrite : IContainerImage
{
    private RawDocument<ImageManifest>? _derivedManifest;

    /// <summary>Describes an image.</summary>
    /// <param name="config">The config blob, raw and parsed.</param>
    /// <param name="layers">The layers, base first, one per <c>rootfs.diff_ids</c> entry, in the same order.</param>
    /// <exception cref="ArgumentNullException">An argument or a layer is <see langword="null"/>.</exception>
    /// <exception cref="InvalidDocumentException">The layers do not match the config's <c>rootfs.diff_ids</c> one for one.</exception>
    public ImageToWrite(RawDocument<ImageConfig> config, IReadOnlyList<LayerToWrite> layers)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(layers);
        IReadOnlyList<Digest> diffIds = config.Value.RootFs.DiffIds;
        string subject = $"config {config.Digest}";
        if (diffIds.Count != layers.Count)
        {
            throw new InvalidDocumentException(subject, $"rootfs.diff_ids lists {diffIds.Count} layers but {layers.Count} were given");
        }

        for (int i = 0; i < layers.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(layers[i], nameof(layers));
            if (layers[i].DiffId != diffIds[i])
            {
                throw new InvalidDocumentException(subject, $"rootfs.diff_ids[{i}] is {diffIds[i]} but layer {i} has DiffID {layers[i].DiffId}");
            }
        }

        Config = config;
        Layers = [.. layers];
    }

    /// <summary>The image ID: the digest of the config's exact bytes.</summary>
    public Digest Id => Config.Digest;

    /// <summary>The config blob, raw and parsed.</summary>
    public RawDocument<ImageConfig> Config { get; }

    /// <summary>The layers, base first.</summary>
    public IReadOnlyList<LayerToWrite> Layers { get; }

    /// <summary>The tags to write the image under, in order; empty for an untagged image. Name-only references mean <c>:latest</c>; digest references are not tags and are refused by the writer.</summary>
    public IReadOnlyList<ImageReference> Tags { get; init; } = [];

    /// <summary>The parent image's ID; written (legacy and Docker formats) only when the parent is written in the same archive, as Docker does.</summary>
    public Digest? Parent { get; init; }

    /// <summary>
    /// A manifest to copy byte for byte when the layers are written as stored (it keeps the image's manifest
    /// digest). It must name this config and these layers; otherwise, or when it is absent, the writer builds an OCI manifest.
    /// </summary>
    public RawDocument<ImageManifest>? Manifest { get; init; }

    /// <summary>
    /// The stored <see cref="Manifest"/> when it names this config and these layers, else the OCI manifest derived
    /// from them: what <see cref="ArchiveWriter"/> writes when the layers are kept as stored.
    /// </summary>
    RawDocument<ImageManifest> IContainerImage.Manifest
    {
        get
        {
            if (Manifest is { } stored && MediaTypes.IsManifest(stored.Value.MediaType ?? MediaTypes.OciManifest)
                && stored.Value.Config.Digest == Id
                && stored.Value.Layers.Count == Layers.Count
                && stored.Value.Layers.Zip(Layers).All(p => p.First.Digest == p.Second.Digest && p.First.Size == p.Second.Size))
            {
                return stored;
            }

            return _derivedManifest ??= DerivedManifest.Build(
                Config, Layers.Select(l => new Descriptor { MediaType = l.MediaType, Digest = l.Digest, Size = l.Size }), Manifest?.Value.Annotations);
        }
    }

    /// <inheritdoc/>
    string IContainerImage.ManifestMediaType => ((IContainerImage)this).Manifest.Value.MediaType ?? MediaTypes.OciManifest;

    /// <inheritdoc/>
    IReadOnlyList<IImageLayer> IContainerImage.Layers => Layers;

    /// <summary>
    /// Describes any image for writing: an <see cref="ImageToWrite"/> as itself, an archive image as
    /// <see cref="FromArchive"/> does (with its tags and parent), any other with its config, layers and manifest and no tags.
    /// </summary>
    /// <param name="image">The image.</param>
    /// <returns>The image to write.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is <see langword="null"/>.</exception>
    /// <exception cref="ImageFormatException">The image's documents cannot be read, or a layer blob is missing or unusable.</exception>
    public static ImageToWrite From(IContainerImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return image switch
        {
            ImageToWrite same => same,
            ArchiveImage archived => FromArchive(archived),
            _ => new ImageToWrite(image.Config, [.. image.Layers.Select(LayerToWrite.From)]) { Manifest = image.Manifest },
        };
    }

    /// <summary>Describes an image read from an archive: its config, layers, tags, parent and stored manifest.</summary>
    /// <param name="image">The image.</param>
    /// <returns>The image to write.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is <see langword="null"/>.</exception>
    /// <exception cref="ImageFormatException">A layer blob is missing or unusable, or a tag is not a valid reference.</exception>
    public static ImageToWrite FromArchive(ArchiveImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var layers = new LayerToWrite[image.Layers.Count];
        for (int i = 0; i < layers.Length; i++)
        {
            layers[i] = LayerToWrite.FromArchive(image.Layers[i]);
        }

        return new ImageToWrite(image.Config, layers)
        {
            Tags = [.. image.RepoTags.Select(ImageReference.Parse)],
            Parent = image.Parent,
            Manifest = image.Manifest,
        };
    }

    /// <inheritdoc/>
    public override string ToString() => Tags.Count > 0 ? $"{Id.ShortId} ({string.Join(", ", Tags.Select(t => t.FamiliarString()))})" : Id.ShortId;
}
