using System.Globalization;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Moby;
using ImageFormat.Model;
using ImageFormat.References;

namespace ImageFormat.Store;

public sealed partial class ImageStore
{
    /// <summary>
    /// <c>docker images</c>' rows before formatting, with Docker 20.10's rules: an untagged image is listed as
    /// <c>&lt;none&gt;</c> when it has no children, and an untagged parent only with <paramref name="all"/>.
    /// Ordered newest first (by config <c>created</c>), then by ID. The filters (<c>--filter</c>) have the daemon's semantics (moby v20.10 <c>daemon/images/images.go</c>):
    /// <c>dangling=true|false</c> (with <c>true</c> only images without children and without tags),
    /// <c>reference=PATTERN</c> (Go's <c>path.Match</c> on each reference's familiar form or familiar name; only
    /// matching references are listed, images with none are left out), <c>before=IMAGE</c> and <c>since=IMAGE</c>
    /// (created strictly before or after that image), <c>label=KEY</c> or <c>label=KEY=VALUE</c> (all must hold;
    /// images without a config section never match). Several values of one filter: any reference pattern, every label.
    /// </summary>
    /// <param name="all">Docker's <c>-a</c>: include intermediate (parent) images.</param>
    /// <param name="filters">The filters; none when <see langword="null"/>.</param>
    /// <returns>The summaries.</returns>
    /// <exception cref="ImageFormatException">A filter Docker refuses (<see cref="ErrorCodes.StoreInvalidFilter"/>,
    /// <c>Invalid filter 'foo'</c>, <c>Invalid filter 'dangling=[x]'</c>, <c>syntax error in pattern</c>).</exception>
    /// <exception cref="NotFoundException">The image of <c>before</c> or <c>since</c> does not exist.</exception>
    public IReadOnlyList<ImageSummary> ListImages(bool all = false, DockerFilters? filters = null)
    {
        filters ??= new DockerFilters();
        filters.Validate("dangling", "label", "before", "since", "reference");
        bool danglingOnly = false;
        if (filters.Contains("dangling"))
        {
            IReadOnlyCollection<string> values = filters.Get("dangling");
            danglingOnly = values.Contains("true");
            if (!danglingOnly && !values.Contains("false"))
            {
                throw filters.InvalidValue("dangling");
            }
        }

        // With several values Docker keeps whichever its map yields last; the last in ordinal order here.
        DateTimeOffset? before = filters.Get("before").Select(v => (DateTimeOffset?)Created(_state.Images[Resolve(_state, v, out _)])).LastOrDefault();
        DateTimeOffset? since = filters.Get("since").Select(v => (DateTimeOffset?)Created(_state.Images[Resolve(_state, v, out _)])).LastOrDefault();
        bool byReference = filters.Contains("reference");
        var result = new List<ImageSummary>();
        foreach (StoreImage image in _state.Images.Values)
        {
            bool hasChildren = Children(_state, image.Id).Count > 0;
            if ((danglingOnly && hasChildren)
                || (before is { } b && Created(image) >= b)
                || (since is { } a && Created(image) <= a)
                || (filters.Contains("label") && (ReadConfigDocument(image.Id).Value.Config is not { } config || !filters.MatchLabels("label", config.Labels))))
            {
                continue;
            }

            var tags = new List<string>();
            var digests = new List<string>();
            foreach (ImageReference reference in ReferencesOf(_state, image.Id))
            {
                if (byReference && !filters.Get("reference").Any(p => FamiliarMatch(p, reference)))
                {
                    continue;
                }

                (reference.Digest is not null ? digests : tags).Add(reference.FamiliarString());
            }

            if (tags.Count == 0 && digests.Count == 0)
            {
                if ((!all && hasChildren) || (filters.Contains("dangling") && !danglingOnly) || byReference)
                {
                    continue;
                }

                tags.Add("<none>:<none>");
                digests.Add("<none>@<none>");
            }
            else if (danglingOnly && tags.Count > 0)
            {
                continue;
            }

            result.Add(new ImageSummary { Image = image, RepoTags = tags, RepoDigests = digests, Size = ChainSize(_state, image.ChainId) });
        }

        return [.. result
            .OrderByDescending(s => s.Image.CreatedTime ?? DateTimeOffset.MinValue)
            .ThenBy(s => s.Image.Id.Value, StringComparer.Ordinal)];
    }

