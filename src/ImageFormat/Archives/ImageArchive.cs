using ImageFormat.Compression;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Model;
using ImageFormat.References;

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
public sealed class ImageArchive : IDisposable
{
    private const string ManifestJson = "manifest.json";
    private const string IndexJson = "index.json";
    private const string OciLayoutFile = "oci-layout";
    private const string RepositoriesFile = "repositories";
    private const string ContainerdNameAnnotation = "io.containerd.image.name";
    private const string RefNameAnnotation = "org.opencontainers.image.ref.name";

    private static readonly System.Buffers.SearchValues<char> LowerHex = System.Buffers.SearchValues.Create("0123456789abcdef");

    private readonly IArchiveStorage _storage;
    private readonly List<ArchiveProblem> _problems = [];
    private readonly List<ArchiveImage> _images = [];
    private readonly List<ArchiveArtifact> _artifacts = [];

    // The index graph walk, memoised by digest: what each index or manifest leads to (images and artifacts),
    // and the nodes being walked (a cycle is reported, not followed).
    private readonly Dictionary<Digest, List<object>> _walked = [];
    private readonly HashSet<Digest> _walking = [];

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

    /// <summary>Opens an archive file, or an OCI layout when <paramref name="path"/> is a directory.</summary>
    /// <param name="path">A tar file (plain, gzip, bzip2 or zstd) or a layout directory.</param>
    /// <param name="options">Limits and spooling; defaults when <see langword="null"/>.</param>
    /// <returns>The opened archive; dispose it.</returns>
    /// <exception cref="ImageFormatException">The archive is not a readable image archive; the message says why and where.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static ImageArchive OpenFile(string path, ImageArchiveOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= ImageArchiveOptions.Default;
        if (Directory.Exists(path))
        {
            return OpenLayout(path, options);
        }

        if (!File.Exists(path))
        {
            throw new NotFoundException(path, $"no such file: {path}");
        }

