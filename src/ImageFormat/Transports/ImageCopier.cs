using System.Runtime.CompilerServices;
using ImageFormat.Archives;
using ImageFormat.Archives.Writers;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Images;
using ImageFormat.Model;
using ImageFormat.Progress;
using ImageFormat.References;
using ImageFormat.Registry;
using ImageFormat.Store;

namespace ImageFormat.Transports;

/// <summary>
/// skopeo's <c>copy</c> between every transport: a registry, a docker archive, an OCI archive, an OCI layout and the
/// local store. Every source is opened as an <see cref="IContainerImage"/> and every destination takes one, so any
/// pair works; between registries blobs move (or are mounted) without being opened. Blobs are copied verbatim unless
/// <see cref="ImageCopyOptions.DestinationCompression"/> asks otherwise, so digests are kept; every byte read is
/// verified against its digest on the way.
/// </summary>
public static class ImageCopier
{
    /// <summary>Copies an image (or, with <see cref="ImageCopyOptions.All"/>, every platform of an index).</summary>
    /// <param name="source">Where the image is. In <c>oci:</c> and <c>oci-archive:</c>, a name is looked up as a ref name first (skopeo's only lookup), then as a tag, an image ID or a digest.</param>
    /// <param name="destination">
    /// Where to write it. A registry destination without tag gets <c>latest</c>; a docker archive without reference
    /// records the source's tag, if it has one. As with skopeo, <c>oci:DIR:NAME</c> and <c>oci-archive:FILE:NAME</c>
    /// give the image the ref name <c>NAME</c> verbatim and no other name (without <c>NAME</c>, none), and
    /// <c>oci:DIR</c> adds to a layout already there: its <c>index.json</c> keeps what it named, except that a
    /// name given again moves to the new image (the entry that had it stays, unnamed) and an unnamed entry of the
    /// same manifest is replaced. An <c>oci-archive:</c> file is written anew.
    /// </param>
    /// <param name="options">How to copy; <see cref="ImageCopyOptions.Default"/> when <see langword="null"/>.</param>
    /// <param name="progress">
    /// Receives <see cref="ImageProgressPhase.Writing"/> reports (one item per blob written to an archive, layout or
    /// registry) or <see cref="ImageProgressPhase.Loading"/> reports (one item per layer loaded into the store); none
    /// unless given. Between registries the blobs are counted as they are met, so the total grows as the copy goes.
    /// </param>
    /// <param name="cancellationToken">Stops the copy; a destination file or layout is then not created.</param>
    /// <returns>The digests written.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> or <paramref name="destination"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A location is <c>store:</c> and <see cref="ImageCopyOptions.Store"/> is <see langword="null"/>.</exception>
    /// <exception cref="ImageLocationException">The destination cannot hold what is asked (<see cref="ErrorCodes.TransportUnsupported"/>).</exception>
    /// <exception cref="RegistryException">A registry request failed.</exception>
    /// <exception cref="ImageFormatException">The source cannot be read, has no such image, or a blob does not match its digest.</exception>
    /// <exception cref="IOException">A file cannot be read or written.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<ImageCopyResult> CopyAsync(
        ImageLocation source,
        ImageLocation destination,
        ImageCopyOptions? options = null,
        IProgress<ImageProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        options ??= ImageCopyOptions.Default;
        Check(source, destination, options);
        RegistryClient? owned = null;
        RegistryClient Client() => options.Client ?? (owned ??= new RegistryClient(options.RegistryOptions));
        List<IDisposable> opened = [];
        try
        {
            if (source.Transport == ImageTransport.Docker && destination.Transport == ImageTransport.Docker && options.DestinationCompression is null)
            {
                ImageReference from = source.RegistryReference!;
                ImageReference to = destination.RegistryReference!;
                RegistryManifest top = await Client().CopyAsync(
                    RegistryRepository.From(from), ReferenceOf(from), RegistryRepository.From(to), ReferenceOf(to), options.All, options.Platform,
                    BlobReporter.Create(progress, []), cancellationToken).ConfigureAwait(false);
                return new ImageCopyResult(top.Digest, top.Document.Manifest is { } manifest ? [manifest.Value.Config.Digest] : []);
            }

            StrongBox<RawDocument<ImageIndex>?> sourceIndex = new();
            IReadOnlyList<IContainerImage> images = await OpenSourceAsync(source, options, Client, opened, sourceIndex, cancellationToken).ConfigureAwait(false);
            images = Name(images, source, destination);
            return await WriteAsync(images, source, destination, options, Client, sourceIndex.Value, progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            for (int i = opened.Count - 1; i >= 0; i--)
            {
                opened[i].Dispose();
            }

            owned?.Dispose();
        }
    }

