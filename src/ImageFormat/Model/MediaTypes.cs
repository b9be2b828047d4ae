namespace ImageFormat.Model;

/// <summary>How a layer blob is compressed, as told by its media type.</summary>
public enum LayerCompression
{
    /// <summary>A plain tar.</summary>
    None = 0,

    /// <summary>A gzip-compressed tar.</summary>
    Gzip = 1,

    /// <summary>A zstd-compressed tar.</summary>
    Zstd = 2,
}

/// <summary>
/// The media types of the Docker image manifest v2 specification and of the OCI image specification
/// (<see href="https://github.com/opencontainers/image-spec/blob/main/media-types.md"/>), and helpers that classify them.
/// </summary>
/// <remarks>Comparisons are ordinal and exact: media types carry no parameters in image documents.</remarks>
public static class MediaTypes
{
    /// <summary>Docker image manifest, schema 2.</summary>
    public const string DockerManifestSchema2 = "application/vnd.docker.distribution.manifest.v2+json";

    /// <summary>Docker manifest list (a multi-platform index).</summary>
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";

    /// <summary>Docker image manifest, schema 1 (unsigned). Obsolete; recognised only to be refused clearly.</summary>
    public const string DockerManifestSchema1 = "application/vnd.docker.distribution.manifest.v1+json";

    /// <summary>Docker image manifest, schema 1, signed (JWS). Obsolete; recognised only to be refused clearly.</summary>
    public const string DockerManifestSchema1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws";

    /// <summary>Docker container image configuration.</summary>
    public const string DockerContainerConfig = "application/vnd.docker.container.image.v1+json";

    /// <summary>Docker layer, a gzip-compressed tar.</summary>
    public const string DockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";

    /// <summary>Docker layer, a plain tar (written by some tools; not in Docker's own specification).</summary>
    public const string DockerLayer = "application/vnd.docker.image.rootfs.diff.tar";

    /// <summary>Docker foreign layer, a gzip-compressed tar that registries do not distribute.</summary>
    public const string DockerForeignLayerGzip = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

    /// <summary>Docker plugin configuration.</summary>
    public const string DockerPluginConfig = "application/vnd.docker.plugin.v1+json";

    /// <summary>OCI image manifest.</summary>
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";

    /// <summary>OCI image index.</summary>
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";

    /// <summary>OCI image configuration.</summary>
    public const string OciConfig = "application/vnd.oci.image.config.v1+json";

    /// <summary>OCI layer, a plain tar.</summary>
    public const string OciLayer = "application/vnd.oci.image.layer.v1.tar";

    /// <summary>OCI layer, a gzip-compressed tar.</summary>
    public const string OciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";

    /// <summary>OCI layer, a zstd-compressed tar.</summary>
    public const string OciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";

    /// <summary>OCI non-distributable layer, a plain tar (deprecated by the specification).</summary>
    public const string OciLayerNondistributable = "application/vnd.oci.image.layer.nondistributable.v1.tar";

    /// <summary>OCI non-distributable layer, gzip-compressed (deprecated by the specification).</summary>
    public const string OciLayerNondistributableGzip = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";

    /// <summary>OCI non-distributable layer, zstd-compressed (deprecated by the specification).</summary>
    public const string OciLayerNondistributableZstd = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";

    /// <summary>The OCI empty descriptor's media type; its blob is <c>{}</c>.</summary>
    public const string OciEmpty = "application/vnd.oci.empty.v1+json";

    /// <summary>The OCI image layout header (<c>oci-layout</c>).</summary>
    public const string OciLayoutHeader = "application/vnd.oci.layout.header.v1+json";

    /// <summary>Whether the media type is an image manifest this library reads (OCI or Docker schema 2).</summary>
    /// <param name="mediaType">The media type, or <see langword="null"/>.</param>
    /// <returns>Whether it names an image manifest.</returns>
    public static bool IsManifest(string? mediaType) => mediaType is OciManifest or DockerManifestSchema2;

    /// <summary>Whether the media type is an index (OCI image index or Docker manifest list).</summary>
    /// <param name="mediaType">The media type, or <see langword="null"/>.</param>
    /// <returns>Whether it names an index.</returns>
    public static bool IsIndex(string? mediaType) => mediaType is OciIndex or DockerManifestList;

    /// <summary>Whether the media type is a Docker schema 1 manifest, signed or not.</summary>
    /// <param name="mediaType">The media type, or <see langword="null"/>.</param>
    /// <returns>Whether it names a schema 1 manifest.</returns>
    public static bool IsSchema1Manifest(string? mediaType) => mediaType is DockerManifestSchema1 or DockerManifestSchema1Signed;

    /// <summary>Whether the media type is an image configuration (OCI or Docker).</summary>
    /// <param name="mediaType">The media type, or <see langword="null"/>.</param>
    /// <returns>Whether it names an image configuration.</returns>
    public static bool IsConfig(string? mediaType) => mediaType is OciConfig or DockerContainerConfig;

    /// <summary>Whether the media type is a known layer type, Docker or OCI, distributable or not.</summary>
    /// <param name="mediaType">The media type, or <see langword="null"/>.</param>
    /// <returns>Whether it names a layer.</returns>
    public static bool IsLayer(string? mediaType) => TryGetLayerCompression(mediaType, out _);

    /// <summary>Whether the media type is a layer that registries must not push (foreign or non-distributable).</summary>
    /// <param name="mediaType">The media type, or <see langword="null"/>.</param>
    /// <returns>Whether it names a non-distributable layer.</returns>
    public static bool IsNondistributableLayer(string? mediaType) => mediaType is DockerForeignLayerGzip
        or OciLayerNondistributable or OciLayerNondistributableGzip or OciLayerNondistributableZstd;

    /// <summary>Tells how a layer with this media type is compressed.</summary>
    /// <param name="mediaType">The media type, or <see langword="null"/>.</param>
    /// <param name="compression">The compression, when the media type is a known layer type.</param>
    /// <returns>Whether the media type is a known layer type.</returns>
    public static bool TryGetLayerCompression(string? mediaType, out LayerCompression compression)
    {
        switch (mediaType)
        {
            case OciLayer or OciLayerNondistributable or DockerLayer:
                compression = LayerCompression.None;
                return true;
            case OciLayerGzip or OciLayerNondistributableGzip or DockerLayerGzip or DockerForeignLayerGzip:
                compression = LayerCompression.Gzip;
                return true;
            case OciLayerZstd or OciLayerNondistributableZstd:
                compression = LayerCompression.Zstd;
                return true;
            default:
                compression = LayerCompression.None;
                return false;
        }
    }
}