        return Load(TarArchiveStorage.OpenFile(path, options), options);
    }

    /// <summary>
    /// Opens an archive from a stream, such as standard input. A seekable, uncompressed <see cref="FileStream"/> is
    /// read in place; anything else is decompressed once into an anonymous temporary file
    /// (<see cref="ImageArchiveOptions.SpoolDirectory"/>).
    /// </summary>
    /// <param name="stream">The archive's bytes, from the current position.</param>
    /// <param name="leaveOpen">Whether to leave <paramref name="stream"/> open when the archive is disposed.</param>
    /// <param name="options">Limits and spooling; defaults when <see langword="null"/>.</param>
    /// <returns>The opened archive; dispose it.</returns>
    /// <exception cref="ImageFormatException">The archive is not a readable image archive.</exception>
    /// <exception cref="IOException">The stream cannot be read, or the spool file cannot be written.</exception>
    public static ImageArchive OpenStream(Stream stream, bool leaveOpen, ImageArchiveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= ImageArchiveOptions.Default;
        string description = stream is FileStream fs ? fs.Name : "stream";
        return Load(TarArchiveStorage.Open(stream, ownsStream: !leaveOpen, description, options), options);
    }

    /// <summary>Opens an OCI image layout directory.</summary>
    /// <param name="directory">The directory holding <c>oci-layout</c>, <c>index.json</c> and <c>blobs/</c>.</param>
    /// <param name="options">Limits; defaults when <see langword="null"/>.</param>
    /// <returns>The opened layout; dispose it.</returns>
    /// <exception cref="ImageFormatException">The directory is not a readable image layout.</exception>
    public static ImageArchive OpenLayout(string directory, ImageArchiveOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        options ??= ImageArchiveOptions.Default;
        return Load(new LayoutDirectoryStorage(directory, options.Limits), options);
    }

    private static ImageArchive Load(IArchiveStorage storage, ImageArchiveOptions options)
    {
        var archive = new ImageArchive(storage, options);
        try
        {
            archive.Read();
            return archive;
        }
        catch
        {
            archive.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Finds one image by what a user would type: a tag (<c>hello</c>, <c>hello:latest</c>,
    /// <c>docker.io/library/hello:latest</c>), an OCI ref name, a full or short image ID, or a manifest or
    /// config digest. <see langword="null"/> or empty selects the only image of a one-image archive.
    /// </summary>
    /// <param name="name">What to look for.</param>
    /// <returns>The image.</returns>
    /// <exception cref="NotFoundException">Nothing matches; the message lists what the archive holds.</exception>
    /// <exception cref="AmbiguousNameException">More than one image matches, or none was named and the archive holds several.</exception>
    /// <exception cref="NotAnImageException">The name matches an artifact (a signature, attestation, Helm chart...), not an image.</exception>
    public ArchiveImage FindImage(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return _images.Count switch
            {
                1 => _images[0],
                0 when _artifacts.Count == 1 => throw NotAnImage(_artifacts[0]),
                0 when _artifacts.Count > 1 => throw new NotFoundException(string.Empty, $"{Source}: the archive holds no image, only {_artifacts.Count} artifacts ({string.Join("; ", _artifacts)})"),
                0 => throw new NotFoundException(string.Empty, $"{Source}: the archive holds no image"),
                _ => throw new AmbiguousNameException("(no image named)", Describe(_images)),
            };
        }

        List<ArchiveImage> matches = Match(name);
        if (matches.Count == 0 && MatchArtifact(name) is { } artifact)
        {
            throw NotAnImage(artifact);
        }

        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new NotFoundException(name, $"No such image: {name} (the archive holds {string.Join("; ", Describe(_images))})"),
            _ => throw new AmbiguousNameException(name, Describe(matches)),
        };
    }

    private static NotAnImageException NotAnImage(ArchiveArtifact artifact) => new(artifact.Digest.Value, artifact.Kind, artifact.ArtifactType);

    /// <summary>The one artifact a name denotes: its manifest digest (alone or in a reference), one of its names, or a unique hex prefix of its digest.</summary>
    private ArchiveArtifact? MatchArtifact(string name)
    {
        List<ArchiveArtifact> found;
        if (Digest.TryParse(name, out Digest digest))
        {
            found = _artifacts.Where(a => a.Digest == digest).ToList();
        }
        else if (ImageReference.TryParse(name, out ImageReference? reference, out _) && reference.Digest is { } refDigest)
        {
            found = _artifacts.Where(a => a.Digest == refDigest).ToList();
        }
        else
        {
            found = _artifacts.Where(a => a.Names.Contains(name, StringComparer.Ordinal)).ToList();
            if (found.Count == 0 && name.Length <= 64 && name.AsSpan().IndexOfAnyExcept(LowerHex) < 0)
            {
                found = _artifacts.Where(a => a.Digest.EncodedStartsWith(name)).ToList();
            }
        }

        return found.Count == 1 ? found[0] : null;
    }

    private static List<string> Describe(IEnumerable<ArchiveImage> images) =>
        images.Select(i => i.RepoTags.Count > 0 ? $"{i.ShortId} {string.Join(",", i.RepoTags)}" : $"{i.ShortId} <none>").ToList();

    private List<ArchiveImage> Match(string name)
    {
        // Digest forms first: sha256:<hex> names a config (image ID) or a manifest.
        if (Digest.TryParse(name, out Digest digest))
        {
            return _images.Where(i => i.Id == digest || i.ManifestDigest == digest).ToList();
        }

        // Then a reference, as Docker resolves names before IDs.
        if (ImageReference.TryParse(name, out ImageReference? reference, out _))
        {
            if (reference.Digest is { } refDigest)
            {
                List<ArchiveImage> byDigest = _images.Where(i => i.ManifestDigest == refDigest || i.Id == refDigest).ToList();
                if (byDigest.Count > 0)
                {
                    return byDigest;
                }
            }
            else
            {
                string full = reference.WithDefaultTag().ToString();
                List<ArchiveImage> byTag = _images.Where(i => i.RepoTags.Any(t => SameReference(t, full))).ToList();
                if (byTag.Count > 0)
                {
                    return byTag;
                }
            }
        }

        List<ArchiveImage> byRefName = _images.Where(i => i.RefNames.Contains(name, StringComparer.Ordinal)).ToList();
        if (byRefName.Count > 0)
        {
            return byRefName;
        }

        // Last, a full or short image ID (hex prefix).
        if (name.Length <= 64 && name.AsSpan().IndexOfAnyExcept(LowerHex) < 0)
        {
            return _images.Where(i => i.Id.EncodedStartsWith(name)).DistinctBy(i => i.Id).ToList();
        }

        return [];
    }

    private static bool SameReference(string tag, string fullWithTag) =>
        ImageReference.TryParse(tag, out ImageReference? r, out _) && r.WithDefaultTag().ToString() == fullWithTag;

    /// <summary>Reads a small document (JSON) from the archive, refusing anything over the JSON size limit.</summary>
    internal byte[] ReadDocument(ArchiveFile file)
    {
        if (file.Size > Options.Limits.MaxJsonBytes)
        {
            throw new LimitExceededException(file.Name, nameof(ImageFormatLimits.MaxJsonBytes), Options.Limits.MaxJsonBytes, file.Size);
        }

        byte[] bytes = new byte[file.Size];
        using Stream stream = _storage.Open(file);
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

    private void ReadDockerManifest(ArchiveFile file)
    {
        RawDocument<IReadOnlyList<DockerArchiveManifestEntry>> manifest = ImageDocuments.ParseArchiveManifest(ReadDocument(file), ManifestJson, Options.Limits);
        DockerManifest = manifest;
        for (int i = 0; i < manifest.Value.Count; i++)
        {
            DockerArchiveManifestEntry entry = manifest.Value[i];
            string subject = $"{ManifestJson}[{i}]";
            if (!_storage.TryResolve(entry.Config, out ArchiveFile configFile, out string? problem))
            {
                throw new InvalidArchiveException(entry.Config, $"config named by {subject}: {problem}");
            }

            RawDocument<ImageConfig> config = ImageDocuments.ParseConfig(ReadDocument(configFile), entry.Config, Options.Limits);
            CheckNamedDigest(entry.Config, config.Digest, "config");
            if (entry.Layers.Count > Options.Limits.MaxLayerCount)
            {
                throw new LimitExceededException(subject, nameof(ImageFormatLimits.MaxLayerCount), Options.Limits.MaxLayerCount, entry.Layers.Count);
            }

            IReadOnlyList<Digest> diffIds = config.Value.RootFs.DiffIds;
            var layers = new List<ArchiveLayer>(entry.Layers.Count);
            for (int j = 0; j < entry.Layers.Count; j++)
            {
                string layerPath = entry.Layers[j];
                bool present = _storage.TryResolve(layerPath, out ArchiveFile layerFile, out string? layerProblem);
                if (!present)
                {
                    if (!ArchivePath.IsSafeReference(layerPath, out _))
                    {
                        throw new InvalidArchiveException(layerPath, $"layer {j} named by {subject}: {layerProblem}");
                    }

                    AddProblem(ProblemSeverity.Error, ErrorCodes.InvalidArchive, layerPath, $"layer {j} named by {subject}: {layerProblem}");
                }

                Digest diffId = j < diffIds.Count ? diffIds[j] : default;
                Descriptor? source = null;
                if (!diffId.IsEmpty && entry.LayerSources is { } sources)
                {
                    sources.TryGetValue(diffId, out source);
                }

                Digest? declared = source?.Digest ?? DigestFromBlobPath(layerPath);
                layers.Add(new ArchiveLayer(_storage, Options.Limits, j, layerPath, present ? layerFile : null, diffId, declared, source?.Size, source?.MediaType));
            }

            if (entry.Layers.Count != diffIds.Count)
            {
                AddProblem(ProblemSeverity.Error, ErrorCodes.InvalidArchive, subject, $"lists {entry.Layers.Count} layers but config {config.Digest.ShortId} has {diffIds.Count} diff_ids");
            }

            var image = new ArchiveImage(config, configFile.Name, layers)
            {
                DockerManifestIndex = i,
                RepoTags = NormaliseTags(entry.RepoTags ?? [], subject),
            };
            image.Parent = entry.Parent;

            if (_images.Any(x => x.Id == image.Id))
            {
                AddProblem(ProblemSeverity.Warning, ErrorCodes.InvalidArchive, subject, $"image {image.ShortId} is listed more than once");
                continue;
            }

            _images.Add(image);
        }
    }

    private List<string> NormaliseTags(IEnumerable<string> tags, string subject)
    {
        var result = new List<string>();
        foreach (string tag in tags)
        {
            if (ImageReference.TryParse(tag, out ImageReference? reference, out string? reason))
            {
                string familiar = reference.WithDefaultTag().FamiliarString();
                if (!result.Contains(familiar))
                {
                    result.Add(familiar);
                }
            }
            else
            {
                AddProblem(ProblemSeverity.Error, ErrorCodes.InvalidReference, subject, $"tag \"{tag}\" is not a valid reference: {reason}");
            }
        }

        return result;
    }

    /// <summary>A config or blob named by its digest (<c>&lt;hex&gt;.json</c>, <c>sha256:&lt;hex&gt;</c>, <c>blobs/sha256/&lt;hex&gt;</c>) must have that digest.</summary>
    private void CheckNamedDigest(string path, Digest actual, string what)
    {
        if (DigestFromName(path) is { } named && !named.FixedTimeEquals(actual))
        {
            AddProblem(ProblemSeverity.Error, ErrorCodes.DigestMismatch, path, $"{what} is named by digest {named} but its content hashes to {actual}");
        }
    }

    internal static Digest? DigestFromBlobPath(string path)
    {
        string? clean = ArchivePath.Clean(path);
        if (clean is null)
        {
            return null;
        }

        string[] parts = clean.Split('/');
        return parts.Length == 3 && parts[0] == "blobs" && Digest.TryParse($"{parts[1]}:{parts[2]}", out Digest d) ? d : null;
    }

    internal static Digest? DigestFromName(string path)
    {
        if (DigestFromBlobPath(path) is { } blob)
        {
            return blob;
        }

        string file = ArchivePath.Clean(path) is { } clean ? clean[(clean.LastIndexOf('/') + 1)..] : path;
        if (Digest.TryParse(file, out Digest direct))
        {
            return direct;
        }

        return file.EndsWith(".json", StringComparison.Ordinal) && Digest.TryParse("sha256:" + file[..^5], out Digest legacy) ? legacy : null;
    }

    private void ReadRepositories(ArchiveFile file)
    {
        RawDocument<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> repositories;
        try
        {
            repositories = ImageDocuments.ParseRepositories(ReadDocument(file), RepositoriesFile, Options.Limits);
        }
        catch (ImageFormatException e)
        {
            // Docker ignores 'repositories' when manifest.json exists; a broken one is worth telling, not fatal.
            AddProblem(ProblemSeverity.Warning, e.Code, RepositoriesFile, e.Message);
            return;
        }

        foreach ((string repository, IReadOnlyDictionary<string, string> tags) in repositories.Value)
        {
            foreach (string tag in tags.Keys)
            {
                string name = $"{repository}:{tag}";
                string familiar = ImageReference.TryParse(name, out ImageReference? r, out _) ? r.FamiliarString() : name;
                if (!_images.Any(i => i.RepoTags.Contains(familiar)))
                {
                    AddProblem(ProblemSeverity.Warning, ErrorCodes.InvalidArchive, RepositoriesFile, $"names {familiar}, which no image in {ManifestJson} carries");
                }
            }
        }
    }

    private void ReadOciLayout(ArchiveFile indexFile)
    {
        if (TryResolve(OciLayoutFile, out ArchiveFile layoutFile))
        {
            try
            {
                RawDocument<OciLayoutHeader> layout = ImageDocuments.ParseOciLayout(ReadDocument(layoutFile), OciLayoutFile, Options.Limits);
                if (layout.Value.ImageLayoutVersion != "1.0.0")
                {
                    AddProblem(ProblemSeverity.Warning, ErrorCodes.InvalidArchive, OciLayoutFile, $"imageLayoutVersion is \"{layout.Value.ImageLayoutVersion}\", expected \"1.0.0\"");
                }
            }
            catch (ImageFormatException e)
            {
                AddProblem(ProblemSeverity.Error, e.Code, OciLayoutFile, e.Message);
            }
        }
        else
        {
            AddProblem(ProblemSeverity.Warning, ErrorCodes.InvalidArchive, OciLayoutFile, "missing: index.json without an oci-layout file is not an OCI image layout");
        }

        RawDocument<ImageIndex> index = ImageDocuments.ParseIndex(ReadDocument(indexFile), IndexJson, Options.Limits);
        Index = index;
        if (index.Value.ManifestsWasNull)
        {
            AddProblem(ProblemSeverity.Warning, ErrorCodes.InvalidDocument, IndexJson, "\"manifests\" is null (written by Docker Engine 25.0.0 to 25.0.2); the images are read from manifest.json");
        }

        var seen = new Dictionary<Digest, (HashSet<string> Names, HashSet<string> RefNames)>();
        var onlyInIndex = new List<ArchiveImage>();
        foreach (Descriptor descriptor in index.Value.Manifests)
        {
            var names = new List<string>();
            var refNames = new List<string>();
            if (descriptor.Annotations is { } annotations)
            {
                if (annotations.TryGetValue(ContainerdNameAnnotation, out string? full))
                {
                    names.Add(full);
                }

                if (annotations.TryGetValue(RefNameAnnotation, out string? refName))
                {
                    refNames.Add(refName);

                    // Tools that write a whole reference as the ref name (skopeo, crane) name a tag with it.
                    if (refName.Contains(':', StringComparison.Ordinal) || refName.Contains('/', StringComparison.Ordinal))
                    {
                        names.Add(refName);
                    }
                }
            }

            CountVisit(IndexJson);
            foreach (object node in Walk(descriptor, IndexJson, depth: 0, siblings: index.Value.Manifests.Count))
            {
                if (node is ArchiveArtifact artifact)
                {
                    if (!_artifacts.Contains(artifact))
                    {
                        _artifacts.Add(artifact);
                    }

                    if (artifact.Digest == descriptor.Digest)
                    {
                        artifact.Names = [.. artifact.Names.Union(refNames.Concat(names), StringComparer.Ordinal)];
                    }

                    continue;
                }

                var image = (ArchiveImage)node;
                if (!seen.TryGetValue(image.Id, out var found))
                {
                    found = (new HashSet<string>(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal));
                    seen[image.Id] = found;
                }

                foreach (string name in NormaliseTags(names, IndexJson))
                {
                    found.Names.Add(name);
                }

                foreach (string refName in refNames)
                {
                    found.RefNames.Add(refName);
                }

                ArchiveImage? existing = _images.FirstOrDefault(i => i.Id == image.Id) ?? onlyInIndex.FirstOrDefault(i => i.Id == image.Id);
                if (existing is null)
                {
                    onlyInIndex.Add(image);
                }
                else if (existing != image)
                {
                    Reconcile(existing, image);
                }
            }
        }

        foreach (ArchiveImage image in onlyInIndex)
        {
            if (DockerManifest is not null)
            {
                AddProblem(ProblemSeverity.Error, ErrorCodes.InvalidArchive, IndexJson, $"image {image.ShortId} is in index.json but not in manifest.json");
            }

            _images.Add(image);
        }

        foreach (ArchiveImage image in _images)
        {
            if (!seen.TryGetValue(image.Id, out var found))
            {
                if (!index.Value.ManifestsWasNull)
                {
                    AddProblem(ProblemSeverity.Error, ErrorCodes.InvalidArchive, ManifestJson, $"image {image.ShortId} is in manifest.json but not in index.json");
                }

                continue;
            }

            image.RefNames = [.. found.RefNames.Order(StringComparer.Ordinal)];
            if (image.DockerManifestIndex is null)
            {
                image.RepoTags = [.. found.Names];
            }
            else if (found.Names.Count > 0 && !found.Names.SetEquals(image.RepoTags))
            {
                AddProblem(ProblemSeverity.Error, ErrorCodes.InvalidArchive, IndexJson,
                    $"image {image.ShortId} is tagged [{string.Join(", ", found.Names.Order(StringComparer.Ordinal))}] in index.json but [{string.Join(", ", image.RepoTags)}] in manifest.json");
            }
        }
    }

    /// <summary>An image named by both manifest.json and index.json: keep the manifest, compare the layers.</summary>
    private void Reconcile(ArchiveImage fromDockerManifest, ArchiveImage fromIndex)
    {
        fromDockerManifest.Manifest ??= fromIndex.Manifest;
        if (fromDockerManifest.Layers.Count != fromIndex.Layers.Count)
        {
            AddProblem(ProblemSeverity.Error, ErrorCodes.InvalidArchive, IndexJson,
                $"image {fromIndex.ShortId} has {fromIndex.Layers.Count} layers in its OCI manifest but {fromDockerManifest.Layers.Count} in manifest.json");
            return;
        }

        for (int i = 0; i < fromIndex.Layers.Count; i++)
        {
            ArchiveLayer a = fromDockerManifest.Layers[i];
            ArchiveLayer b = fromIndex.Layers[i];
            if (a.ResolvedEntry != b.ResolvedEntry)
            {
                AddProblem(ProblemSeverity.Error, ErrorCodes.InvalidArchive, IndexJson,
                    $"image {fromIndex.ShortId} layer {i} is {b.Entry} in its OCI manifest but {a.Entry} in manifest.json");
            }
        }
    }

    private void CountVisit(string subject)
    {
        IndexGraphVisits++;
        if (IndexGraphVisits > Options.Limits.MaxIndexGraphVisits)
        {
            throw new LimitExceededException(subject, nameof(ImageFormatLimits.MaxIndexGraphVisits), Options.Limits.MaxIndexGraphVisits, IndexGraphVisits);
        }
    }

    /// <summary>
    /// The images and artifacts a descriptor leads to, each once. A node is read and walked once, by digest,
    /// however many indexes name it: its result is kept and reused, so shared subgraphs cost one walk.
    /// </summary>
    private List<object> Walk(Descriptor descriptor, string parent, int depth, int siblings)
    {
        if (_walked.TryGetValue(descriptor.Digest, out List<object>? done))
        {
            return done;
        }

        string blobPath = BlobPath(descriptor.Digest);
        if (!_walking.Add(descriptor.Digest))
        {
            AddProblem(ProblemSeverity.Error, ErrorCodes.InvalidArchive, blobPath, $"named by {parent}, which it leads back to: the index graph has a cycle");
            return [];
        }

        try
        {
            CountVisit(blobPath);
            var result = new List<object>();
            WalkDescriptor(descriptor, blobPath, parent, depth, siblings, result);
            _walked[descriptor.Digest] = result;
            return result;
        }
        finally
        {
            _walking.Remove(descriptor.Digest);
        }
    }

    private static string BlobPath(Digest digest) => $"blobs/{digest.Algorithm.Name()}/{digest.Encoded}";

    private void WalkDescriptor(Descriptor descriptor, string blobPath, string parent, int depth, int siblings, List<object> found)
    {
        if (!_storage.TryResolve(blobPath, out ArchiveFile file, out string? problem))
        {
            // A multi-platform index that keeps only some platforms' blobs is normal (containerd exports).
            if (siblings <= 1 || depth == 0)
            {
                AddProblem(ProblemSeverity.Error, ErrorCodes.InvalidArchive, blobPath, $"{descriptor.MediaType} named by {parent}: {problem}");
            }

            return;
        }

        byte[] bytes = ReadDocument(file);
        CheckDescriptor(descriptor, bytes, blobPath);
        if (MediaTypes.IsIndex(descriptor.MediaType))
        {
            if (depth + 1 > Options.Limits.MaxIndexDepth)
            {
                throw new LimitExceededException(blobPath, nameof(ImageFormatLimits.MaxIndexDepth), Options.Limits.MaxIndexDepth, depth + 1);
            }

            RawDocument<ImageIndex> nested = ImageDocuments.ParseIndex(bytes, blobPath, Options.Limits);
            var children = new HashSet<Digest>();
            var added = new HashSet<object>(ReferenceEqualityComparer.Instance);
            foreach (Descriptor child in nested.Value.Manifests)
            {
                CountVisit(blobPath);
                if (!children.Add(child.Digest))
                {
                    continue;
                }

                foreach (object node in Walk(child, blobPath, depth + 1, nested.Value.Manifests.Count))
                {
                    if (added.Add(node))
                    {
                        found.Add(node);
                    }
                }
            }

            return;
        }

        if (!MediaTypes.IsManifest(descriptor.MediaType))
        {
            AddProblem(ProblemSeverity.Warning, ErrorCodes.InvalidArchive, blobPath, $"named by {parent} with media type \"{descriptor.MediaType}\", which is neither an image manifest nor an index; skipped");
            return;
        }

        RawDocument<ImageManifest> manifest = ImageDocuments.ParseManifest(bytes, blobPath, Options.Limits);
        if (ArtifactKinds.IsArtifact(descriptor, manifest.Value))
        {
            found.Add(ReadArtifact(descriptor, manifest, blobPath));
            return;
        }

        Descriptor configDescriptor = manifest.Value.Config;
        string configPath = BlobPath(configDescriptor.Digest);
        if (!_storage.TryResolve(configPath, out ArchiveFile configFile, out string? configProblem))
        {
            AddProblem(ProblemSeverity.Error, ErrorCodes.InvalidArchive, configPath, $"config named by {blobPath}: {configProblem}");
            return;
        }

        byte[] configBytes = ReadDocument(configFile);
        CheckDescriptor(configDescriptor, configBytes, configPath);
        RawDocument<ImageConfig> config = ImageDocuments.ParseConfig(configBytes, configPath, Options.Limits);
        if (manifest.Value.Layers.Count > Options.Limits.MaxLayerCount)
        {
            throw new LimitExceededException(blobPath, nameof(ImageFormatLimits.MaxLayerCount), Options.Limits.MaxLayerCount, manifest.Value.Layers.Count);
        }

        IReadOnlyList<Digest> diffIds = config.Value.RootFs.DiffIds;
        var layers = new List<ArchiveLayer>(manifest.Value.Layers.Count);
        for (int i = 0; i < manifest.Value.Layers.Count; i++)
        {
            Descriptor layer = manifest.Value.Layers[i];
            string layerPath = BlobPath(layer.Digest);
            ArchiveFile? layerFile = null;
            if (_storage.TryResolve(layerPath, out ArchiveFile resolved, out string? layerProblem))
            {
                layerFile = resolved;
            }
            else if (!(layer.Urls is { Count: > 0 } || MediaTypes.IsNondistributableLayer(layer.MediaType)))
            {
                AddProblem(ProblemSeverity.Error, ErrorCodes.InvalidArchive, layerPath, $"layer {i} named by {blobPath}: {layerProblem}");
            }

            layers.Add(new ArchiveLayer(_storage, Options.Limits, i, layerPath, layerFile, i < diffIds.Count ? diffIds[i] : default, layer.Digest, layer.Size, layer.MediaType));
        }

        if (layers.Count != diffIds.Count)
        {
            AddProblem(ProblemSeverity.Error, ErrorCodes.InvalidArchive, blobPath, $"lists {layers.Count} layers but config {config.Digest.ShortId} has {diffIds.Count} diff_ids");
        }

        found.Add(new ArchiveImage(config, configFile.Name, layers) { Manifest = manifest });
    }

    /// <summary>An artifact's manifest with its config and layer blobs, which are located here and hashed by the verifier.</summary>
    private ArchiveArtifact ReadArtifact(Descriptor descriptor, RawDocument<ImageManifest> manifest, string blobPath)
    {
        if (manifest.Value.Layers.Count > Options.Limits.MaxLayerCount)
        {
            throw new LimitExceededException(blobPath, nameof(ImageFormatLimits.MaxLayerCount), Options.Limits.MaxLayerCount, manifest.Value.Layers.Count);
        }

        var blobs = new List<ArchiveBlob>(manifest.Value.Layers.Count + 1);
        foreach ((Descriptor blob, string role) in manifest.Value.Layers.Select((l, i) => (l, $"layer {i}")).Prepend((manifest.Value.Config, "config")))
        {
            string path = BlobPath(blob.Digest);
            if (_storage.TryResolve(path, out ArchiveFile file, out string? problem))
            {
                blobs.Add(new ArchiveBlob(_storage, blob, path, file));
                continue;
            }

            // An empty config may be given inline only (its "data"), and foreign blobs live elsewhere.
            if (!(blob.Data is not null || blob.Urls is { Count: > 0 } || MediaTypes.IsNondistributableLayer(blob.MediaType)))
            {
                AddProblem(ProblemSeverity.Error, ErrorCodes.InvalidArchive, path, $"{role} of artifact {manifest.Digest.ShortId} named by {blobPath}: {problem}");
            }

            blobs.Add(new ArchiveBlob(_storage, blob, path, null));
        }

        return new ArchiveArtifact(descriptor, manifest, blobs);
    }

    private void CheckDescriptor(Descriptor descriptor, byte[] bytes, string path)
    {
        if (descriptor.Size != bytes.Length)
        {
            AddProblem(ProblemSeverity.Error, ErrorCodes.SizeMismatch, path, $"descriptor declares {descriptor.Size} bytes, the blob has {bytes.Length}");
        }

        Digest actual = Digest.Compute(bytes, descriptor.Digest.Algorithm);
        if (!actual.FixedTimeEquals(descriptor.Digest))
        {
            AddProblem(ProblemSeverity.Error, ErrorCodes.DigestMismatch, path, $"expected {descriptor.Digest}, content hashes to {actual}");
        }
    }

    /// <summary>Closes the archive and deletes any temporary file it used.</summary>
    public void Dispose() => _storage.Dispose();
}
