using ImageFormat.Compression;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Images;
using ImageFormat.Model;

namespace ImageFormat.Archives.Writers;

/// <summary>
/// One layer blob to write: how to open it as stored, and what is known about it. The writer never trusts
/// these values blindly: a blob copied verbatim is checked against <see cref="Digest"/> and <see cref="Size"/>
/// while it is copied, and a transformed one against <see cref="DiffId"/>. As an <see cref="IImageLayer"/>, it
/// opens its blob and its uncompressed tar verified against these values.
/// </summary>
public sealed class LayerToWrite : IImageLayer
{
    private readonly Func<Stream> _openStored;

    /// <summary>Describes a layer blob.</summary>
    /// <param name="openStored">Opens a new stream over the blob's bytes as stored; called once per use, possibly from several threads.</param>
    /// <param name="digest">The digest of the stored bytes.</param>
    /// <param name="size">The stored size in bytes.</param>
    /// <param name="diffId">The digest of the uncompressed tar (the config's <c>rootfs.diff_ids</c> entry).</param>
    /// <param name="compression">How the stored bytes are compressed: none, gzip or zstd.</param>
    /// <param name="mediaType">The media type to declare for the stored blob, or <see langword="null"/> to derive an OCI one from <paramref name="compression"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="openStored"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A digest is empty, the size is negative, or the compression is bzip2 or xz (layers are never stored so).</exception>
    public LayerToWrite(Func<Stream> openStored, Digest digest, long size, Digest diffId, CompressionFormat compression, string? mediaType = null)
    {
        ArgumentNullException.ThrowIfNull(openStored);
        if (digest.IsEmpty)
        {
            throw new ArgumentException("The layer digest is empty.", nameof(digest));
        }

        if (diffId.IsEmpty)
        {
            throw new ArgumentException("The layer DiffID is empty.", nameof(diffId));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(size);
        if (compression is not (CompressionFormat.None or CompressionFormat.Gzip or CompressionFormat.Zstd))
        {
            throw new ArgumentException($"Layers are stored plain, gzip or zstd, not {compression}.", nameof(compression));
        }

        _openStored = openStored;
        Digest = digest;
        Size = size;
        DiffId = diffId;
        Compression = compression;
        MediaType = mediaType ?? ArchiveWriter.OciLayerMediaType(compression);
    }

    /// <summary>The digest of the stored bytes (the manifest's layer digest).</summary>
    public Digest Digest { get; }

    /// <summary>The stored size in bytes.</summary>
    public long Size { get; }

    /// <summary>The digest of the uncompressed tar.</summary>
    public Digest DiffId { get; }

    /// <summary>How the stored bytes are compressed.</summary>
    public CompressionFormat Compression { get; }

    /// <summary>The media type declared for the stored blob.</summary>
    public string MediaType { get; }

    /// <summary>
    /// Whether the stored bytes were verified against <see cref="Digest"/> by whoever keeps them (the image store,
    /// which names blobs by the digest it computed): a write to a file may then copy them unchecked. A write to a
    /// stream always checks them.
    /// </summary>
    internal bool Trusted { get; init; }

    /// <summary>Opens a new stream over the stored bytes.</summary>
    /// <returns>A stream the caller disposes.</returns>
    public Stream OpenStored() => _openStored();

    /// <summary>Opens the stored bytes; with <paramref name="verify"/>, checked against <see cref="Digest"/> and <see cref="Size"/>.</summary>
    /// <param name="verify">Whether reads check the bytes.</param>
    /// <returns>A stream the caller disposes.</returns>
    public Stream OpenBlob(bool verify) => verify ? LayerStreams.VerifyBlob(_openStored(), Digest, Size, ToString()) : _openStored();

    /// <summary>Opens the stored bytes, as <see cref="OpenBlob(bool)"/> does.</summary>
    /// <param name="verify">Whether reads check the bytes.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <returns>A stream the caller disposes.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public ValueTask<Stream> OpenBlobAsync(bool verify, CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested ? ValueTask.FromCanceled<Stream>(cancellationToken) : ValueTask.FromResult(OpenBlob(verify));

    /// <summary>Opens the uncompressed tar; with <paramref name="verify"/>, checked against <see cref="Digest"/>, <see cref="Size"/> and <see cref="DiffId"/>.</summary>
    /// <param name="verify">Whether reads check the stored and the uncompressed bytes.</param>
    /// <returns>A forward-only stream the caller disposes.</returns>
    /// <exception cref="ImageFormatException">Reads throw it when the data is corrupt or, with <paramref name="verify"/>, does not match.</exception>
    public Stream OpenUncompressed(bool verify) =>
        LayerStreams.Uncompress(_openStored(), Compression, Digest, Size, DiffId, verify, ImageFormatLimits.Default, ToString());

    /// <summary>Opens the uncompressed tar, as <see cref="OpenUncompressed(bool)"/> does.</summary>
    /// <param name="verify">Whether reads check the stored and the uncompressed bytes.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <returns>A forward-only stream the caller disposes.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ImageFormatException">As for <see cref="OpenUncompressed(bool)"/>.</exception>
    public ValueTask<Stream> OpenUncompressedAsync(bool verify, CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested ? ValueTask.FromCanceled<Stream>(cancellationToken) : ValueTask.FromResult(OpenUncompressed(verify));

    /// <summary>
    /// Describes any image layer for writing: an archive layer as <see cref="FromArchive"/> does, a
    /// <see cref="LayerToWrite"/> as itself, any other by its blob (opened unverified: the writer checks it).
    /// </summary>
    /// <param name="layer">The layer.</param>
    /// <returns>The layer to write.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="layer"/> is <see langword="null"/>.</exception>
    /// <exception cref="ImageFormatException">The blob is missing or compressed with bzip2 or xz.</exception>
    public static LayerToWrite From(IImageLayer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return layer switch
        {
            LayerToWrite same => same,
            ArchiveLayer archived => FromArchive(archived),
            _ => FromOther(layer),
        };
    }

    private static LayerToWrite FromOther(IImageLayer layer)
    {
        CompressionFormat compression = layer.Compression;
        if (compression is not (CompressionFormat.None or CompressionFormat.Gzip or CompressionFormat.Zstd))
        {
            throw new InvalidArchiveException(ErrorCodes.UnsupportedFormat, layer.ToString(), $"layer is compressed with {Decompression.Name(compression)}; only gzip and zstd layers can be written");
        }

        string? mediaType = MediaTypes.IsLayer(layer.MediaType) ? layer.MediaType : null;
        return new LayerToWrite(() => layer.OpenBlob(verify: false), layer.Digest, layer.Size, layer.DiffId, compression, mediaType);
    }

    /// <summary>
    /// Describes a layer of an image read from an archive. The stored digest is the one a document declares;
    /// when none does, an uncompressed blob's digest is its DiffID, and a compressed one is hashed here once.
    /// </summary>
    /// <param name="layer">The layer.</param>
    /// <returns>The layer to write.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="layer"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidArchiveException">The blob is missing, the config names no DiffID for it, or it is compressed with bzip2 or xz.</exception>
    public static LayerToWrite FromArchive(ArchiveLayer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (!layer.IsPresent)
        {
            throw new InvalidArchiveException(layer.Entry, "layer blob is missing from the archive");
        }

        if (layer.DiffId.IsEmpty)
        {
            throw new InvalidArchiveException(layer.Entry, "the image config lists no DiffID for this layer");
        }

        CompressionFormat compression = layer.Compression;
        if (compression is not (CompressionFormat.None or CompressionFormat.Gzip or CompressionFormat.Zstd))
        {
            throw new InvalidArchiveException(ErrorCodes.UnsupportedFormat, layer.Entry, $"layer is compressed with {Decompression.Name(compression)}; only gzip and zstd layers can be written");
        }

        Digest digest;
        if (layer.DeclaredDigest is { } declared)
        {
            digest = declared;
        }
        else if (compression == CompressionFormat.None)
        {
            digest = layer.DiffId;
        }
        else
        {
            using Stream stored = layer.OpenStored();
            digest = Digest.Compute(stored);
        }

        string? mediaType = layer.MediaType is { } declaredType && MediaTypes.IsLayer(declaredType) ? declaredType : null;
        return new LayerToWrite(layer.OpenStored, digest, layer.Size, layer.DiffId, compression, mediaType);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Digest} ({DiffId})";
}
