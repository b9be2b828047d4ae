using ImageFormat.Compression;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Model;

namespace ImageFormat.Archives.Writers;

/// <summary>
/// One layer blob to write: how to open it as stored, and what is known about it. The writer never trusts
/// these values blindly: a blob copied verbatim is checked against <see cref="Digest"/> and <see cref="Size"/>
/// while it is copied, and a transformed one against <see cref="DiffId"/>.
/// </summary>
public sealed class LayerToWrite
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

    /// <summary>Opens a new stream over the stored bytes.</summary>
    /// <returns>A stream the caller disposes.</returns>
    public Stream OpenStored() => _openStored();

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
