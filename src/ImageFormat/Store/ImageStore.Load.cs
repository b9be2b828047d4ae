using ImageFormat.Archives;
using ImageFormat.Compression;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Images;
using ImageFormat.Model;
using ImageFormat.Progress;
using ImageFormat.References;
using ImageFormat.Tar;

namespace ImageFormat.Store;

public sealed partial class ImageStore
{
    /// <summary>
    /// <c>docker load</c>: copies every image of an archive (any dialect <see cref="ImageArchive"/> reads) into the
    /// store, verifying each layer's DiffID while copying, tags the images as the archive does, and restores parent
    /// links from <c>manifest.json</c>'s <c>Parent</c> when the parent is in the same archive. All or nothing: a
    /// failure leaves the store as it was.
    /// </summary>
    /// <param name="archive">The opened archive.</param>
    /// <returns>Docker's output lines and the loaded image IDs.</returns>
    /// <exception cref="ImageFormatException">A layer is missing or does not hash to its DiffID, or the archive is invalid.</exception>
    /// <exception cref="NotAnImageException">The archive holds artifacts (signatures, attestations, charts...) and no image.</exception>
    /// <exception cref="IOException">The store cannot be written.</exception>
    public LoadResult Load(ImageArchive archive)
    {
        CheckLoadable(archive);
        return LoadCore([.. archive.Images], null, CancellationToken.None);
    }

    /// <summary>
    /// <c>docker load</c>, as <see cref="Load(ImageArchive)"/> does (the same core, the same records and blobs).
    /// Copying a layer decompresses and hashes it (CPU work) into the store's files: the core runs on a
    /// thread-pool thread and observes the token on every read of a layer. All or nothing: a cancelled or failed
    /// load leaves the store as it was (no record, no reference, and the blobs it wrote are deleted).
    /// </summary>
    /// <param name="archive">The opened archive.</param>
    /// <param name="progress">Receives <see cref="ImageProgressPhase.Loading"/> reports: one item per layer of each image, stored bytes read (a layer the store already holds counts as done at once); none unless given.</param>
    /// <param name="cancellationToken">Stops the load.</param>
    /// <returns>Docker's output lines and the loaded image IDs.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="archive"/> is <see langword="null"/>.</exception>
    /// <exception cref="ImageFormatException">A layer is missing or does not hash to its DiffID, or the archive is invalid.</exception>
    /// <exception cref="NotAnImageException">The archive holds artifacts (signatures, attestations, charts...) and no image.</exception>
    /// <exception cref="IOException">The store cannot be written.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The overloads differ in their first parameter (an archive or images), so no call can bind to both.")]
    public Task<LoadResult> LoadAsync(ImageArchive archive, IProgress<ImageProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        CheckLoadable(archive);
        return SyncCore.Offload(() => LoadCore([.. archive.Images], progress, cancellationToken), cancellationToken);
    }

