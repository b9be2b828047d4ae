using ImageFormat.Compression;
using ImageFormat.Digests;
using ImageFormat.Images;
using ImageFormat.Model;

namespace ImageFormat.Archives;

/// <summary>
/// One layer of an image in an archive: where it is stored, what the documents declare about it, and its
/// content as stored or uncompressed. Nothing is hashed until a stream is read or the archive is verified
/// (or, for a compressed blob no document declares a digest for, until <see cref="Digest"/> is first read).
/// </summary>
public sealed class ArchiveLayer : IReportingLayer
{
    private readonly IArchiveStorage _storage;
    private readonly ImageFormatLimits _limits;
    private CompressionFormat? _compression;
    private long? _contentSize;
    private Digest _digest;

    internal ArchiveLayer(IArchiveStorage storage, ImageFormatLimits limits, int index, string entry, ArchiveFile? file, Digest diffId, Digest? declaredDigest, long? declaredSize, string? mediaType)
    {
        _storage = storage;
        _limits = limits;
        Index = index;
        Entry = entry;
        File = file;
        DiffId = diffId;
        DeclaredDigest = declaredDigest;
        DeclaredSize = declaredSize;
        MediaType = mediaType;
    }

    /// <summary>The layer's position in the image, 0 for the base layer.</summary>
    public int Index { get; }

    /// <summary>The path the documents name for it (<c>&lt;v1id&gt;/layer.tar</c>, <c>blobs/sha256/…</c>).</summary>
    public string Entry { get; }

    /// <summary>The uncompressed digest the image config declares (<c>rootfs.diff_ids</c>); empty when the config has too few.</summary>
    public Digest DiffId { get; }

    /// <summary>The digest of the stored blob, where a document declares one (an OCI descriptor, <c>LayerSources</c>, a blob path).</summary>
    public Digest? DeclaredDigest { get; }

    /// <summary>The stored size a descriptor declares, if any.</summary>
    public long? DeclaredSize { get; }

    /// <summary>The media type a descriptor declares, if any.</summary>
    public string? MediaType { get; }

    /// <summary>Whether the blob was found in the archive.</summary>
    public bool IsPresent => File is not null;

    /// <summary>The stored size in bytes (0 when the blob is missing).</summary>
    public long Size => File?.Size ?? 0;

    /// <summary>The name of the file the entry resolved to, after links (shared layers resolve to one file).</summary>
    public string? ResolvedEntry => File?.Name;

    internal ArchiveFile? File { get; }

    /// <summary>How the stored blob is compressed, detected from its first bytes (read once, then remembered).</summary>
    /// <exception cref="Errors.InvalidArchiveException">The blob is missing.</exception>
    public CompressionFormat Compression
    {
        get
        {
            if (_compression is null)
            {
                using Stream stored = OpenStored();
                _compression = CompressionDetector.Detect(stored);
            }

            return _compression.Value;
        }
    }

    /// <summary>
    /// Opens the blob as stored (compressed or not), <em>unverified</em>: the stream is seekable and returns the
    /// bytes as they are, for callers that hash them themselves (<see cref="ArchiveVerifier"/>, the writers, the
    /// store's <c>load</c>). To read a layer's content, use <see cref="OpenUncompressed()"/>, which verifies.
    /// </summary>
    /// <returns>A new stream; dispose it.</returns>
    /// <exception cref="Errors.InvalidArchiveException">The blob is missing from the archive.</exception>
    public Stream OpenStored()
    {
        if (File is not { } file)
        {
            throw new Errors.InvalidArchiveException(Entry, "layer blob is missing from the archive");
        }

        return _storage.Open(file);
    }

    /// <summary>
    /// Opens the layer's uncompressed tar, decompressing gzip, bzip2 or zstd as detected from the bytes, and checks
    /// it while it is read, as <see cref="OpenVerified"/> does. Read it to its end (a tar reader stops at the
    /// end-of-archive blocks; drain the rest) to have the digests checked.
    /// </summary>
    /// <returns>A new stream; dispose it.</returns>
    /// <exception cref="Errors.InvalidArchiveException">The blob is missing, or compressed in a format that is not supported.</exception>
    public Stream OpenUncompressed() => OpenVerified();

    /// <summary>
    /// Opens the layer's uncompressed tar, verified as <see cref="OpenVerified"/> does when
    /// <paramref name="verify"/> is <see langword="true"/>, or as the bytes come when it is <see langword="false"/>
    /// (only for input the caller already trusts or checks itself: nothing then tells a tampered layer apart).
    /// </summary>
    /// <param name="verify">Whether to check the stored digest and size and the diffID while reading.</param>
    /// <returns>A new stream; dispose it.</returns>
    /// <exception cref="Errors.InvalidArchiveException">The blob is missing, or compressed in a format that is not supported.</exception>
    public Stream OpenUncompressed(bool verify) => OpenUncompressed(verify, null, CancellationToken.None);

    /// <summary>
    /// <see cref="OpenUncompressed(bool)"/> with the stored bytes counted into <paramref name="reporter"/> and
    /// <paramref name="cancellationToken"/> observed on every read of the stored blob.
    /// </summary>
    Stream IReportingLayer.OpenUncompressed(bool verify, Progress.ProgressReporter? reporter, CancellationToken cancellationToken) =>
        OpenUncompressed(verify, reporter, cancellationToken);

    /// <inheritdoc cref="IReportingLayer.Subject"/>
    string IReportingLayer.Subject => Entry;

