using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Images;
using ImageFormat.Model;
using ImageFormat.References;

namespace ImageFormat.Registry;

public sealed partial class RegistryClient
{
    /// <summary>
    /// Opens an image in a registry as an <see cref="IContainerImage"/>: its manifest (for an index, the one of
    /// <paramref name="platform"/>) and its config are fetched now and verified; layers are fetched when opened,
    /// verified while streaming and resumed after a dropped connection. Everything that reads an image works on it.
    /// </summary>
    /// <param name="repository">The repository.</param>
    /// <param name="reference">A tag or a digest.</param>
    /// <param name="platform">The platform to pick from an index; <see cref="HostPlatform"/> when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels fetching the manifest and config.</param>
    /// <returns>The image.</returns>
    /// <exception cref="RegistryException">A request failed, or the index has no such platform.</exception>
    /// <exception cref="DigestMismatchException">The manifest or config is not what its digest names.</exception>
    public async Task<IContainerImage> OpenImageAsync(RegistryRepository repository, string reference, Platform? platform = null, CancellationToken cancellationToken = default)
    {
        RegistryManifest manifest = await GetImageManifestAsync(repository, reference, platform, cancellationToken).ConfigureAwait(false);
        return await OpenImageAsync(manifest, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Opens the image a reference names (see <see cref="OpenImageAsync(RegistryRepository, string, Platform?, CancellationToken)"/>): its digest, else its tag, else <c>latest</c>.</summary>
    /// <param name="reference">A reference such as <c>localhost:5000/app:v1</c>; a familiar name is on Docker Hub.</param>
    /// <param name="platform">The platform to pick from an index; <see cref="HostPlatform"/> when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels fetching the manifest and config.</param>
    /// <returns>The image; no layer has been fetched.</returns>
    /// <exception cref="RegistryException">A request failed, or the index has no such platform.</exception>
    /// <exception cref="DigestMismatchException">The manifest or config is not what its digest names.</exception>
    public Task<IContainerImage> OpenReferenceAsync(ImageReference reference, Platform? platform = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return OpenImageAsync(RegistryRepository.From(reference), reference.Digest?.Value ?? reference.Tag ?? ImageReference.DefaultTag, platform, cancellationToken);
    }

    /// <summary>Opens the image an image manifest already fetched names (see <see cref="OpenImageAsync(RegistryRepository, string, Platform?, CancellationToken)"/>).</summary>
    /// <param name="manifest">An image manifest (not an index).</param>
    /// <param name="cancellationToken">Cancels fetching the config.</param>
    /// <returns>The image.</returns>
    public async Task<IContainerImage> OpenImageAsync(RegistryManifest manifest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        RawDocument<ImageManifest> document = manifest.Document.Manifest
            ?? throw new ArgumentException($"{manifest.Repository}@{manifest.Digest} is an index, not an image manifest.", nameof(manifest));
        Descriptor config = document.Value.Config;
        if (config.Size > Options.Limits.MaxJsonBytes)
        {
            throw new LimitExceededException($"{manifest.Repository}@{config.Digest}", nameof(ImageFormatLimits.MaxJsonBytes), Options.Limits.MaxJsonBytes, config.Size);
        }

        byte[] configBytes = new byte[config.Size];
        Stream stream = await OpenBlobAsync(manifest.Repository, config, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            await stream.ReadExactlyAsync(configBytes, cancellationToken).ConfigureAwait(false);
            await ((VerifyingReadStream)stream).VerifyToEndAsync(cancellationToken).ConfigureAwait(false);
        }

        return ContainerImage.FromCompressed(new RegistryImageCore(this, manifest, document.Value, configBytes), Options.Limits);
    }

    /// <summary>
    /// Pushes any image: its config and layer blobs (each skipped when the repository has it, mounted from
    /// <paramref name="mountFrom"/> when given, else uploaded from the layer's verified stream), up to
    /// <see cref="RegistryClientOptions.MaxParallelTransfers"/> at once, then its manifest under <paramref name="tag"/>.
    /// The blobs are pushed verbatim, so the image keeps its manifest digest.
    /// </summary>
    /// <param name="image">The image.</param>
    /// <param name="repository">The repository to push to.</param>
    /// <param name="tag">A tag, or the manifest's digest to push it untagged.</param>
    /// <param name="mountFrom">A repository of the same registry that may have the blobs; or <see langword="null"/>.</param>
    /// <param name="progress">Receives bytes uploaded per blob; may be <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the push.</param>
    /// <returns>The manifest's digest.</returns>
    public async Task<Digest> PushImageAsync(
        IContainerImage image,
        RegistryRepository repository,
        string tag,
        string? mountFrom = null,
        IProgress<BlobProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(repository);
        RawDocument<ImageManifest> manifest = image.Manifest;
        ReadOnlyMemory<byte> config = image.Config.Bytes;
        List<(Descriptor Blob, Func<CancellationToken, ValueTask<Stream>> Open)> blobs =
        [
            (manifest.Value.Config, _ => ValueTask.FromResult<Stream>(new ReadOnlyMemoryStream(config))),
        ];
        foreach (IImageLayer layer in image.Layers)
        {
            blobs.Add((new Descriptor { MediaType = layer.MediaType, Digest = layer.Digest, Size = layer.Size }, ct => layer.OpenBlobAsync(verify: true, ct)));
        }

        await PushBlobsAsync(repository, blobs, mountFrom, progress, cancellationToken).ConfigureAwait(false);
        return await PutManifestAsync(repository, tag, manifest.Bytes, image.ManifestMediaType, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Copies an image or index from one repository to another, blobs verbatim (so every digest is kept): within one
    /// registry each blob is mounted, across registries it streams from source to destination, verified. With
    /// <paramref name="all"/> an index is copied whole (every manifest, then the index); otherwise the manifest of
    /// <paramref name="platform"/> (this machine's when <see langword="null"/>) is copied alone.
    /// </summary>
    /// <param name="source">The source repository.</param>
    /// <param name="reference">A tag or digest in <paramref name="source"/>.</param>
    /// <param name="destination">The destination repository.</param>
    /// <param name="tag">The tag (or digest) to push the top document under.</param>
    /// <param name="all">Whether to copy every manifest of an index.</param>
    /// <param name="platform">The platform to pick from an index when not <paramref name="all"/>.</param>
    /// <param name="progress">Receives bytes moved per blob; may be <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the copy.</param>
    /// <returns>The top document copied (the index, or the manifest).</returns>
    public async Task<RegistryManifest> CopyAsync(
        RegistryRepository source,
        string reference,
        RegistryRepository destination,
        string tag,
        bool all = false,
        Platform? platform = null,
        IProgress<BlobProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        RegistryManifest top = all
            ? await GetManifestAsync(source, reference, cancellationToken).ConfigureAwait(false)
            : await GetImageManifestAsync(source, reference, platform, cancellationToken).ConfigureAwait(false);
        await CopyDocumentAsync(top, destination, tag, depth: 0, progress, cancellationToken).ConfigureAwait(false);
        return top;
    }

    private async Task CopyDocumentAsync(RegistryManifest document, RegistryRepository destination, string tag, int depth, IProgress<BlobProgress>? progress, CancellationToken cancellationToken)
    {
        if (depth > Options.Limits.MaxIndexDepth)
        {
            throw new LimitExceededException($"{document.Repository}@{document.Digest}", nameof(ImageFormatLimits.MaxIndexDepth), Options.Limits.MaxIndexDepth, depth);
        }

        RegistryRepository source = document.Repository;
        string? mountFrom = source.Registry == destination.Registry ? source.Name : null;
        if (document.Document.Index is { } index)
        {
            foreach (Descriptor child in index.Value.Manifests)
            {
                if (MediaTypes.IsManifest(child.MediaType) || MediaTypes.IsIndex(child.MediaType))
                {
                    RegistryManifest manifest = await GetManifestAsync(source, child.Digest.Value, cancellationToken).ConfigureAwait(false);
                    await CopyDocumentAsync(manifest, destination, child.Digest.Value, depth + 1, progress, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        else
        {
            ImageManifest manifest = document.Document.Manifest!.Value;
            List<(Descriptor, Func<CancellationToken, ValueTask<Stream>>)> blobs = [];
            foreach (Descriptor blob in (IEnumerable<Descriptor>)[manifest.Config, .. manifest.Layers])
            {
                if (MediaTypes.IsNondistributableLayer(blob.MediaType) && blob.Urls is { Count: > 0 })
                {
                    continue;
                }

                blobs.Add((blob, async ct => await OpenBlobAsync(source, blob, ct).ConfigureAwait(false)));
            }

            await PushBlobsAsync(destination, blobs, mountFrom, progress, cancellationToken).ConfigureAwait(false);
        }

        await PutManifestAsync(destination, tag, document.Bytes, document.MediaType, cancellationToken).ConfigureAwait(false);
    }

    private async Task PushBlobsAsync(
        RegistryRepository repository,
        IReadOnlyList<(Descriptor Blob, Func<CancellationToken, ValueTask<Stream>> Open)> blobs,
        string? mountFrom,
        IProgress<BlobProgress>? progress,
        CancellationToken cancellationToken)
    {
        ParallelOptions parallel = new() { MaxDegreeOfParallelism = Options.MaxParallelTransfers, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(
            blobs.DistinctBy(b => b.Blob.Digest),
            parallel,
            async (blob, ct) => await PushBlobCoreAsync(repository, blob.Blob, blob.Open, mountFrom, progress, ct).ConfigureAwait(false)).ConfigureAwait(false);
    }

    /// <summary>A stream over memory the caller does not own.</summary>
    private sealed class ReadOnlyMemoryStream(ReadOnlyMemory<byte> bytes) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => bytes.Length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = Math.Min(buffer.Length, bytes.Length - _position);
            bytes.Span.Slice(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>A registry image as the small core <see cref="ContainerImage.FromCompressed"/> derives an image from.</summary>
internal sealed class RegistryImageCore(RegistryClient client, RegistryManifest manifest, ImageManifest document, byte[] config) : ICompressedImageCore
{
    public string? ManifestMediaType => manifest.MediaType;

    public ReadOnlyMemory<byte> ReadRawManifest() => manifest.Bytes;

    public ReadOnlyMemory<byte> ReadRawConfig() => config;

    public Stream OpenBlob(Digest digest) => OpenBlobAsync(digest, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public async ValueTask<Stream> OpenBlobAsync(Digest digest, CancellationToken cancellationToken)
    {
        if (digest == document.Config.Digest)
        {
            return new MemoryStream(config, writable: false);
        }

        Descriptor blob = document.Layers.FirstOrDefault(l => l.Digest == digest)
            ?? throw new NotFoundException(digest.Value, $"{manifest.Repository}@{manifest.Digest}: the manifest names no blob {digest}");
        return await client.OpenRawBlobAsync(manifest.Repository, blob, cancellationToken).ConfigureAwait(false);
    }
}