    /// <summary>Opens an archive file (or layout directory) and loads it, as <see cref="LoadAsync(ImageArchive, IProgress{ImageProgress}?, CancellationToken)"/> does.</summary>
    /// <param name="path">The archive.</param>
    /// <param name="progress">Receives <see cref="ImageProgressPhase.Loading"/> reports; none unless given.</param>
    /// <param name="cancellationToken">Stops the load.</param>
    /// <returns>Docker's output lines and the loaded image IDs.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ImageFormatException">The archive is invalid or a layer does not verify.</exception>
    /// <exception cref="IOException">A file cannot be read or written.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task<LoadResult> LoadFileAsync(string path, IProgress<ImageProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        return SyncCore.Offload(
            () =>
            {
                using ImageArchive archive = ImageArchive.OpenFile(path, new ImageArchiveOptions { Limits = _options.Limits });
                CheckLoadable(archive);
                return LoadCore([.. archive.Images], progress, cancellationToken);
            },
            cancellationToken);
    }

    private static void CheckLoadable(ImageArchive archive)
    {
        ArgumentNullException.ThrowIfNull(archive);
        if (archive.Images.Count == 0 && archive.Artifacts.Count > 0)
        {
            // The store holds images only (as Docker 20.10's does): an archive of nothing but artifacts is refused
            // saying what it holds; artifacts beside images are left out, as Docker's classic store leaves them.
            ArchiveArtifact first = archive.Artifacts[0];
            throw new NotAnImageException(first.Digest.Value, first.Kind, first.ArtifactType);
        }
    }

    /// <summary>
    /// <c>docker load</c> of images from any source (an archive, an OCI layout, another store, a builder): copies
    /// each into the store as <see cref="Load(ImageArchive)"/> does, verifying each layer's DiffID while copying.
    /// Tags and parents come from archive images (<see cref="ArchiveImage.RepoTags"/>, <see cref="ArchiveImage.Parent"/>)
    /// and from <see cref="Archives.Writers.ImageToWrite"/> (<see cref="Archives.Writers.ImageToWrite.Tags"/>, <see cref="Archives.Writers.ImageToWrite.Parent"/>); other
    /// images are loaded untagged. All or nothing: a failure leaves the store as it was.
    /// </summary>
    /// <param name="images">The images, in order.</param>
    /// <returns>Docker's output lines and the loaded image IDs.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="images"/> or an image is <see langword="null"/>.</exception>
    /// <exception cref="ImageFormatException">A layer is missing or does not hash to its DiffID, or an image is invalid.</exception>
    /// <exception cref="IOException">The store cannot be written.</exception>
    public LoadResult Load(IEnumerable<IContainerImage> images) => LoadCore(CheckImages(images), null, CancellationToken.None);

    /// <summary>
    /// <c>docker load</c> of images from any source, as <see cref="Load(IEnumerable{IContainerImage})"/> does (the
    /// same core, the same records and blobs), on a thread-pool thread that observes the token on every read of a
    /// layer. All or nothing: a cancelled or failed load leaves the store as it was.
    /// </summary>
    /// <param name="images">The images, in order.</param>
    /// <param name="progress">Receives <see cref="ImageProgressPhase.Loading"/> reports: one item per layer of each image; none unless given.</param>
    /// <param name="cancellationToken">Stops the load.</param>
    /// <returns>Docker's output lines and the loaded image IDs.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="images"/> or an image is <see langword="null"/>.</exception>
    /// <exception cref="ImageFormatException">A layer is missing or does not hash to its DiffID, or an image is invalid.</exception>
    /// <exception cref="IOException">The store cannot be written.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The overloads differ in their first parameter (an archive or images), so no call can bind to both.")]
    public Task<LoadResult> LoadAsync(IEnumerable<IContainerImage> images, IProgress<ImageProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        List<IContainerImage> sources = CheckImages(images);
        return SyncCore.Offload(() => LoadCore(sources, progress, cancellationToken), cancellationToken);
    }

    private static List<IContainerImage> CheckImages(IEnumerable<IContainerImage> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        List<IContainerImage> sources = [.. images];
        foreach (IContainerImage source in sources)
        {
            ArgumentNullException.ThrowIfNull(source, nameof(images));
        }

        return sources;
    }

    /// <summary>The one core of every load: <see cref="Load(ImageArchive)"/>, <see cref="Load(IEnumerable{IContainerImage})"/> and the async forms.</summary>
    private LoadResult LoadCore(IReadOnlyList<IContainerImage> sources, IProgress<ImageProgress>? progress, CancellationToken cancellationToken)
    {
        ProgressReporter? reporter = ProgressReporter.Create(progress, ImageProgressPhase.Loading, sources.Sum(i => i.Layers.Count), sources.Sum(i => i.Layers.Sum(l => l.Size)));
        LoadResult loaded = Change(state =>
        {
            using RangeCopies<Digest>? copies = _backing is DirectoryStoreBacking ? StartLayerCopies(state, sources, cancellationToken) : null;
            var lines = new List<string>();
            var ids = new List<Digest>();
            var parentLinks = new List<(Digest Id, Digest? Parent)>();
            string imageIdLines = string.Empty;
            int referenceCount = 0;
            int written = 0;
            foreach (IContainerImage image in sources)
            {
                string configEntry = LoadSources.ConfigEntry(image);
                IReadOnlyList<Digest> diffIds = image.Config.Value.RootFs.DiffIds;
                if (image.Layers.Count != diffIds.Count)
                {
                    throw new InvalidArchiveException(configEntry, $"invalid manifest, layers length mismatch: expected {image.Layers.Count}, got {diffIds.Count}");
                }

                Digest chain = default;
                for (int i = 0; i < diffIds.Count; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    Digest parentChain = chain;
                    chain = ChainId.Next(chain, diffIds[i]);
                    IImageLayer layer = image.Layers[i];
                    int item = reporter?.StartItem(diffIds[i].Value) ?? 0;
                    if (!state.Layers.ContainsKey(chain))
                    {
                        if (layer is ArchiveLayer { IsPresent: false } missing)
                        {
                            throw new InvalidArchiveException(missing.Entry, $"layer {i} is missing from the archive");
                        }

                        string entry = LoadSources.Entry(layer);

                        // Not OpenUncompressed(): WriteBlob hashes the tar against its diffID while copying it, once.
                        long before = reporter?.Done ?? 0;
                        written += StoreLayerBlobs(state, () => LayerStreams.OpenUncompressed(layer, verify: false, reporter, cancellationToken, out _), entry, diffIds[i], i, chain, parentChain, copies, reporter, cancellationToken) ? 1 : 0;
                        if (reporter is not null)
                        {
                            // A decompressor may stop before the end of the blob, and a layer of another source
                            // counts nothing while read: what was not counted is done too.
                            reporter.Add(layer.Size - (reporter.Done - before));
                        }

                        if (layer.Compression != CompressionFormat.None)
                        {
                            using Stream stored = ProgressStream.Wrap(layer.OpenBlob(verify: false), null, cancellationToken);
                            (Digest compressed, _) = _backing.WriteBlob(stored, LoadSources.DeclaredDigest(layer), entry);
                            state.Layers[chain] = state.Layers[chain] with { CompressedDigest = compressed, CompressedMediaType = LoadSources.DeclaredMediaType(layer) };
                        }
                    }
                    else
                    {
                        reporter?.Add(layer.Size);
                    }

                    reporter?.EndItem(diffIds[i].Value, item);
                }

                Digest imageId = image.Id;
                if (!_backing.HasBlob(imageId))
                {
                    using var config = new MemoryStream(image.Config.Bytes.ToArray(), writable: false);
                    _backing.WriteBlob(config, imageId, configEntry);
                }

                StoreImage? existing = state.Images.GetValueOrDefault(imageId);
                state.Images[imageId] = new StoreImage
                {
                    Id = imageId,
                    Parent = existing?.Parent,
                    LastTagTime = existing?.LastTagTime,
                    Created = image.Config.Value.Created,
                    DiffIds = diffIds,
                    ChainId = chain,
                };
                ids.Add(imageId);
                imageIdLines += $"Loaded image ID: {imageId}\n";

                // Docker counts tags per image and prints the ID lines only when the last image had none.
                referenceCount = 0;
                foreach (string tag in LoadSources.Tags(image))
                {
                    ImageReference reference = ImageReference.Parse(tag);
                    if (reference.Tag is null)
                    {
                        throw new InvalidArchiveException(configEntry, $"invalid tag \"{tag}\"");
                    }

                    if (state.References.TryGetValue(reference.ToString(), out Digest previous) && previous != imageId)
                    {
                        lines.Add($"The image {reference.FamiliarString()} already exists, renaming the old one with ID {previous} to empty string");
                    }

                    AddReference(state, reference, imageId);
                    lines.Add($"Loaded image: {reference.FamiliarString()}");
                    referenceCount++;
                }

                parentLinks.Add((imageId, LoadSources.Parent(image)));
            }

            foreach ((Digest id, Digest? parent) in parentLinks)
            {
                // Only a parent that is in the same archive (and not the image itself) is linked.
                if (parent is { } p && p != id && parentLinks.Any(l => l.Id == p))
                {
                    if (!IsValidParent(state, id, p))
                    {
                        throw new InvalidArchiveException(null, $"image {p} is not a valid parent for {id}");
                    }

                    state.Images[id] = state.Images[id] with { Parent = p };
                }
            }

            if (referenceCount == 0)
            {
                lines.AddRange(imageIdLines.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            }

            cancellationToken.ThrowIfCancellationRequested();
            return new LoadResult { Lines = lines, ImageIds = ids, LayersWritten = written };
        });
        reporter?.Complete();
        return loaded;
    }

    /// <summary>
    /// Adds an image from its config and layer tars, as <c>commit</c> and <c>import</c> do: layers the store lacks
    /// are read from <paramref name="openLayer"/> (uncompressed tars, verified against the config's DiffIDs).
    /// </summary>
    /// <param name="config">The config blob's exact bytes; its digest becomes the image ID.</param>
    /// <param name="openLayer">Opens the uncompressed tar of a layer, by DiffID, for layers not yet stored.</param>
    /// <param name="parent">The parent image, if any.</param>
    /// <param name="tag">A reference to point at the image, if any.</param>
    /// <returns>The image ID.</returns>
    /// <exception cref="ImageFormatException">The config is invalid, a layer does not hash to its DiffID, or the parent does not exist.</exception>
    public Digest AddImage(ReadOnlyMemory<byte> config, Func<Digest, Stream> openLayer, Digest? parent = null, string? tag = null)
    {
        ArgumentNullException.ThrowIfNull(openLayer);
        RawDocument<ImageConfig> document = ImageDocuments.ParseConfig(config, "config", _options.Limits);
        return Change(state =>
        {
            if (parent is { } p && !state.Images.ContainsKey(p))
            {
                throw NoSuchImage(p.Value);
            }

            IReadOnlyList<Digest> diffIds = document.Value.RootFs.DiffIds;
            Digest chain = default;
            for (int i = 0; i < diffIds.Count; i++)
            {
                Digest parentChain = chain;
                chain = ChainId.Next(chain, diffIds[i]);
                if (!state.Layers.ContainsKey(chain))
                {
                    Digest diffId = diffIds[i];
                    StoreLayerBlobs(state, () => openLayer(diffId), diffId.Value, diffId, i, chain, parentChain);
                }
            }

            Digest imageId = document.Digest;
            using (var bytes = new MemoryStream(config.ToArray(), writable: false))
            {
                _backing.WriteBlob(bytes, imageId, "config");
            }

            state.Images[imageId] = new StoreImage
            {
                Id = imageId,
                Parent = parent,
                Created = document.Value.Created,
                DiffIds = diffIds,
                ChainId = chain,
                LastTagTime = tag is null ? null : Now,
            };
            if (tag is not null)
            {
                if (!ImageReference.TryParse(tag, out ImageReference? reference, out string? reason))
                {
                    throw new InvalidReferenceException(tag, reason);
                }

                AddReference(state, reference.WithDefaultTag(), imageId);
            }

            return imageId;
        });
    }

    /// <summary>Points a digest reference (<c>repo@sha256:…</c>) at an image, as a pull records the manifest digest.</summary>
    internal void AddDigestReference(string reference, string image) => Change(state =>
    {
        ImageReference parsed = ImageReference.Parse(reference);
        AddReference(state, parsed, Resolve(state, image, out _));
        return 0;
    });

    /// <summary>Opens an archive file (or layout directory) and loads it.</summary>
    /// <param name="path">The archive.</param>
    /// <returns>Docker's output lines and the loaded image IDs.</returns>
    /// <exception cref="ImageFormatException">The archive is invalid or a layer does not verify.</exception>
    /// <exception cref="IOException">A file cannot be read or written.</exception>
    public LoadResult Load(string path)
    {
        using ImageArchive archive = ImageArchive.OpenFile(path, new ImageArchiveOptions { Limits = _options.Limits });
        return Load(archive);
    }

    /// <summary>Docker's <c>checkValidParent</c>: the child's history is the parent's plus one entry.</summary>
    private bool IsValidParent(StoreState state, Digest child, Digest parent)
    {
        IReadOnlyList<HistoryEntry> childHistory = ReadConfigDocument(child).Value.History;
        IReadOnlyList<HistoryEntry> parentHistory = ReadConfigDocument(parent).Value.History;
        if (childHistory.Count == 0 && parentHistory.Count == 0)
        {
            return true;
        }

        if (childHistory.Count - parentHistory.Count != 1)
        {
            return false;
        }

        for (int i = 0; i < parentHistory.Count; i++)
        {
            HistoryEntry a = parentHistory[i];
            HistoryEntry b = childHistory[i];
            if (a.Created != b.Created || a.Author != b.Author || a.CreatedBy != b.CreatedBy || a.Comment != b.Comment || (a.EmptyLayer ?? false) != (b.EmptyLayer ?? false))
            {
                return false;
            }
        }

        _ = state;
        return true;
    }

    private RawDocument<ImageConfig> ReadConfigDocument(Digest imageId)
    {
        using Stream stream = _backing.OpenBlob(imageId);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return ImageDocuments.ParseConfig(buffer.ToArray(), imageId.Value, _options.Limits);
    }

    /// <summary>
    /// The uncompressed layer tars of <paramref name="sources"/> that the load will store and that are byte ranges of
    /// a file (an uncompressed archive, a layout): copied from that file and hashed against their DiffIDs on the other
    /// cores beside the copy. Anything this cannot judge without reading (a missing or unreadable blob, a layer over
    /// the size limit, a config that does not match its layers) is left to the streaming path, which reports it in order.
    /// </summary>
    private RangeCopies<Digest> StartLayerCopies(StoreState state, IReadOnlyList<IContainerImage> sources, CancellationToken cancellationToken)
    {
        var candidates = new List<RangeCandidate<Digest>>();
        foreach (IContainerImage image in sources)
        {
            IReadOnlyList<Digest> diffIds = image.Config.Value.RootFs.DiffIds;
            if (image.Layers.Count != diffIds.Count)
            {
                continue;
            }

            IReadOnlyList<Digest> chains = ChainId.Compute(diffIds);
            for (int i = 0; i < diffIds.Count; i++)
            {
                IImageLayer layer = image.Layers[i];
                if (state.Layers.ContainsKey(chains[i]) || _backing.HasBlob(diffIds[i]) || layer is ArchiveLayer { IsPresent: false } || layer.Size > _options.Limits.MaxLoadLayerBytes)
                {
                    continue;
                }

                try
                {
                    if (layer.Compression != CompressionFormat.None)
                    {
                        continue;
                    }
                }
                catch (ImageFormatException)
                {
                    continue;
                }

                candidates.Add(new RangeCandidate<Digest>(diffIds[i], OpenStored, diffIds[i], -1, $"layer {i} ({LoadSources.Entry(layer)}): invalid diffID"));

                Stream OpenStored(out bool unverified)
                {
                    unverified = true;
                    return layer.OpenBlob(verify: false);
                }
            }
        }

        return RangeCopies<Digest>.Start(candidates, Environment.ProcessorCount, cancellationToken);
    }

    /// <summary>Stores a layer's uncompressed tar (verified against its DiffID) and, when it came compressed, the original blob.</summary>
    /// <returns>Whether a tar was copied (false when the DiffID's blob was already stored).</returns>
    private bool StoreLayerBlobs(StoreState state, Func<Stream> open, string subject, Digest diffId, int index, Digest chain, Digest parentChain, RangeCopies<Digest>? copies = null, ProgressReporter? reporter = null, CancellationToken cancellationToken = default)
    {
        bool copied = false;
        RangeCopies<Digest>? copiedFrom = null;
        long tarSize;
        if (copies is not null && copies.Contains(diffId) && !_backing.HasBlob(diffId))
        {
            // Copied from the source file, named only once its hash matched (the same error as the streaming path's).
            tarSize = copies.LengthOf(diffId);
            ((DirectoryStoreBacking)_backing).WriteBlobFile(
                diffId,
                file => copies.CopyTo(diffId, file, reporter is null ? null : reporter.Add, cancellationToken),
                () => copies.Verified(diffId).GetAwaiter().GetResult());
            copied = true;
            copiedFrom = copies;
        }
        else if (!_backing.HasBlob(diffId))
        {
            using Stream tar = new IO.LimitedReadStream(open(), _options.Limits.MaxLoadLayerBytes, nameof(ImageFormatLimits.MaxLoadLayerBytes), $"layer {index} ({subject})");
            try
            {
                (_, tarSize) = _backing.WriteBlob(tar, diffId, subject);
            }
            catch (DigestMismatchException e)
            {
                throw new DigestMismatchException($"layer {index} ({subject}): invalid diffID", diffId, e.Actual);
            }

            copied = true;
        }
        else
        {
            tarSize = _backing.BlobSize(diffId);
        }

        // The headers are read where the bytes are in the page cache: a blob copied with direct I/O is not.
        long size = state.Layers.Values.FirstOrDefault(l => l.DiffId == diffId)?.Size
            ?? ContentSize(copiedFrom?.OpenSource(diffId) ?? _backing.OpenBlob(diffId));
        state.Layers[chain] = new StoreLayer
        {
            ChainId = chain,
            DiffId = diffId,
            Parent = parentChain.IsEmpty ? null : parentChain,
            Size = size,
            TarSize = tarSize,
        };
        return copied;
    }

    /// <summary>The total size of a layer's regular files, read from the headers of its tar, <paramref name="blob"/>
    /// (data is skipped), which this disposes.</summary>
    private long ContentSize(Stream blob)
    {
        long total = 0;
        using var reader = new TarEntryReader(blob, leaveOpen: false, _options.Limits);
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.Type is TarEntryKind.RegularFile or TarEntryKind.ContiguousFile)
            {
                total += entry.Size;
            }
        }

        return total;
    }
}