    private static void Check(ImageLocation source, ImageLocation destination, ImageCopyOptions options)
    {
        if ((source.Transport == ImageTransport.Store || destination.Transport == ImageTransport.Store) && options.Store is null)
        {
            throw new ArgumentException("A store: location needs ImageCopyOptions.Store.", nameof(options));
        }

        if (options.All && destination.Transport is ImageTransport.DockerArchive or ImageTransport.Store)
        {
            throw new ImageLocationException(ErrorCodes.TransportUnsupported, destination.Text, "cannot hold every platform of an index (--all); copy to docker://, oci: or oci-archive:, or pick one with --platform");
        }

        if (options.DestinationCompression is not null && destination.Transport == ImageTransport.Store)
        {
            throw new ImageLocationException(ErrorCodes.TransportUnsupported, destination.Text, "the store keeps layers as they come; --dest-compress applies to registries, archives and layouts");
        }

        if (options.DestinationCompression is not null && options.All && destination.Transport == ImageTransport.Docker)
        {
            throw new ImageLocationException(ErrorCodes.TransportUnsupported, destination.Text, "--all copies an index verbatim between registries; it cannot be recompressed (--dest-compress)");
        }
    }

    private static string ReferenceOf(ImageReference reference) => reference.Digest?.Value ?? reference.Tag ?? ImageReference.DefaultTag;

    private static async Task<IReadOnlyList<IContainerImage>> OpenSourceAsync(
        ImageLocation source, ImageCopyOptions options, Func<RegistryClient> client, List<IDisposable> opened, StrongBox<RawDocument<ImageIndex>?> sourceIndex, CancellationToken cancellationToken)
    {
        switch (source.Transport)
        {
            case ImageTransport.Docker:
            {
                ImageReference reference = source.RegistryReference!;
                RegistryRepository repository = RegistryRepository.From(reference);
                if (!options.All)
                {
                    return [await client().OpenImageAsync(repository, ReferenceOf(reference), options.Platform, cancellationToken).ConfigureAwait(false)];
                }

                RegistryManifest top = await client().GetManifestAsync(repository, ReferenceOf(reference), cancellationToken).ConfigureAwait(false);
                sourceIndex.Value = top.Document.Index;
                if (top.Document.Index is not { } index)
                {
                    return [await client().OpenImageAsync(top, cancellationToken).ConfigureAwait(false)];
                }

                List<IContainerImage> images = [];
                foreach (Descriptor child in index.Value.Manifests.Where(d => MediaTypes.IsManifest(d.MediaType)))
                {
                    RegistryManifest manifest = await client().GetManifestAsync(repository, child.Digest.Value, cancellationToken).ConfigureAwait(false);
                    images.Add(await client().OpenImageAsync(manifest, cancellationToken).ConfigureAwait(false));
                }

                return images;
            }

            case ImageTransport.Store:
                return [options.Store!.OpenImage(source.Reference!)];
            default:
            {
                ImageArchive archive = source.Transport == ImageTransport.Oci ? ImageArchive.OpenLayout(source.Path!) : ImageArchive.OpenFile(source.Path!);
                opened.Add(archive);
                if (source.Transport == ImageTransport.DockerArchive)
                {
                    return options.All && source.Reference is null ? [.. archive.Images] : [archive.FindImage(source.Reference)];
                }

                // skopeo's oci: and oci-archive: name an image by its ref name alone; a name no image has
                // verbatim is still looked up as a tag, an image ID or a digest. The name may be an index's (or,
                // without one, index.json may hold one index and nothing else): its images, one per platform,
                // are all copied with --all, else the one for --platform or this machine, as from a registry.
                List<ArchiveImage> named = source.Reference is null
                    ? []
                    : [.. archive.Images.Where(i => i.RefNames.Contains(source.Reference, StringComparer.Ordinal))];
                if (options.All)
                {
                    sourceIndex.Value = archive.ReadNamedIndex(source.Reference);
                    return source.Reference is null ? [.. archive.Images] : named.Count > 0 ? named : archive.FindImages(source.Reference);
                }

                Platform platform = options.Platform ?? RegistryClient.HostPlatform;
                return [named.Count > 0 ? ImageArchive.ForPlatform(named, source.Reference, platform) : archive.FindImage(source.Reference, platform)];
            }
        }
    }