    private static DateTimeOffset Created(StoreImage image) => image.CreatedTime ?? DateTimeOffset.MinValue;

    /// <summary>distribution's <c>FamiliarMatch</c>: the pattern against the familiar form, else the familiar name.</summary>
    private static bool FamiliarMatch(string pattern, ImageReference reference)
    {
        try
        {
            return GoText.PathMatch(pattern, reference.FamiliarString()) || GoText.PathMatch(pattern, reference.FamiliarName);
        }
        catch (FormatException e)
        {
            throw DockerFilters.Invalid(e.Message);
        }
    }

    /// <summary>The size of an image: the sizes of the layers of its chain, summed.</summary>
    /// <param name="imageId">The image ID.</param>
    /// <returns>The size in bytes.</returns>
    /// <exception cref="NotFoundException">No such image.</exception>
    public long ImageSize(Digest imageId) =>
        _state.Images.TryGetValue(imageId, out StoreImage? image) ? ChainSize(_state, image.ChainId) : throw NoSuchImage(imageId.Value);

    private static long ChainSize(StoreState state, Digest chainId)
    {
        long size = 0;
        for (Digest current = chainId; !current.IsEmpty && state.Layers.TryGetValue(current, out StoreLayer? layer); current = layer.Parent ?? default)
        {
            size += layer.Size;
        }

        return size;
    }

    /// <summary>
    /// <c>docker history</c>: the image's history entries, newest first, each with the size of the layer it added;
    /// the newest entries are attributed to the image and its parents (by parent link), the rest are <c>&lt;missing&gt;</c>.
    /// </summary>
    /// <param name="name">The image.</param>
    /// <returns>The rows.</returns>
    /// <exception cref="NotFoundException">No such image.</exception>
    /// <exception cref="ImageFormatException">The config has more non-empty history entries than layers.</exception>
    public IReadOnlyList<ImageHistoryItem> History(string name)
    {
        StoreImage image = GetImage(name);
        ImageConfig config = ReadConfigDocument(image.Id).Value;
        var rows = new List<ImageHistoryItem>();
        Digest chain = default;
        int layerIndex = 0;
        foreach (HistoryEntry entry in config.History)
        {
            long size = 0;
            if (entry.EmptyLayer != true)
            {
                if (layerIndex >= image.DiffIds.Count)
                {
                    throw new InvalidDocumentException(image.Id.Value, "too many non-empty layers in History section");
                }

                chain = ChainId.Next(chain, image.DiffIds[layerIndex++]);
                size = _state.Layers.TryGetValue(chain, out StoreLayer? layer) ? layer.Size : 0;
            }

            rows.Insert(0, new ImageHistoryItem
            {
                Id = "<missing>",
                Created = entry.CreatedTime,
                CreatedBy = entry.CreatedBy ?? string.Empty,
                Comment = entry.Comment ?? string.Empty,
                Size = size,
            });
        }

        Digest? current = image.Id;
        for (int i = 0; i < rows.Count && current is { } id && _state.Images.TryGetValue(id, out StoreImage? owner); i++)
        {
            rows[i] = rows[i] with
            {
                Id = id.Value,
                Tags = [.. ReferencesOf(_state, id).Where(r => r.Tag is not null).Select(r => r.FamiliarString())],
            };
            current = owner.Parent;
        }

        return rows;
    }

    /// <summary><c>docker image inspect</c>: the JSON array Docker prints, for the named images.</summary>
    /// <param name="names">The images.</param>
    /// <returns>The JSON text, without a trailing newline.</returns>
    /// <exception cref="NotFoundException">One of them does not exist (Docker's <c>No such image</c>).</exception>
    public string Inspect(IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var subjects = new List<DockerInspect.Subject>();
        foreach (string name in names)
        {
            StoreImage image = GetImage(name);
            List<ImageReference> references = ReferencesOf(_state, image.Id);
            subjects.Add(new DockerInspect.Subject(
                ReadConfigDocument(image.Id),
                [.. references.Where(r => r.Digest is null).Select(r => r.FamiliarString())],
                [.. references.Where(r => r.Digest is not null).Select(r => r.FamiliarString())],
                image.Parent,
                ChainSize(_state, image.ChainId),
                image.LastTagTime?.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture) ?? "0001-01-01T00:00:00Z"));
        }

