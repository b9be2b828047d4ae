using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Model;

namespace ImageFormat.Archives;

/// <summary>
/// Walking OCI indexes (OCI image-spec, <c>image-layout.md</c> and <c>image-index.md</c>): the <c>oci-layout</c>
/// header, <c>index.json</c> and the indexes it nests, each node read once by digest within
/// <see cref="ImageFormatLimits.MaxIndexGraphVisits"/>; the images and artifacts they lead to, named by their
/// annotations, and reconciled with <c>manifest.json</c> when the archive has both.
/// </summary>
public sealed partial class ImageArchive
{
    // The index graph walk, memoised by digest: what each index or manifest leads to (images and artifacts),
    // and the nodes being walked (a cycle is reported, not followed).
    private readonly Dictionary<Digest, List<object>> _walked = [];
    private readonly HashSet<Digest> _walking = [];

    private void ReadOciLayout(ArchiveFile indexFile)
    {
        CheckOciLayoutHeader();
        RawDocument<ImageIndex> index = ImageDocuments.ParseIndex(ReadDocument(indexFile), IndexJson, Options.Limits);
        Index = index;
        if (index.Value.ManifestsWasNull)
        {
            AddProblem(ProblemSeverity.Warning, ErrorCodes.InvalidDocument, IndexJson, "\"manifests\" is null (written by Docker Engine 25.0.0 to 25.0.2); the images are read from manifest.json");
        }

        var seen = new Dictionary<Digest, IndexNames>();
        var onlyInIndex = new List<ArchiveImage>();
        foreach (Descriptor descriptor in index.Value.Manifests)
        {
            (List<string> names, List<string> refNames) = AnnotatedNames(descriptor);
            CountVisit(IndexJson);
            foreach (object node in Walk(descriptor, IndexJson, depth: 0, siblings: index.Value.Manifests.Count))
            {
                if (node is ArchiveArtifact artifact)
                {
                    AddIndexedArtifact(artifact, descriptor, names, refNames);
                }
                else
                {
                    AddIndexedImage((ArchiveImage)node, names, refNames, seen, onlyInIndex);
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

        ApplyIndexNames(seen, index.Value.ManifestsWasNull);
    }

    /// <summary>The <c>oci-layout</c> file: missing or of another version is a warning, unreadable an error.</summary>
    private void CheckOciLayoutHeader()
    {
        if (!TryResolve(OciLayoutFile, out ArchiveFile layoutFile))
        {
            AddProblem(ProblemSeverity.Warning, ErrorCodes.InvalidArchive, OciLayoutFile, "missing: index.json without an oci-layout file is not an OCI image layout");
            return;
        }

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

    /// <summary>
    /// The names a descriptor of <c>index.json</c> gives what it leads to: containerd's image name annotation is a
    /// tag; the OCI ref name is a ref name, and also a tag when it is a whole reference (skopeo and crane write
    /// one).
    /// </summary>
    private static (List<string> Names, List<string> RefNames) AnnotatedNames(Descriptor descriptor)
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
                if (refName.Contains(':', StringComparison.Ordinal) || refName.Contains('/', StringComparison.Ordinal))
                {
                    names.Add(refName);
                }
            }
        }

        return (names, refNames);
    }

    /// <summary>An artifact found from <c>index.json</c>, listed once; the names of the descriptor that names it
    /// directly are its names.</summary>
    private void AddIndexedArtifact(ArchiveArtifact artifact, Descriptor descriptor, List<string> names, List<string> refNames)
    {
        if (!_artifacts.Contains(artifact))
        {
            _artifacts.Add(artifact);
        }

        if (artifact.Digest == descriptor.Digest)
        {
            artifact.Names = [.. artifact.Names.Union(refNames.Concat(names), StringComparer.Ordinal)];
        }
    }

    /// <summary>An image found from <c>index.json</c>: its names are collected by image ID, and it is either
    /// already known (from <c>manifest.json</c>, and reconciled with it) or new.</summary>
    private void AddIndexedImage(ArchiveImage image, List<string> names, List<string> refNames, Dictionary<Digest, IndexNames> seen, List<ArchiveImage> onlyInIndex)
    {
        if (!seen.TryGetValue(image.Id, out IndexNames? found))
        {
            found = new IndexNames();
            seen[image.Id] = found;
        }

        found.Names.UnionWith(NormaliseTags(names, IndexJson));
        found.RefNames.UnionWith(refNames);
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

    /// <summary>Gives every image the names <c>index.json</c> gives it: ref names always, tags when
    /// <c>manifest.json</c> did not list the image (else the two must agree).</summary>
    private void ApplyIndexNames(Dictionary<Digest, IndexNames> seen, bool manifestsWasNull)
    {
        foreach (ArchiveImage image in _images)
        {
            if (!seen.TryGetValue(image.Id, out IndexNames? found))
            {
                if (!manifestsWasNull)
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

        string blobPath = BlobPath.Of(descriptor.Digest);
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

    /// <summary>
    /// One node of the index graph: an index is walked further, an image manifest gives an image or an artifact,
    /// anything else is skipped with a warning. A missing blob is an error unless it is one platform of several
    /// (containerd exports keep only some).
    /// </summary>
    private void WalkDescriptor(Descriptor descriptor, string blobPath, string parent, int depth, int siblings, List<object> found)
    {
        if (!_storage.TryResolve(blobPath, out ArchiveFile file, out string? problem))
        {
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
            WalkIndex(bytes, blobPath, depth, found);
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
        }
        else if (ReadManifestImage(manifest, blobPath) is { } image)
        {
            found.Add(image);
        }
    }

    /// <summary>A nested index: each distinct child walked (one level deeper, within
    /// <see cref="ImageFormatLimits.MaxIndexDepth"/>), each image or artifact it leads to added once.</summary>
    private void WalkIndex(byte[] bytes, string blobPath, int depth, List<object> found)
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
    }

    /// <summary>The image an image manifest describes; <see langword="null"/> (and an error) when its config is
    /// missing.</summary>
    private ArchiveImage? ReadManifestImage(RawDocument<ImageManifest> manifest, string blobPath)
    {
        Descriptor configDescriptor = manifest.Value.Config;
        string configPath = BlobPath.Of(configDescriptor.Digest);
        if (!_storage.TryResolve(configPath, out ArchiveFile configFile, out string? configProblem))
        {
            AddProblem(ProblemSeverity.Error, ErrorCodes.InvalidArchive, configPath, $"config named by {blobPath}: {configProblem}");
            return null;
        }

        byte[] configBytes = ReadDocument(configFile);
        CheckDescriptor(configDescriptor, configBytes, configPath);
        RawDocument<ImageConfig> config = ImageDocuments.ParseConfig(configBytes, configPath, Options.Limits);
        if (manifest.Value.Layers.Count > Options.Limits.MaxLayerCount)
        {
            throw new LimitExceededException(blobPath, nameof(ImageFormatLimits.MaxLayerCount), Options.Limits.MaxLayerCount, manifest.Value.Layers.Count);
        }

        IReadOnlyList<Digest> diffIds = config.Value.RootFs.DiffIds;
        List<ArchiveLayer> layers = ManifestLayers(manifest.Value, diffIds, blobPath);
        if (layers.Count != diffIds.Count)
        {
            AddProblem(ProblemSeverity.Error, ErrorCodes.InvalidArchive, blobPath, $"lists {layers.Count} layers but config {config.Digest.ShortId} has {diffIds.Count} diff_ids");
        }

        return new ArchiveImage(config, configFile.Name, layers) { Manifest = manifest };
    }

    /// <summary>An image manifest's layers paired with the config's diffIDs; a missing blob is an error unless the
    /// layer is foreign (URLs, or a non-distributable media type).</summary>
    private List<ArchiveLayer> ManifestLayers(ImageManifest manifest, IReadOnlyList<Digest> diffIds, string blobPath)
    {
        var layers = new List<ArchiveLayer>(manifest.Layers.Count);
        for (int i = 0; i < manifest.Layers.Count; i++)
        {
            Descriptor layer = manifest.Layers[i];
            string layerPath = BlobPath.Of(layer.Digest);
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

        return layers;
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
            string path = BlobPath.Of(blob.Digest);
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

    /// <summary>The names <c>index.json</c> gives one image, collected over every descriptor that leads to it.</summary>
    private sealed class IndexNames
    {
        public HashSet<string> Names { get; } = new(StringComparer.Ordinal);

        public HashSet<string> RefNames { get; } = new(StringComparer.Ordinal);
    }
}
