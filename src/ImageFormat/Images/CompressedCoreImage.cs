using ImageFormat.Compression;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Model;

namespace ImageFormat.Images;

/// <summary>The image <see cref="ContainerImage.FromCompressed"/> derives from a manifest-and-blobs source.</summary>
internal sealed class CompressedCoreImage : IContainerImage
{
    private readonly ICompressedImageCore _core;
    private readonly ImageFormatLimits _limits;
    private readonly Lazy<RawDocument<ImageManifest>> _manifest;
    private readonly Lazy<RawDocument<ImageConfig>> _config;
    private readonly Lazy<IReadOnlyList<IImageLayer>> _layers;

    public CompressedCoreImage(ICompressedImageCore core, ImageFormatLimits limits)
    {
        _core = core;
        _limits = limits;
        _manifest = new(() => ImageDocuments.ParseManifest(_core.ReadRawManifest(), "image manifest", _limits));
        _config = new(ReadConfig);
        _layers = new(() => PairLayers());
    }

    public RawDocument<ImageManifest> Manifest => _manifest.Value;

    public string ManifestMediaType => _core.ManifestMediaType ?? Manifest.Value.MediaType ?? MediaTypes.OciManifest;

    public RawDocument<ImageConfig> Config => _config.Value;

    public IReadOnlyList<IImageLayer> Layers => _layers.Value;

    public override string ToString() => $"{Manifest.Digest} (config {Config.Digest})";

    private RawDocument<ImageConfig> ReadConfig()
    {
        Descriptor declared = Manifest.Value.Config;
        ReadOnlyMemory<byte> bytes = _core.ReadRawConfig();
        string subject = $"config {declared.Digest}";
        LayerStreams.VerifyBytes(bytes, declared.Digest, declared.Size, subject);
        return ImageDocuments.ParseConfig(bytes, subject, _limits);
    }

    private IImageLayer[] PairLayers()
    {
        IReadOnlyList<Descriptor> blobs = Manifest.Value.Layers;
        IReadOnlyList<Digest> diffIds = Config.Value.RootFs.DiffIds;
        if (blobs.Count != diffIds.Count)
        {
            throw new InvalidDocumentException($"manifest {Manifest.Digest}", $"lists {blobs.Count} layers but its config's rootfs.diff_ids lists {diffIds.Count}");
        }

        var layers = new IImageLayer[blobs.Count];
        for (int i = 0; i < layers.Length; i++)
        {
            layers[i] = new Layer(this, blobs[i], diffIds[i]);
        }

        return layers;
    }

    private sealed class Layer(CompressedCoreImage image, Descriptor descriptor, Digest diffId) : IImageLayer
    {
        private readonly Lazy<CompressionFormat> _compression = new(() =>
        {
            // A blob whose digest is its DiffID is the tar itself, whatever its media type says. Docker 20.10 pushes
            // such blobs as "tar.gzip": after pulling a layer stored uncompressed it mounts that blob for the layer
            // (moby v20.10 distribution/push_v2.go reuses the layer's recorded v2 metadata) and its own pull
            // sniffs the bytes instead of trusting the media type.
            if (descriptor.Digest == diffId)
            {
                return CompressionFormat.None;
            }

            if (MediaTypes.TryGetLayerCompression(descriptor.MediaType, out LayerCompression declared))
            {
                return declared switch
                {
                    LayerCompression.Gzip => CompressionFormat.Gzip,
                    LayerCompression.Zstd => CompressionFormat.Zstd,
                    _ => CompressionFormat.None,
                };
            }

            using Stream blob = image._core.OpenBlob(descriptor.Digest);
            Span<byte> head = stackalloc byte[CompressionDetector.HeadLength];
            return CompressionDetector.Detect(head[..blob.ReadAtLeast(head, head.Length, throwOnEndOfStream: false)]);
        });

        public Digest Digest => descriptor.Digest;

        public long Size => descriptor.Size;

        public string MediaType => descriptor.MediaType;

        public Digest DiffId => diffId;

        public CompressionFormat Compression => _compression.Value;

        private string Subject => $"layer {descriptor.Digest}";

        public Stream OpenBlob(bool verify)
        {
            Stream blob = image._core.OpenBlob(Digest);
            return verify ? LayerStreams.VerifyBlob(blob, Digest, Size, Subject) : blob;
        }

        public async ValueTask<Stream> OpenBlobAsync(bool verify, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Stream blob = await image._core.OpenBlobAsync(Digest, cancellationToken).ConfigureAwait(false);
            return verify ? LayerStreams.VerifyBlob(blob, Digest, Size, Subject) : blob;
        }

        public Stream OpenUncompressed(bool verify)
        {
            CompressionFormat format = Compression;
            return LayerStreams.Uncompress(image._core.OpenBlob(Digest), format, Digest, Size, DiffId, verify, image._limits, Subject);
        }

        public async ValueTask<Stream> OpenUncompressedAsync(bool verify, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            CompressionFormat format = Compression;
            Stream blob = await image._core.OpenBlobAsync(Digest, cancellationToken).ConfigureAwait(false);
            return LayerStreams.Uncompress(blob, format, Digest, Size, DiffId, verify, image._limits, Subject);
        }

        public override string ToString() => $"{Digest} ({DiffId})";
    }
}