    /// <summary>
    /// The tags the destination records: none for <c>oci:</c> and <c>oci-archive:</c> (the writer gives the one image
    /// the location's ref name); otherwise the location's own tag when it has one, else the registry source's tag
    /// for a docker-archive, else the source's own names.
    /// </summary>
    private static IReadOnlyList<IContainerImage> Name(IReadOnlyList<IContainerImage> images, ImageLocation source, ImageLocation destination)
    {
        if (destination.Transport == ImageTransport.Docker)
        {
            return images;
        }

        List<ImageReference>? tags = null;
        if (destination.Transport is ImageTransport.Oci or ImageTransport.OciArchive)
        {
            // Named by the location's ref name alone (ArchiveWriterOptions.RefName), as skopeo names them.
            tags = [];
        }
        else if (destination.Reference is { } name)
        {
            tags = images.Count == 1 ? [ImageReference.Parse(name)] : [];
        }
        else if (source.Transport == ImageTransport.Docker)
        {
            tags = source.RegistryReference is { Tag: not null, Digest: null } from && destination.Transport == ImageTransport.DockerArchive && images.Count == 1 ? [from] : [];
        }

        if (tags is null)
        {
            return images;
        }

        return [.. images.Select(image =>
        {
            ImageToWrite write = ImageToWrite.From(image);
            return new ImageToWrite(write.Config, write.Layers) { Tags = tags, Parent = write.Parent, Manifest = write.Manifest };
        })];
    }

