using ImageFormat.Model;

namespace ImageFormat.Images;

/// <summary>
/// The OCI image manifest (OCI image-spec, <c>manifest.md</c>) of an image whose source stores none: the config
/// as <see cref="MediaTypes.OciConfig"/>, the layers as their blobs are described. The archive writers build
/// the same bytes for an image without a usable stored manifest, so the digest an image reports is the one it
/// is written under.
/// </summary>
internal static class DerivedManifest
{
    public static RawDocument<ImageManifest> Build(RawDocument<ImageConfig> config, IEnumerable<Descriptor> layers, IReadOnlyDictionary<string, string>? annotations = null) =>
        RawDocument.Create(new ImageManifest
        {
            MediaType = MediaTypes.OciManifest,
            Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = config.Digest, Size = config.Size },
            Layers = [.. layers],
            Annotations = annotations,
        });

    public static RawDocument<ImageManifest> Build(RawDocument<ImageConfig> config, IEnumerable<IImageLayer> layers) =>
        Build(config, layers.Select(l => new Descriptor { MediaType = l.MediaType, Digest = l.Digest, Size = l.Size }));

    /// <summary>
    /// The Docker image manifest, version 2, schema 2 (what <c>docker push</c> writes): the config as
    /// <see cref="MediaTypes.DockerContainerConfig"/>, each layer as <see cref="MediaTypes.DockerLayerGzip"/> or,
    /// stored uncompressed, <see cref="MediaTypes.DockerLayer"/>; <see langword="null"/> when a layer has no Docker
    /// media type (zstd, or non-distributable).
    /// </summary>
    public static RawDocument<ImageManifest>? BuildDockerSchema2(RawDocument<ImageConfig> config, IEnumerable<IImageLayer> layers)
    {
        List<Descriptor> descriptors = [];
        foreach (IImageLayer layer in layers)
        {
            string? mediaType = layer.Compression switch
            {
                Compression.CompressionFormat.None => MediaTypes.DockerLayer,
                Compression.CompressionFormat.Gzip => MediaTypes.DockerLayerGzip,
                _ => null,
            };
            if (mediaType is null || MediaTypes.IsNondistributableLayer(layer.MediaType))
            {
                return null;
            }

            descriptors.Add(new Descriptor { MediaType = mediaType, Digest = layer.Digest, Size = layer.Size });
        }

        return RawDocument.Create(new ImageManifest
        {
            MediaType = MediaTypes.DockerManifestSchema2,
            Config = new Descriptor { MediaType = MediaTypes.DockerContainerConfig, Digest = config.Digest, Size = config.Size },
            Layers = descriptors,
        });
    }
}
