using ImageFormat.Compression;
using ImageFormat.Digests;

namespace ImageFormat.Archives.Writers;

/// <summary>How <see cref="ArchiveWriter"/> writes an archive. Immutable; validated when writing starts.</summary>
public sealed record ArchiveWriterOptions
{
    /// <summary>The default options: the Docker dual format, layers copied as stored.</summary>
    public static ArchiveWriterOptions Default { get; } = new();

    /// <summary>The dialect to write; <see cref="ArchiveFormat.Docker"/> unless given.</summary>
    public ArchiveFormat Format { get; init; } = ArchiveFormat.Docker;

    /// <summary>
    /// The compression every layer is stored with, or <see langword="null"/> to copy each layer as stored (every
    /// digest kept). A layer already stored so is copied verbatim. <see cref="ArchiveFormat.Legacy"/> always
    /// stores uncompressed layers and accepts only <see langword="null"/> or <see cref="CompressionFormat.None"/>.
    /// </summary>
    public CompressionFormat? LayerCompression { get; init; }

    /// <summary>The compression level, or <see langword="null"/> for the <see cref="Compressor"/> default.</summary>
    public int? CompressionLevel { get; init; }

    /// <summary>How many layers are transformed at once; <see cref="Environment.ProcessorCount"/> unless given.</summary>
    public int? MaxParallelism { get; init; }

    /// <summary>Where transformed layers are staged before they are copied into the archive; the system temp directory unless given.</summary>
    public string? TempDirectory { get; init; }

    /// <summary>Limits applied when decompressing layers.</summary>
    public ImageFormatLimits Limits { get; init; } = ImageFormatLimits.Default;

    /// <summary>
    /// An index to keep byte for byte (a registry's, copied with every platform): stored as a blob and named alone
    /// by <c>index.json</c> (with <see cref="RefName"/> as its ref name), so the layout keeps its digest. Used only
    /// when blobs are written as stored and every manifest it names is one of the images written; otherwise
    /// <c>index.json</c> names the images.
    /// </summary>
    internal Model.RawDocument<Model.ImageIndex>? SourceIndex { get; init; }

    /// <summary>
    /// The <c>org.opencontainers.image.ref.name</c> <c>index.json</c> gives <see cref="SourceIndex"/>, or the one image
    /// written when it has no tags, as skopeo names what it writes to <c>oci:DIR:NAME</c> and
    /// <c>oci-archive:FILE:NAME</c>: the name verbatim, and no <c>io.containerd.image.name</c>. None when
    /// <see langword="null"/>, or when several untagged images are written.
    /// </summary>
    internal string? RefName { get; init; }

    /// <summary>
    /// Writing into an existing layout adds to its <c>index.json</c>, as skopeo's <c>oci:</c> destination does, instead
    /// of replacing it: a descriptor written with a ref name takes that name from the first entry holding it (which
    /// stays, unnamed), then takes the place of the first unnamed entry of the same digest, else goes last.
    /// </summary>
    internal bool AddToIndex { get; init; }

    /// <summary>Told each image's ID and the digest of the manifest the writer makes for it.</summary>
    internal Action<Digest, Digest>? ManifestPlanned { get; init; }
}
