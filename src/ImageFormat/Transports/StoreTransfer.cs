using ImageFormat.Archives.Writers;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Images;
using ImageFormat.Progress;
using ImageFormat.References;
using ImageFormat.Registry;
using ImageFormat.Store;

namespace ImageFormat.Transports;

/// <summary>
/// <c>docker pull</c> and <c>docker push</c> between a registry and the local store, with Docker 20.10's final lines
/// (moby v20.10 <c>distribution/pull_v2.go</c>, <c>distribution/pull.go</c>, <c>distribution/push_v2.go</c>).
/// </summary>
public static class StoreTransfer
{
    /// <summary>
    /// Pulls an image (this machine's platform of an index, or <see cref="ImageCopyOptions.Platform"/>) into the
    /// store and points <paramref name="reference"/> at it; layers the store has are not copied again.
    /// </summary>
    /// <param name="store">The store.</param>
    /// <param name="reference">The image, such as <c>localhost:5000/app:v1</c>; <c>latest</c> when it names no tag or digest.</param>
    /// <param name="options">The registry client or its options, and the platform; other options are ignored.</param>
    /// <param name="progress">Receives <see cref="ImageProgressPhase.Loading"/> reports; none unless given.</param>
    /// <param name="cancellationToken">Stops the pull; the store is then left as it was.</param>
    /// <returns>The digest, the image ID, whether the reference changed, and Docker's last lines.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="store"/> or <paramref name="reference"/> is <see langword="null"/>.</exception>
    /// <exception cref="RegistryException">A registry request failed.</exception>
    /// <exception cref="ImageFormatException">A blob does not match its digest, or the image is invalid.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<PullResult> PullAsync(ImageStore store, ImageReference reference, ImageCopyOptions? options = null, IProgress<ImageProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(reference);
        options ??= ImageCopyOptions.Default;
        ImageReference named = reference.WithDefaultTag();
        Digest? before = null;
        if (named.Digest is null)
        {
            try
            {
                before = store.OpenImage(named.ToString()).Config.Digest;
            }
            catch (NotFoundException)
            {
                // Not pulled before.
            }
        }

        RegistryClient? owned = options.Client is null ? new RegistryClient(options.RegistryOptions) : null;
        try
        {
            RegistryClient client = options.Client ?? owned!;
            RegistryRepository repository = RegistryRepository.From(named);
            options.Status?.Report(new TransferStatus(TransferStatusKind.PullingFrom, named.Digest?.Value ?? named.Tag!, repository.Name));
            IContainerImage image = await client.OpenImageAsync(repository, named.Digest?.Value ?? named.Tag!, options.Platform, cancellationToken).ConfigureAwait(false);
            ImageToWrite write = ImageToWrite.From(image);
            ImageToWrite tagged = new(write.Config, write.Layers) { Tags = named.Digest is null ? [named] : [], Manifest = write.Manifest };
            PullStatusReporter? statuses = PullStatusReporter.Start(options.Status, store, image, progress);
            LoadResult loaded = await store.LoadAsync([tagged], statuses ?? progress, cancellationToken).ConfigureAwait(false);
            statuses?.Finish();
            Digest id = loaded.ImageIds[0];
            bool updated = before != id || loaded.LayersWritten > 0;
            string familiar = named.FamiliarString();
            // pull_v2.go writes "Digest: <manifest digest>"; pull.go's writeStatus then says whether anything changed.
            return new PullResult(image.ManifestDigest, id, updated,
                [$"Digest: {image.ManifestDigest}", updated ? $"Status: Downloaded newer image for {familiar}" : $"Status: Image is up to date for {familiar}"]);
        }
        finally
        {
            owned?.Dispose();
        }
    }

    /// <summary>
    /// Pushes an image of the store to the registry its reference names: its config and layers as the store holds them
    /// (each skipped when the repository has it), then, as <c>docker push</c> does, a Docker schema 2 manifest of them
    /// under the tag (an OCI one when a layer is zstd, which Docker's media types cannot name).
    /// </summary>
    /// <param name="store">The store.</param>
    /// <param name="reference">A reference of the store, such as <c>localhost:5000/app:v1</c>; <c>latest</c> when it names no tag.</param>
    /// <param name="options">The registry client or its options; other options are ignored.</param>
    /// <param name="progress">Receives <see cref="ImageProgressPhase.Writing"/> reports, one item per blob; none unless given.</param>
    /// <param name="cancellationToken">Stops the push.</param>
    /// <returns>The manifest's digest and size, and Docker's lines.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="store"/> or <paramref name="reference"/> is <see langword="null"/>.</exception>
    /// <exception cref="NotFoundException">The store has no such reference.</exception>
    /// <exception cref="RegistryException">A registry request failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<PushResult> PushAsync(ImageStore store, ImageReference reference, ImageCopyOptions? options = null, IProgress<ImageProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(reference);
        ImageReference named = reference.WithDefaultTag();
        if (named.Digest is not null)
        {
            throw new ImageLocationException(ErrorCodes.TransportUnsupported, reference.ToString(), "push takes a tag, not a digest");
        }

        options?.Status?.Report(new TransferStatus(TransferStatusKind.PushRefersTo, string.Empty, $"{named.Domain}/{named.Path}"));
        ImageCopyResult pushed = await ImageCopier.CopyAsync(
            ImageLocation.Parse("store:" + named), ImageLocation.Parse("docker://" + named), (options ?? ImageCopyOptions.Default) with { Store = store, All = false, DestinationCompression = null },
            progress, cancellationToken).ConfigureAwait(false);
        long size = ImageCopier.AsDockerSchema2(store.OpenImage(named.ToString())).Manifest.Bytes.Length;
        // push.go names the repository first; push_v2.go ends with "<tag>: digest: <digest> size: <manifest bytes>".
        return new PushResult(pushed.ManifestDigest, size,
            [$"The push refers to repository [{named.Domain}/{named.Path}]", $"{named.Tag}: digest: {pushed.ManifestDigest} size: {size}"]);
    }
}