        return DockerInspect.Format(subjects);
    }

    /// <summary>
    /// The consistency check (<c>imagefmt system check</c>): every reference names an image, every image's config
    /// blob exists and hashes to its ID and declares its DiffIDs, every image's chain exists, every layer's ChainID
    /// follows from its parent and DiffID, every layer is held by something, every blob a record names is present
    /// with its size, and every container's chain exists.
    /// </summary>
    /// <param name="verifyLayerContent">Also hash every layer tar against its DiffID (reads every byte).</param>
    /// <returns>The problems found; empty when the store is consistent.</returns>
    public IReadOnlyList<string> Check(bool verifyLayerContent = false)
    {
        StoreState s = _state;
        var problems = new List<string>();
        foreach ((string reference, Digest id) in s.References)
        {
            if (!s.Images.ContainsKey(id))
            {
                problems.Add($"reference {reference} names image {id}, which is not in the store");
            }
        }

        foreach (StoreImage image in s.Images.Values)
        {
            if (!_backing.HasBlob(image.Id))
            {
                problems.Add($"image {image.Id}: config blob is missing");
            }
            else
            {
                using Stream config = _backing.OpenBlob(image.Id);
                Digest actual = Digest.Compute(config, image.Id.Algorithm);
                if (actual != image.Id)
                {
                    problems.Add($"image {image.Id}: config blob hashes to {actual}");
                }
                else if (!ReadConfigDocument(image.Id).Value.RootFs.DiffIds.SequenceEqual(image.DiffIds))
                {
                    problems.Add($"image {image.Id}: recorded DiffIDs differ from its config's");
                }
            }

            Digest expectedChain = image.DiffIds.Count == 0 ? default : ChainId.Top(image.DiffIds);
            if (expectedChain != image.ChainId)
            {
                problems.Add($"image {image.Id}: recorded chain {image.ChainId} but its DiffIDs give {expectedChain}");
            }

            if (!image.ChainId.IsEmpty && !s.Layers.ContainsKey(image.ChainId))
            {
                problems.Add($"image {image.Id}: layer {image.ChainId} is not in the store");
            }

            if (image.Parent is { } parent && !s.Images.ContainsKey(parent))
            {
                problems.Add($"image {image.Id}: parent {parent} is not in the store");
            }
        }

        Dictionary<Digest, int> counts = s.ReferenceCounts();
        foreach (StoreLayer layer in s.Layers.Values)
        {
            if (ChainId.Next(layer.Parent ?? default, layer.DiffId) != layer.ChainId)
            {
                problems.Add($"layer {layer.ChainId}: ChainID does not follow from parent {layer.Parent} and DiffID {layer.DiffId}");
            }

            if (layer.Parent is { } parent && !s.Layers.ContainsKey(parent))
            {
                problems.Add($"layer {layer.ChainId}: parent layer {parent} is not in the store");
            }

            if (counts.GetValueOrDefault(layer.ChainId) == 0)
            {
                problems.Add($"layer {layer.ChainId}: nothing holds it (reference count 0) but it was not deleted");
            }

            long size = _backing.BlobSize(layer.DiffId);
            if (size < 0)
            {
                problems.Add($"layer {layer.ChainId}: tar blob {layer.DiffId} is missing");
            }
            else if (size != layer.TarSize)
            {
                problems.Add($"layer {layer.ChainId}: tar blob {layer.DiffId} has {size} bytes, recorded {layer.TarSize}");
            }
            else if (verifyLayerContent)
            {
                using Stream tar = _backing.OpenBlob(layer.DiffId);
                Digest actual = Digest.Compute(tar, layer.DiffId.Algorithm);
                if (actual != layer.DiffId)
                {
                    problems.Add($"layer {layer.ChainId}: tar blob hashes to {actual}, not its DiffID {layer.DiffId}");
                }
            }

            if (layer.CompressedDigest is { } compressed && !_backing.HasBlob(compressed))
            {
                problems.Add($"layer {layer.ChainId}: compressed blob {compressed} is missing");
            }
        }

        foreach (StoreContainer container in s.Containers.Values)
        {
            if (!container.ChainId.IsEmpty && !s.Layers.ContainsKey(container.ChainId))
            {
                problems.Add($"container {container.Id}: layer {container.ChainId} is not in the store");
            }

            if (container.RootFsPath is { } rootfs && !Directory.Exists(rootfs))
            {
                problems.Add($"container {container.Id}: root file system directory {rootfs} is missing");
            }
        }

        return problems;
    }
}
