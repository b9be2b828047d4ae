using ImageFormat.Compression;
using ImageFormat.Digests;
using ImageFormat.Model;

namespace ImageFormat.Images;

/// <summary>The image <see cref="ContainerImage.FromUncompressed"/> derives from a source of layer tars by diffID.</summary>
internal sealed class UncompressedCoreImage : IContainerImage
{
    private readonly IUncompressedImageCore _core;
    private readonly Lazy<RawDocument<ImageConfig>> _config;
    private readonly Lazy<IReadOnlyList<IImageLayer>> _layers;
    private readonly Lazy<RawDocument<ImageManifest>> _manifest;

    public UncompressedCoreImage(IUncompressedImageCore core, ImageFormatLimits limits)
    {
        _core = core;
        _config = new(() => ImageDocuments.ParseConfig(_core.ReadRawConfig(), "image config", limits));
        _layers = new(() => [.. Config.Value.RootFs.DiffIds.Select(d => (IImageLayer)new Layer(_core, d))]);
        _manifest = new(() => DerivedManifest.Build(Config, Layers));
    }

    public RawDocument<ImageManifest> Manifest => _manifest.Value;

    public string ManifestMediaType => MediaTypes.OciManifest;

    public RawDocument<ImageConfig> Config => _config.Value;

    public IReadOnlyList<IImageLayer> Layers => _layers.Value;

    public override string ToString() => Config.Digest.ToString();

    private sealed class Layer(IUncompressedImageCore core, Digest diffId) : IImageLayer
    {
        private readonly Lazy<long> _size = new(() => core.GetLayerSize(diffId));

        public Digest Digest => diffId;

        public long Size => _size.Value;

        public string MediaType => MediaTypes.OciLayer;

        public Digest DiffId => diffId;

        public CompressionFormat Compression => CompressionFormat.None;

        private string Subject => $"layer {diffId}";

        public Stream OpenBlob(bool verify)
        {
            Stream tar = core.OpenLayer(diffId);
            return verify ? LayerStreams.VerifyBlob(tar, diffId, Size, Subject) : tar;
        }

        public async ValueTask<Stream> OpenBlobAsync(bool verify, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Stream tar = await core.OpenLayerAsync(diffId, cancellationToken).ConfigureAwait(false);
            return verify ? LayerStreams.VerifyBlob(tar, diffId, Size, Subject) : tar;
        }

        public Stream OpenUncompressed(bool verify) => OpenBlob(verify);

        public ValueTask<Stream> OpenUncompressedAsync(bool verify, CancellationToken cancellationToken) => OpenBlobAsync(verify, cancellationToken);

        public override string ToString() => diffId.ToString();
    }
}