/// <summary>
/// Docker's per-layer pull lines (moby v20.10 <c>distribution/pull_v2.go</c>, <c>distribution/xfer/download.go</c>):
/// <c>Already exists</c> or <c>Pulling fs layer</c> for every layer, base first, when the pull starts, and <c>Waiting</c>
/// for each pulled layer after the third (the engine downloads three at once); then, as the
/// store finishes each layer it lacked (downloaded, verified against its digest and diffID, and stored in one pass),
/// <c>Verifying Checksum</c>, <c>Download complete</c> and <c>Pull complete</c>. Layers are named by their blob
/// digest's short form. The store reports each layer as one item, in order: a layer is finished when the next starts.
/// An image the store has already gets no layer lines, as the engine prints none.
/// </summary>
internal sealed class PullStatusReporter : IProgress<ImageProgress>
{
    /// <summary>How many layers Docker 20.10 downloads at once unless told otherwise (<c>max-concurrent-downloads</c>).</summary>
    private const int DockerConcurrentDownloads = 3;

    private readonly IProgress<TransferStatus> _status;
    private readonly IProgress<ImageProgress>? _inner;
    private readonly string[] _ids;
    private readonly bool[] _pulled;
    private int _current = -1;

    private PullStatusReporter(IProgress<TransferStatus> status, IProgress<ImageProgress>? inner, string[] ids, bool[] pulled)
    {
        _status = status;
        _inner = inner;
        _ids = ids;
        _pulled = pulled;
    }

    public static PullStatusReporter? Start(IProgress<TransferStatus>? status, ImageStore store, IContainerImage image, IProgress<ImageProgress>? inner)
    {
        if (status is null)
        {
            return null;
        }

        try
        {
            // pull_v2.go stops before the layers when the engine has the image's config already: no layer lines.
            store.OpenImage(image.Id.Value);
            return new PullStatusReporter(status, inner, [], []);
        }
        catch (NotFoundException)
        {
            // Not in the store: each layer is either there already or pulled.
        }

        HashSet<Digest> present = [.. store.Layers.Select(l => l.ChainId)];
        IReadOnlyList<Digest> chains = image.GetChainIds();
        string[] ids = new string[chains.Count];
        bool[] pulled = new bool[chains.Count];
        for (int i = 0; i < chains.Count; i++)
        {
            ids[i] = image.Layers[i].Digest.ShortId;
            pulled[i] = !present.Contains(chains[i]) && !chains.Take(i).Contains(chains[i]);
            status.Report(new TransferStatus(pulled[i] ? TransferStatusKind.PullingFsLayer : TransferStatusKind.AlreadyExists, ids[i]));
        }

        // The engine starts the first DockerConcurrentDownloads downloads; each later one says "Waiting" when queued,
        // which lands after the "Pulling fs layer" lines (the download manager prints those directly, a transfer's
        // own lines go through its progress channel).
        int queued = 0;
        for (int i = 0; i < chains.Count; i++)
        {
            if (pulled[i] && queued++ >= DockerConcurrentDownloads)
            {
                status.Report(new TransferStatus(TransferStatusKind.Waiting, ids[i]));
            }
        }

        return new PullStatusReporter(status, inner, ids, pulled);
    }

    public void Report(ImageProgress value)
    {
        _inner?.Report(value);
        if (value.Phase == ImageProgressPhase.Loading && value.ItemIndex != _current && value.Item.Length > 0)
        {
            FinishCurrent();
            _current = value.ItemIndex;
        }
    }

    /// <summary>The last layer is finished when the load returns.</summary>
    public void Finish() => FinishCurrent();

    private void FinishCurrent()
    {
        if (_current >= 0 && _current < _ids.Length && _pulled[_current])
        {
            _pulled[_current] = false;
            _status.Report(new TransferStatus(TransferStatusKind.VerifyingChecksum, _ids[_current]));
            _status.Report(new TransferStatus(TransferStatusKind.DownloadComplete, _ids[_current]));
            _status.Report(new TransferStatus(TransferStatusKind.PullComplete, _ids[_current]));
        }
    }
}

/// <summary>What <see cref="StoreTransfer.PullAsync"/> did.</summary>
/// <param name="ManifestDigest">The digest of the manifest pulled.</param>
/// <param name="ImageId">The image ID in the store.</param>
/// <param name="Updated">Whether layers were written or the reference now names another image (Docker's <c>Downloaded newer image</c>).</param>
/// <param name="Lines">Docker 20.10's last lines: <c>Digest: …</c> and <c>Status: …</c>.</param>
public sealed record PullResult(Digest ManifestDigest, Digest ImageId, bool Updated, IReadOnlyList<string> Lines);

/// <summary>What <see cref="StoreTransfer.PushAsync"/> did.</summary>
/// <param name="ManifestDigest">The digest of the manifest pushed.</param>
/// <param name="Size">The manifest's size in bytes.</param>
/// <param name="Lines">Docker 20.10's lines: <c>The push refers to repository [...]</c> and <c>TAG: digest: … size: N</c>.</param>
public sealed record PushResult(Digest ManifestDigest, long Size, IReadOnlyList<string> Lines);
