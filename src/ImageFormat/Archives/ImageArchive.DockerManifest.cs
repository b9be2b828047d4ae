using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Model;
using ImageFormat.References;

namespace ImageFormat.Archives;

/// <summary>
/// Reading <c>manifest.json</c> as every <c>docker save</c> dialect writes it (legacy <c>&lt;v1id&gt;/layer.tar</c>
/// paths, Engine 25+ <c>blobs/sha256/&lt;hex&gt;</c> paths with <c>LayerSources</c>, skopeo and crane variants),
/// and the legacy <c>repositories</c> file beside it.
/// </summary>
public sealed partial class ImageArchive
{
    private void ReadDockerManifest(ArchiveFile file)
    {
        RawDocument<IReadOnlyList<DockerArchiveManifestEntry>> manifest = ImageDocuments.ParseArchiveManifest(ReadDocument(file), ManifestJson, Options.Limits);
        DockerManifest = manifest;
        for (int i = 0; i < manifest.Value.Count; i++)
        {
            string subject = $"{ManifestJson}[{i}]";
            ArchiveImage image = ReadDockerManifestEntry(manifest.Value[i], i, subject);
            if (_images.Any(x => x.Id == image.Id))
            {
                AddProblem(ProblemSeverity.Warning, ErrorCodes.InvalidArchive, subject, $"image {image.ShortId} is listed more than once");
                continue;
            }

            _images.Add(image);
        }
    }

    /// <summary>One entry of <c>manifest.json</c>: its config (which must exist) and its layers (which may be
    /// missing, a problem, unless their path escapes the archive).</summary>
    private ArchiveImage ReadDockerManifestEntry(DockerArchiveManifestEntry entry, int index, string subject)
    {
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
        List<ArchiveLayer> layers = DockerManifestLayers(entry, diffIds, subject);
        if (entry.Layers.Count != diffIds.Count)
        {
            AddProblem(ProblemSeverity.Error, ErrorCodes.InvalidArchive, subject, $"lists {entry.Layers.Count} layers but config {config.Digest.ShortId} has {diffIds.Count} diff_ids");
        }

        var image = new ArchiveImage(config, configFile.Name, layers)
        {
            DockerManifestIndex = index,
            RepoTags = NormaliseTags(entry.RepoTags ?? [], subject),
        };
        image.Parent = entry.Parent;
        return image;
    }

    /// <summary>The layers an entry lists, paired with the config's diffIDs; a layer's digest is the one its
    /// <c>LayerSources</c> descriptor declares, else the one its blob path names, else unknown.</summary>
    private List<ArchiveLayer> DockerManifestLayers(DockerArchiveManifestEntry entry, IReadOnlyList<Digest> diffIds, string subject)
    {
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

        return layers;
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

        return BlobPath.TryParse(clean, out Digest d) ? d : null;
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
}
