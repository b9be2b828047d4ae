using ImageFormat.Compression;
using ImageFormat.Digests;

namespace ImageFormat.Images;

/// <summary>
/// One layer of an image: its blob as the manifest describes it (digest, size, media type, compression) and
/// its uncompressed tar, whose digest is the diffID the config lists (OCI image-spec, <c>config.md</c>,
/// "Layer DiffID"). For a layer stored uncompressed the blob is the tar, and its digest is its diffID.
/// </summary>
/// <remarks>
/// Streams are verified by default: the stored bytes against <see cref="Digest"/> and <see cref="Size"/>, the
/// uncompressed bytes against <see cref="DiffId"/>. A mismatch throws from the read that reaches the end, so read
/// the stream to its end (a tar reader stops at the end-of-archive blocks; drain the rest). Pass
/// <c>verify: false</c> only for bytes the caller hashes itself.
/// </remarks>
public interface IImageLayer
{
    /// <summary>The digest of the blob as stored (the manifest's layer digest).</summary>
    /// <exception cref="Errors.ImageFormatException">The blob is missing or unreadable where its digest has to be computed.</exception>
    Digest Digest { get; }

    /// <summary>The size of the blob as stored, in bytes.</summary>
    long Size { get; }

    /// <summary>The media type of the blob, as the manifest declares it or as derived from <see cref="Compression"/>.</summary>
    /// <exception cref="Errors.ImageFormatException">The blob is missing or unreadable where its compression has to be detected.</exception>
    string MediaType { get; }

    /// <summary>The digest of the uncompressed tar: the config's <c>rootfs.diff_ids</c> entry.</summary>
    Digest DiffId { get; }

    /// <summary>How the blob is compressed.</summary>
    /// <exception cref="Errors.ImageFormatException">The blob is missing or unreadable where its compression has to be detected.</exception>
    CompressionFormat Compression { get; }

    /// <summary>Opens the blob as stored (compressed or not).</summary>
    /// <param name="verify">Whether reads check the bytes against <see cref="Digest"/> and <see cref="Size"/>.</param>
    /// <returns>A new stream; dispose it.</returns>
    /// <exception cref="Errors.ImageFormatException">The blob is missing; with <paramref name="verify"/>, reads throw
    /// <see cref="Errors.DigestMismatchException"/> when the bytes do not match.</exception>
    /// <exception cref="IOException">The blob cannot be read.</exception>
    Stream OpenBlob(bool verify);

    /// <summary>Opens the blob as stored, as <see cref="OpenBlob(bool)"/> does.</summary>
    /// <param name="verify">Whether reads check the bytes against <see cref="Digest"/> and <see cref="Size"/>.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <returns>A new stream; dispose it.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="Errors.ImageFormatException">As for <see cref="OpenBlob(bool)"/>.</exception>
    /// <exception cref="IOException">The blob cannot be read.</exception>
    ValueTask<Stream> OpenBlobAsync(bool verify, CancellationToken cancellationToken);

    /// <summary>Opens the layer's uncompressed tar, decompressing the blob as <see cref="Compression"/> says.</summary>
    /// <param name="verify">Whether reads check the stored bytes against <see cref="Digest"/> and <see cref="Size"/>
    /// and the uncompressed bytes against <see cref="DiffId"/>.</param>
    /// <returns>A new forward-only stream; dispose it.</returns>
    /// <exception cref="Errors.ImageFormatException">The blob is missing or compressed in an unsupported format; reads
    /// throw it when the data is corrupt, and with <paramref name="verify"/> <see cref="Errors.DigestMismatchException"/>
    /// when a digest does not match.</exception>
    /// <exception cref="IOException">The blob cannot be read.</exception>
    Stream OpenUncompressed(bool verify);

    /// <summary>Opens the layer's uncompressed tar, as <see cref="OpenUncompressed(bool)"/> does.</summary>
    /// <param name="verify">Whether reads check the stored and the uncompressed bytes.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <returns>A new forward-only stream; dispose it.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="Errors.ImageFormatException">As for <see cref="OpenUncompressed(bool)"/>.</exception>
    /// <exception cref="IOException">The blob cannot be read.</exception>
    ValueTask<Stream> OpenUncompressedAsync(bool verify, CancellationToken cancellationToken);
}
