using ImageFormat.Digests;

namespace ImageFormat.Images;

/// <summary>
/// The least a source that stores manifests and blobs (an OCI layout, a Docker Engine 25+ archive, a registry)
/// implements; <see cref="ContainerImage.FromCompressed"/> derives the whole <see cref="IContainerImage"/> from it.
/// </summary>
public interface ICompressedImageCore
{
    /// <summary>Reads the image manifest's exact bytes.</summary>
    /// <returns>The bytes; the caller does not modify them.</returns>
    /// <exception cref="Errors.ImageFormatException">The manifest is missing or cannot be read.</exception>
    /// <exception cref="IOException">The manifest cannot be read.</exception>
    ReadOnlyMemory<byte> ReadRawManifest();

    /// <summary>Reads the config blob's exact bytes.</summary>
    /// <returns>The bytes; the caller does not modify them.</returns>
    /// <exception cref="Errors.ImageFormatException">The config is missing or cannot be read.</exception>
    /// <exception cref="IOException">The config cannot be read.</exception>
    ReadOnlyMemory<byte> ReadRawConfig();

    /// <summary>The manifest's media type where the source records it (an index descriptor, an HTTP header);
    /// <see langword="null"/> to take the manifest's <c>mediaType</c> field.</summary>
    string? ManifestMediaType { get; }

    /// <summary>Opens a blob by its digest, as stored and unverified (the caller verifies).</summary>
    /// <param name="digest">The blob's digest.</param>
    /// <returns>A new stream; dispose it.</returns>
    /// <exception cref="Errors.ImageFormatException">The source holds no such blob.</exception>
    /// <exception cref="IOException">The blob cannot be read.</exception>
    Stream OpenBlob(Digest digest);

    /// <summary>Opens a blob by its digest, as <see cref="OpenBlob"/> does.</summary>
    /// <param name="digest">The blob's digest.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <returns>A new stream; dispose it.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="Errors.ImageFormatException">The source holds no such blob.</exception>
    /// <exception cref="IOException">The blob cannot be read.</exception>
    ValueTask<Stream> OpenBlobAsync(Digest digest, CancellationToken cancellationToken);
}