    private static async Task<ImageCopyResult> WriteAsync(
        IReadOnlyList<IContainerImage> images,
        ImageLocation source,
        ImageLocation destination,
        ImageCopyOptions options,
        Func<RegistryClient> client,
        RawDocument<ImageIndex>? sourceIndex,
        IProgress<ImageProgress>? progress,
        CancellationToken cancellationToken)
    {
        List<Digest> ids = [.. images.Select(i => i.Config.Digest)];
        switch (destination.Transport)
        {
            case ImageTransport.Docker:
                return await PushAsync(images, source, destination, options, client(), progress, cancellationToken).ConfigureAwait(false);
            case ImageTransport.Store:
            {
                // The store keeps no manifest: the digest is the source's, as docker pull's "Digest:" line names it.
                LoadResult loaded = await options.Store!.LoadAsync(images, progress, cancellationToken).ConfigureAwait(false);
                return new ImageCopyResult(images[0].ManifestDigest, loaded.ImageIds);
            }

            default:
            {
                Dictionary<Digest, Digest> manifests = [];
                ArchiveWriterOptions writer = new()
                {
                    Format = destination.Transport switch
                    {
                        ImageTransport.DockerArchive => ArchiveFormat.Docker,
                        ImageTransport.OciArchive => ArchiveFormat.OciArchive,
                        _ => ArchiveFormat.OciLayout,
                    },
                    LayerCompression = options.DestinationCompression,
                    TempDirectory = options.TempDirectory,
                    // --all keeps the registry's index, and its digest, as skopeo does.
                    SourceIndex = options.All && sourceIndex is { } index && index.Value.Manifests.All(d => images.Any(i => i.ManifestDigest == d.Digest)) ? sourceIndex : null,
                    RefName = destination.Reference,
                    AddToIndex = destination.Transport == ImageTransport.Oci,
                    ManifestPlanned = (id, manifest) => manifests.TryAdd(id, manifest),
                };
                if (destination.Transport == ImageTransport.Oci)
                {
                    await ArchiveWriter.WriteLayoutAsync(images, destination.Path!, writer, null, progress, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await ArchiveWriter.WriteFileAsync(images, destination.Path!, writer, null, progress, cancellationToken).ConfigureAwait(false);
                }

                // Recompressed layers make a new manifest: the one the writer made (read back, it could not be told
                // from an older manifest of the same image in a layout that already held one).
                return new ImageCopyResult(
                    options.DestinationCompression is null ? writer.SourceIndex?.Digest ?? images[0].ManifestDigest : manifests[ids[0]],
                    ids);
            }
        }
    }

    private static async Task<ImageCopyResult> PushAsync(
        IReadOnlyList<IContainerImage> images,
        ImageLocation source,
        ImageLocation destination,
        ImageCopyOptions options,
        RegistryClient client,
        IProgress<ImageProgress>? progress,
        CancellationToken cancellationToken)
    {
        ImageReference to = destination.RegistryReference!;
        RegistryRepository repository = RegistryRepository.From(to);
        string? mountFrom = source.RegistryReference is { } from && RegistryRepository.From(from) is var fromRepository && fromRepository.Registry == repository.Registry
            ? fromRepository.Name
            : null;
        if (images.Count != 1)
        {
            throw new ImageLocationException(ErrorCodes.TransportUnsupported, destination.Text, $"{images.Count} images to push; a registry reference names one (name one in the source, or copy an index between registries with --all)");
        }

        bool dockerFormat = IsDockerFormat(source, images[0]);
        IContainerImage image = dockerFormat ? AsDockerSchema2(images[0]) : images[0];
        if (options.DestinationCompression is null)
        {
            Digest pushed = await client.PushImageAsync(image, repository, ReferenceOf(to), mountFrom, PushStatusReporter.Start(options.Status, image, mountFrom, BlobReporter.Create(progress, image)), cancellationToken).ConfigureAwait(false);
            return new ImageCopyResult(pushed, [image.Config.Digest]);
        }

        // The new blobs' digests are known only once compressed: stage them in a layout, then push that.
        string staging = System.IO.Path.Combine(options.TempDirectory ?? System.IO.Path.GetTempPath(), "imagefmt-copy-" + Guid.NewGuid().ToString("N"));
        try
        {
            await ArchiveWriter.WriteLayoutAsync([image], staging, new ArchiveWriterOptions { LayerCompression = options.DestinationCompression, TempDirectory = options.TempDirectory }, null, null, cancellationToken).ConfigureAwait(false);
            using ImageArchive layout = ImageArchive.OpenLayout(staging);
            IContainerImage recompressed = dockerFormat ? AsDockerSchema2(layout.Images[0]) : layout.Images[0];
            Digest pushed = await client.PushImageAsync(recompressed, repository, ReferenceOf(to), null, PushStatusReporter.Start(options.Status, recompressed, null, BlobReporter.Create(progress, recompressed)), cancellationToken).ConfigureAwait(false);
            return new ImageCopyResult(pushed, [recompressed.Config.Digest]);
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    /// <summary>
    /// Whether an image comes from Docker's own formats with no manifest of its own: the store, or a
    /// <c>docker save</c> archive without an OCI index. Such an image is pushed as <c>docker push</c> pushes it, with
    /// a Docker schema 2 manifest, as skopeo does from <c>docker-archive:</c>; an image with a stored manifest keeps it
    /// byte for byte (and so its digest).
    /// </summary>
    private static bool IsDockerFormat(ImageLocation source, IContainerImage image) =>
        source.Transport == ImageTransport.Store
        || (source.Transport == ImageTransport.DockerArchive && image is ArchiveImage { Manifest: null });

    /// <summary>The image with a Docker schema 2 manifest over the same config and blobs; itself when a layer has no Docker media type (zstd).</summary>
    internal static IContainerImage AsDockerSchema2(IContainerImage image)
    {
        if (DerivedManifest.BuildDockerSchema2(image.Config, image.Layers) is not { } manifest)
        {
            return image;
        }

        ImageToWrite write = ImageToWrite.From(image);
        return new ImageToWrite(write.Config, write.Layers) { Manifest = manifest, Tags = write.Tags };
    }

    /// <summary>
    /// Docker's per-layer push lines (moby v20.10 <c>distribution/push_v2.go</c>, <c>distribution/xfer/upload.go</c>):
    /// <c>Preparing</c> for every layer, top first, when the push starts, <c>Waiting</c> for each after the fifth (the
    /// engine uploads five at once), then what the registry did with each layer's
    /// blob; layers are named by their diffID's short form. The config blob has no line.
    /// </summary>
    private sealed class PushStatusReporter(IProgress<TransferStatus> status, Dictionary<Digest, List<string>> ids, string? mountFrom, IProgress<BlobProgress>? inner) : IProgress<BlobProgress>
    {
        /// <summary>How many layers Docker 20.10 uploads at once unless told otherwise (<c>max-concurrent-uploads</c>).</summary>
        private const int DockerConcurrentUploads = 5;

        public static IProgress<BlobProgress>? Start(IProgress<TransferStatus>? status, IContainerImage image, string? mountFrom, IProgress<BlobProgress>? inner)
        {
            if (status is null)
            {
                return inner;
            }

            Dictionary<Digest, List<string>> ids = [];
            HashSet<Digest> seen = [];
            List<string> transfers = [];
            foreach (IImageLayer layer in image.Layers.Reverse())
            {
                if (seen.Add(layer.DiffId))
                {
                    string id = layer.DiffId.ShortId;
                    status.Report(new TransferStatus(TransferStatusKind.Preparing, id));
                    (ids.TryGetValue(layer.Digest, out List<string>? list) ? list : ids[layer.Digest] = []).Add(id);
                    transfers.Add(id);
                }
            }

            // The engine starts the first DockerConcurrentUploads uploads; each later one says "Waiting" when queued.
            foreach (string id in transfers.Skip(DockerConcurrentUploads))
            {
                status.Report(new TransferStatus(TransferStatusKind.Waiting, id));
            }

            return new PushStatusReporter(status, ids, mountFrom, inner);
        }

        public void Report(BlobProgress value)
        {
            inner?.Report(value);
            if (value.Result is not { } result || !ids.TryGetValue(value.Digest, out List<string>? layers))
            {
                return;
            }

            foreach (string id in layers)
            {
                status.Report(result switch
                {
                    BlobPushResult.AlreadyPresent => new TransferStatus(TransferStatusKind.LayerAlreadyExists, id),
                    BlobPushResult.Mounted => new TransferStatus(TransferStatusKind.MountedFrom, id, mountFrom),
                    _ => new TransferStatus(TransferStatusKind.Pushed, id),
                });
            }
        }
    }

    /// <summary>Turns a registry's per-blob byte counts into <see cref="ImageProgress"/> over the whole copy.</summary>
    internal sealed class BlobReporter(IProgress<ImageProgress> target, Dictionary<Digest, long> sizes) : IProgress<BlobProgress>
    {
        private readonly Lock _lock = new();
        private readonly Dictionary<Digest, long> _done = [];
        private readonly List<Digest> _order = [.. sizes.Keys];
        private long _total = sizes.Values.Sum();
        private long _reported;

        public static BlobReporter? Create(IProgress<ImageProgress>? progress, IContainerImage image)
        {
            Dictionary<Digest, long> sizes = new() { [image.Config.Digest] = image.Config.Bytes.Length };
            foreach (IImageLayer layer in image.Layers)
            {
                sizes.TryAdd(layer.Digest, layer.Size);
            }

            return Create(progress, sizes);
        }

        public static BlobReporter? Create(IProgress<ImageProgress>? progress, Dictionary<Digest, long> sizes) =>
            progress is null ? null : new BlobReporter(progress, sizes);

        public void Report(BlobProgress value)
        {
            // Reported under the lock, as ProgressReporter does: blobs are copied concurrently, and a report made
            // outside it could reach the caller after a later one, with fewer bytes done.
            lock (_lock)
            {
                if (!sizes.TryGetValue(value.Digest, out long size))
                {
                    size = value.Total;
                    sizes.Add(value.Digest, size);
                    _order.Add(value.Digest);
                    _total += size;
                }

                _done.TryGetValue(value.Digest, out long before);
                long now = Math.Min(Math.Max(before, value.Transferred), size);
                _done[value.Digest] = now;
                _reported += now - before;
                target.Report(new ImageProgress(ImageProgressPhase.Writing, value.Digest.Value, _order.IndexOf(value.Digest), _order.Count, _reported, _total));
            }
        }
    }
}
