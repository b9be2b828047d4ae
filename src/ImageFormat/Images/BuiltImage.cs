using ImageFormat.Model;

namespace ImageFormat.Images;

/// <summary>An image made in memory by <see cref="ImageBuilder"/>: new config bytes over layers that reference their sources.</summary>
internal sealed class BuiltImage(RawDocument<ImageConfig> config, IReadOnlyList<IImageLayer> layers) : IContainerImage
{
    private readonly Lazy<RawDocument<ImageManifest>> _manifest = new(() => DerivedManifest.Build(config, layers));

    public RawDocument<ImageManifest> Manifest => _manifest.Value;

    public string ManifestMediaType => MediaTypes.OciManifest;

    public RawDocument<ImageConfig> Config => config;

    public IReadOnlyList<IImageLayer> Layers => layers;

    public override string ToString() => config.Digest.ToString();
}
