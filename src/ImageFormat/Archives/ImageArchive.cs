using ImageFormat.Compression;
using ImageFormat.Errors;
using ImageFormat.Model;

namespace ImageFormat.Archives;

/// <summary>
/// An image archive opened for reading: any <c>docker save</c> dialect (legacy, Engine 25+ dual format,
/// containerd export), skopeo/podman docker-archives, crane/kaniko/jib tarballs, OCI archives and OCI layout
/// directories, optionally wrapped whole in gzip, bzip2 or zstd. Opening reads the tar's headers once and the
/// small JSON documents; layers are read only when opened or verified. Nothing is trusted: every path is
/// resolved inside the archive, every document is size- and depth-limited, and disagreements between
/// documents are collected in <see cref="Problems"/>.
/// </summary>
/// <remarks>Instances are safe to read from several threads at once (layers open independent streams).</remarks>
public sealed partial class ImageArchive : IDisposable
{
    // Split by idea: opening storage (ImageArchive.Open.cs), matching names (ImageArchive.Names.cs), reading
    // manifest.json (ImageArchive.DockerManifest.cs), walking OCI indexes (ImageArchive.OciIndex.cs); this file
    // holds the state, the documents' reading and the detection of the dialect.
    private const string ManifestJson = "manifest.json";
    private const string IndexJson = "index.json";
    private const string OciLayoutFile = "oci-layout";
    private const string RepositoriesFile = "repositories";

    /// <summary>containerd's image name annotation on an <c>index.json</c> entry: a whole reference.</summary>
    internal const string ContainerdNameAnnotation = "io.containerd.image.name";

    /// <summary>The OCI ref name annotation on an <c>index.json</c> entry.</summary>
    internal const string RefNameAnnotation = "org.opencontainers.image.ref.name";

    private readonly IArchiveStorage _storage;
    private readonly List<ArchiveProblem> _problems = [];
    private readonly List<ArchiveImage> _images = [];
    private readonly List<ArchiveArtifact> _artifacts = [];

    private ImageArchive(IArchiveStorage storage, ImageArchiveOptions options)
    {
        _storage = storage;
        Options = options;
    }

    /// <summary>The options the archive was opened with.</summary>
    public ImageArchiveOptions Options { get; }

    /// <summary>Where the archive came from (a path or a description of the stream).</summary>
    public string Source => _storage.Description;

    /// <summary>Which structures the archive carries.</summary>
    public ArchiveDialect Dialect { get; private set; }

    /// <summary>How the archive as a whole was compressed (always <see cref="CompressionFormat.None"/> for a layout directory).</summary>
    public CompressionFormat Compression => (_storage as TarArchiveStorage)?.Compression ?? CompressionFormat.None;

    /// <summary>Whether the archive had to be copied to a temporary file to be read (compressed or non-seekable input).</summary>
    public bool Spooled => (_storage as TarArchiveStorage)?.Spooled ?? false;

    /// <summary>Bytes of the archive read to index it; for an uncompressed file, only its tar headers.</summary>
    public long BytesReadWhileIndexing => (_storage as TarArchiveStorage)?.BytesReadWhileIndexing ?? 0;

    /// <summary>The images, in the order of <c>manifest.json</c>, then those only <c>index.json</c> names.</summary>
    public IReadOnlyList<ArchiveImage> Images => _images;

    /// <summary>
    /// What the indexes name besides images: attestations, signatures, SBOMs, OCI artifacts, Helm charts, in the
    /// order found. They are verified and copied like images, and refused by image-only operations.
    /// </summary>
    public IReadOnlyList<ArchiveArtifact> Artifacts => _artifacts;

    /// <summary>
    /// How many nodes (indexes and manifests, each read once whatever number of indexes name it) and edges
    /// (descriptors in <c>index.json</c> and nested indexes) the index graph walk visited; at most
    /// <see cref="ImageFormatLimits.MaxIndexGraphVisits"/>.
    /// </summary>
    public int IndexGraphVisits { get; private set; }

    /// <summary>What was found wrong while reading (verification adds to these; see <see cref="ArchiveVerifier"/>).</summary>
    public IReadOnlyList<ArchiveProblem> Problems => _problems;

    /// <summary>The Docker <c>manifest.json</c>, raw and parsed, when the archive has one.</summary>
    public RawDocument<IReadOnlyList<DockerArchiveManifestEntry>>? DockerManifest { get; private set; }

    /// <summary>The OCI <c>index.json</c>, raw and parsed, when the archive has one.</summary>
    public RawDocument<ImageIndex>? Index { get; private set; }

    /// <summary>Reads a small document (JSON) from the archive, refusing anything over the JSON size limit.</summary>
    internal byte[] ReadDocument(ArchiveFile file) => ReadDocument(_storage, file, Options.Limits);

    /// <summary>Reads a small document (JSON) from <paramref name="storage"/>, refusing anything over the JSON size limit.</summary>
    internal static byte[] ReadDocument(IArchiveStorage storage, ArchiveFile file, ImageFormatLimits limits)
    {
        if (file.Size > limits.MaxJsonBytes)
        {
            throw new LimitExceededException(file.Name, nameof(ImageFormatLimits.MaxJsonBytes), limits.MaxJsonBytes, file.Size);
        }

        byte[] bytes = new byte[file.Size];
        using Stream stream = storage.Open(file);
        stream.ReadExactly(bytes);
        return bytes;
    }

    internal IArchiveStorage Storage => _storage;

    internal void AddProblem(ProblemSeverity severity, string code, string subject, string message) =>
        _problems.Add(new ArchiveProblem(severity, code, subject, message));

    private bool TryResolve(string path, out ArchiveFile file) => _storage.TryResolve(path, out file, out _);

    private void Read()
    {
        bool hasManifest = TryResolve(ManifestJson, out ArchiveFile manifestFile);
        bool hasIndex = TryResolve(IndexJson, out ArchiveFile indexFile);
        bool hasRepositories = TryResolve(RepositoriesFile, out ArchiveFile repositoriesFile);
        if (!hasManifest && !hasIndex)
        {
            throw hasRepositories
                ? new InvalidArchiveException(RepositoriesFile, "a Docker image spec v1.0 archive (a 'repositories' file and no manifest.json, written by Docker before 1.10) is not supported: load it into a newer Docker and save it again")
                : new InvalidArchiveException(null, $"{Source}: not an image archive: it has neither manifest.json nor index.json");
        }

        if (hasManifest)
        {
            Dialect |= ArchiveDialect.DockerManifest;
            ReadDockerManifest(manifestFile);
        }

        if (hasRepositories)
        {
            Dialect |= ArchiveDialect.Repositories;
            ReadRepositories(repositoriesFile);
        }

        if (_storage.Names.Any(n => n.EndsWith("/VERSION", StringComparison.Ordinal) || n.EndsWith("/layer.tar", StringComparison.Ordinal)))
        {
            Dialect |= ArchiveDialect.LegacyLayerDirectories;
        }

        if (hasIndex)
        {
            Dialect |= ArchiveDialect.OciLayout;
            ReadOciLayout(indexFile);
        }
    }

    /// <summary>Closes the archive and deletes any temporary file it used.</summary>
    public void Dispose() => _storage.Dispose();
}
