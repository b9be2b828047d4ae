using ImageFormat.Digests;
using ImageFormat.Images;
using ImageFormat.Model;

namespace ImageFormat.Archives;

/// <summary>
/// One image found in an archive: its config (whose digest is the image ID), its manifest when the archive
/// stores one, its tags and its layers. Everything is a view over the archive's raw bytes. As an
/// <see cref="IContainerImage"/>, an image without a stored manifest (a legacy <c>docker save</c> archive)
/// reports the OCI manifest derived once from its config and layers, the one the archive writers write for it.
/// </summary>
public sealed class ArchiveImage : IContainerImage
{
    private RawDocument<ImageManifest>? _derivedManifest;

    internal ArchiveImage(RawDocument<ImageConfig> config, string configEntry, IReadOnlyList<ArchiveLayer> layers)
    {
        Config = config;
        ConfigEntry = configEntry;
        Layers = layers;
    }

    /// <summary>The image ID: the digest of the config blob's exact bytes.</summary>
    public Digest Id => Config.Digest;

    /// <summary>Docker's short ID: the first 12 hex characters of <see cref="Id"/>.</summary>
    public string ShortId => Id.ShortId;

    /// <summary>The config blob, raw and parsed.</summary>
    public RawDocument<ImageConfig> Config { get; }

    /// <summary>The path of the config blob in the archive.</summary>
    public string ConfigEntry { get; }

    /// <summary>The image manifest, for archives that store one (OCI layouts, Engine 25+ archives).</summary>
    public RawDocument<ImageManifest>? Manifest { get; internal set; }

    /// <summary>The digest of the stored manifest, when there is one.</summary>
    public Digest? ManifestDigest => Manifest?.Digest;

    /// <summary>The tags, in Docker's familiar form (<c>hello:latest</c>), in the order the archive lists them.</summary>
    public IReadOnlyList<string> RepoTags { get; internal set; } = [];

    /// <summary>OCI <c>org.opencontainers.image.ref.name</c> annotations naming this image, as written.</summary>
    public IReadOnlyList<string> RefNames { get; internal set; } = [];

    /// <summary>The parent image's ID, where the archive records one (legacy <c>Parent</c>).</summary>
    public Digest? Parent { get; internal set; }

    /// <summary>The layers, base first.</summary>
    public IReadOnlyList<ArchiveLayer> Layers { get; }

    /// <summary>The position of this image in <c>manifest.json</c>, if it is listed there.</summary>
    public int? DockerManifestIndex { get; internal set; }

    /// <summary>The platform from the config: <c>os/architecture[/variant]</c>.</summary>
    public string Platform
    {
        get
        {
            ImageConfig c = Config.Value;
            string platform = $"{c.Os ?? "unknown"}/{c.Architecture ?? "unknown"}";
            return string.IsNullOrEmpty(c.Variant) ? platform : $"{platform}/{c.Variant}";
        }
    }

    /// <summary>The bytes of the image's distinct layer blobs as stored in the archive.</summary>
    public long StoredSize => Layers.Where(l => l.IsPresent).DistinctBy(l => l.ResolvedEntry).Sum(l => l.Size);

    /// <inheritdoc/>
    RawDocument<ImageManifest> IContainerImage.Manifest => Manifest ?? (_derivedManifest ??= DerivedManifest.Build(Config, Layers));

    /// <inheritdoc/>
    string IContainerImage.ManifestMediaType => Manifest is { } stored ? stored.Value.MediaType ?? MediaTypes.OciManifest : MediaTypes.OciManifest;

    /// <inheritdoc/>
    IReadOnlyList<IImageLayer> IContainerImage.Layers => Layers;

    /// <inheritdoc/>
    Digest IContainerImage.ManifestDigest => ((IContainerImage)this).Manifest.Digest;

    /// <inheritdoc/>
    public override string ToString() => RepoTags.Count > 0 ? $"{ShortId} ({string.Join(", ", RepoTags)})" : ShortId;
}
