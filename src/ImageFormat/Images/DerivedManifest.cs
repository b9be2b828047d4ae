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
}