    private Stream OpenUncompressed(bool verify, Progress.ProgressReporter? reporter, CancellationToken cancellationToken) =>
        LayerStreams.Uncompress(
            Progress.ProgressStream.Wrap(OpenStored(), reporter, cancellationToken),
            Compression,
            DeclaredDigest ?? default,
            DeclaredSize ?? -1,
            DiffId,
            verify,
            _limits,
            Entry);

    /// <summary>
    /// Opens the layer's uncompressed tar and checks it while it is read: the stored bytes against the declared
    /// digest and size (when a document declares them) and the uncompressed bytes against the config's diffID.
    /// A mismatch throws <see cref="Digests.ContentMismatchException"/> (<see cref="Digests.DigestMismatchException"/> or <see cref="Digests.SizeMismatchException"/>) from the read that reaches the end, so a
    /// caller that reads to the end never acts on unverified content without being told.
    /// </summary>
    /// <returns>A new stream; dispose it.</returns>
    /// <exception cref="Errors.InvalidArchiveException">The blob is missing, or compressed in a format that is not supported.</exception>
    public Stream OpenVerified() => OpenUncompressed(verify: true, null, CancellationToken.None);

    /// <summary>
    /// The digest of the stored blob: the one a document declares; when none does, an uncompressed blob's digest
    /// is its diffID (Docker's rule for <c>docker save</c> archives), and a compressed one is hashed once, here.
    /// </summary>
    /// <exception cref="Errors.InvalidArchiveException">No document declares a digest and the blob is missing.</exception>
    /// <exception cref="IOException">The blob has to be hashed and cannot be read.</exception>
    public Digest Digest
    {
        get
        {
            if (DeclaredDigest is { } declared)
            {
                return declared;
            }

            if (_digest.IsEmpty)
            {
                if (Compression == CompressionFormat.None && !DiffId.IsEmpty)
                {
                    _digest = DiffId;
                }
                else
                {
                    using Stream stored = OpenStored();
                    _digest = Digests.Digest.Compute(stored);
                }
            }

            return _digest;
        }
    }

    /// <summary>The declared media type when it names a layer, else the OCI layer media type of <see cref="Compression"/>.</summary>
    /// <exception cref="Errors.InvalidArchiveException">The blob is missing, or compressed with bzip2 or xz, which no layer media type names.</exception>
    string IImageLayer.MediaType
    {
        get
        {
            if (MediaType is { } declared && MediaTypes.IsLayer(declared))
            {
                return declared;
            }

            CompressionFormat compression = Compression;
            return compression is CompressionFormat.None or CompressionFormat.Gzip or CompressionFormat.Zstd
                ? LayerStreams.OciLayerMediaType(compression)
                : throw new Errors.InvalidArchiveException(Errors.ErrorCodes.UnsupportedFormat, Entry, $"layer is compressed with {Decompression.Name(compression)}, which no layer media type names");
        }
    }

    /// <summary>Opens the blob as stored; with <paramref name="verify"/>, checked against <see cref="Digest"/> and <see cref="Size"/>.</summary>
    /// <param name="verify">Whether reads check the bytes.</param>
    /// <returns>A new stream; dispose it.</returns>
    /// <exception cref="Errors.InvalidArchiveException">The blob is missing from the archive.</exception>
    public Stream OpenBlob(bool verify) => verify ? LayerStreams.VerifyBlob(OpenStored(), Digest, Size, Entry) : OpenStored();

    /// <summary>Opens the blob as stored, as <see cref="OpenBlob(bool)"/> does.</summary>
    /// <param name="verify">Whether reads check the bytes.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <returns>A new stream; dispose it.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="Errors.InvalidArchiveException">The blob is missing from the archive.</exception>
    public ValueTask<Stream> OpenBlobAsync(bool verify, CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested ? ValueTask.FromCanceled<Stream>(cancellationToken) : ValueTask.FromResult(OpenBlob(verify));

    /// <summary>Opens the layer's uncompressed tar, as <see cref="OpenUncompressed(bool)"/> does.</summary>
    /// <param name="verify">Whether reads check the stored and the uncompressed bytes.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <returns>A new stream; dispose it.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="Errors.InvalidArchiveException">The blob is missing, or compressed in a format that is not supported.</exception>
    public ValueTask<Stream> OpenUncompressedAsync(bool verify, CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested ? ValueTask.FromCanceled<Stream>(cancellationToken) : ValueTask.FromResult(OpenUncompressed(verify));

    /// <summary>
    /// The total size of the regular files in the layer, as Docker reports an image's size; computed once from
    /// the tar headers (the file data is skipped, not read, for an uncompressed layer).
    /// </summary>
    /// <exception cref="Errors.ImageFormatException">The layer is missing or is not a valid tar.</exception>
    public long ContentSize
    {
        get
        {
            if (_contentSize is null)
            {
                long total = 0;
                using Stream tar = OpenUncompressed(verify: false);
                using var reader = new Tar.TarEntryReader(tar, leaveOpen: false, _limits);
                while (reader.GetNextEntry() is { } entry)
                {
                    if (entry.Type is Tar.TarEntryKind.RegularFile or Tar.TarEntryKind.ContiguousFile)
                    {
                        total += entry.Size;
                    }
                }

                _contentSize = total;
            }

            return _contentSize.Value;
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"layer {Index} {Entry} ({DiffId})";
}
