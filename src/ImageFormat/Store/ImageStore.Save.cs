using ImageFormat.Archives.Writers;
using ImageFormat.Compression;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Progress;
using ImageFormat.References;

namespace ImageFormat.Store;

public sealed partial class ImageStore
{
    /// <summary>
    /// The images <c>docker save</c> would write for these names: a reference saves that tag, a repository name
    /// alone every tag of it, an ID the image untagged; the parent link is kept when the parent is saved too.
    /// Layers come as stored (the compressed original when one was loaded, unless <paramref name="format"/> is
    /// <see cref="ArchiveFormat.Legacy"/>), so the archive reproduces their digests.
    /// </summary>
    /// <param name="names">References, repository names, full or short IDs.</param>
    /// <param name="format">The archive format they will be written in.</param>
    /// <returns>The images, in the order named (each once).</returns>
    /// <exception cref="NotFoundException">A name matches nothing.</exception>
    /// <exception cref="InvalidReferenceException">A name is not a valid reference.</exception>
    public IReadOnlyList<ImageToWrite> ImagesToSave(IReadOnlyList<string> names, ArchiveFormat format = ArchiveFormat.Docker)
    {
        ArgumentNullException.ThrowIfNull(names);
        var order = new List<Digest>();
        var tags = new Dictionary<Digest, List<ImageReference>>();
        void Add(Digest id, ImageReference? tag)
        {
            if (!tags.TryGetValue(id, out List<ImageReference>? list))
            {
                tags[id] = list = [];
                order.Add(id);
            }

            if (tag?.Tag is not null && !list.Contains(tag))
            {
                list.Add(tag);
            }
        }

        foreach (string name in names)
        {
            if (ImageReference.TryParse(name, out ImageReference? reference, out _) && reference.Tag is null && reference.Digest is null)
            {
                List<(ImageReference Ref, Digest Id)> all = [.. _state.References
                    .Select(p => (Ref: ImageReference.Parse(p.Key), Id: p.Value))
                    .Where(p => p.Ref.Name == reference.Name && p.Ref.Tag is not null)];
                if (all.Count > 0)
                {
                    foreach ((ImageReference r, Digest id) in all)
                    {
                        Add(id, r);
                    }

                    continue;
                }
            }

            Digest resolved = Resolve(_state, name, out ImageSpecifier specifier);
            Add(resolved, specifier.IsIdPrefixOf(resolved) ? null : specifier.Reference?.WithDefaultTag());
        }

        var images = new List<ImageToWrite>();
        foreach (Digest id in order)
        {
            StoreImage image = _state.Images[id];
            var layers = new List<LayerToWrite>();
            Digest chain = default;
            foreach (Digest diffId in image.DiffIds)
            {
                chain = ChainId.Next(chain, diffId);
                StoreLayer layer = _state.Layers[chain];
                if (format != ArchiveFormat.Legacy && layer.CompressedDigest is { } compressed)
                {
                    CompressionFormat compression = CompressionFormatOf(compressed, layer.CompressedMediaType);
                    layers.Add(new LayerToWrite(() => _backing.OpenBlob(compressed), compressed, _backing.BlobSize(compressed), diffId, compression, layer.CompressedMediaType) { Trusted = !_options.VerifyBlobsOnSave });
                }
                else
                {
                    layers.Add(new LayerToWrite(() => _backing.OpenBlob(diffId), diffId, layer.TarSize, diffId, CompressionFormat.None) { Trusted = !_options.VerifyBlobsOnSave });
                }
            }

            images.Add(new ImageToWrite(ReadConfigDocument(id), layers)
            {
                Tags = tags[id],
                Parent = image.Parent is { } p && tags.ContainsKey(p) ? p : null,
            });
        }

        return images;
    }

    /// <summary>
    /// <c>docker save -o</c>: writes the images <see cref="ImagesToSave"/> finds for <paramref name="names"/> as an
    /// archive file, atomically (see <see cref="ArchiveWriter.WriteFile"/>).
    /// </summary>
    /// <param name="names">References, repository names, full or short IDs.</param>
    /// <param name="path">The archive file to create or replace.</param>
    /// <param name="format">The archive format.</param>
    /// <exception cref="ArgumentNullException"><paramref name="names"/> or <paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, <paramref name="names"/> is empty, or <paramref name="format"/> is <see cref="ArchiveFormat.OciLayout"/>.</exception>
    /// <exception cref="NotFoundException">A name matches nothing.</exception>
    /// <exception cref="InvalidReferenceException">A name is not a valid reference.</exception>
    /// <exception cref="ImageFormatException">A stored blob does not match its digest.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public void Save(IReadOnlyList<string> names, string path, ArchiveFormat format = ArchiveFormat.Docker)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArchiveWriter.WriteFile(ImagesToSave(names, format), path, new ArchiveWriterOptions { Format = format });
    }

    /// <summary>
    /// <c>docker save -o</c>, as <see cref="Save"/> does (the same writer core, the same bytes), with asynchronous
    /// reads of the store's blobs and writes of the archive. When cancelled, nothing is left at
    /// <paramref name="path"/> (a file that was there is kept).
    /// </summary>
    /// <param name="names">References, repository names, full or short IDs.</param>
    /// <param name="path">The archive file to create or replace.</param>
    /// <param name="format">The archive format.</param>
    /// <param name="progress">Receives <see cref="ImageProgressPhase.Writing"/> reports: one item per file of the archive, bytes read from the store's blobs; none unless given.</param>
    /// <param name="cancellationToken">Stops the save.</param>
    /// <returns>A task that completes when the archive is in place.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="names"/> or <paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, <paramref name="names"/> is empty, or <paramref name="format"/> is <see cref="ArchiveFormat.OciLayout"/>.</exception>
    /// <exception cref="NotFoundException">A name matches nothing.</exception>
    /// <exception cref="InvalidReferenceException">A name is not a valid reference.</exception>
    /// <exception cref="ImageFormatException">A stored blob does not match its digest.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task SaveAsync(IReadOnlyList<string> names, string path, ArchiveFormat format = ArchiveFormat.Docker, IProgress<ImageProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return ArchiveWriter.WriteFileAsync(ImagesToSave(names, format), path, new ArchiveWriterOptions { Format = format }, null, progress, cancellationToken);
    }

    private CompressionFormat CompressionFormatOf(Digest blob, string? mediaType)
    {
        if (mediaType is not null && (mediaType.EndsWith("gzip", StringComparison.Ordinal) || mediaType.EndsWith("zstd", StringComparison.Ordinal)))
        {
            return mediaType.EndsWith("gzip", StringComparison.Ordinal) ? CompressionFormat.Gzip : CompressionFormat.Zstd;
        }

        using Stream stream = _backing.OpenBlob(blob);
        return CompressionDetector.Detect(stream);
    }
}
