using ImageFormat.Digests;

namespace ImageFormat.Images;

/// <summary>
/// The least a source that holds uncompressed layer tars by diffID (the local store, a legacy <c>docker save</c>
/// archive) implements; <see cref="ContainerImage.FromUncompressed"/> derives the whole <see cref="IContainerImage"/>
/// from it, each layer stored as its tar (Docker's rule: an uncompressed layer's digest is its diffID) under an
/// OCI manifest built once.
/// </summary>
public interface IUncompressedImageCore
{
    /// <summary>Reads the config blob's exact bytes.</summary>
    /// <returns>The bytes; the caller does not modify them.</returns>
    /// <exception cref="Errors.ImageFormatException">The config is missing or cannot be read.</exception>
    /// <exception cref="IOException">The config cannot be read.</exception>
    ReadOnlyMemory<byte> ReadRawConfig();

    /// <summary>The size in bytes of the uncompressed tar with this diffID.</summary>
    /// <param name="diffId">A diffID the config lists.</param>
    /// <returns>The size.</returns>
    /// <exception cref="Errors.ImageFormatException">The source holds no such layer.</exception>
    /// <exception cref="IOException">The layer cannot be read.</exception>
    long GetLayerSize(Digest diffId);

    /// <summary>Opens the uncompressed tar with this diffID, unverified (the caller verifies).</summary>
    /// <param name="diffId">A diffID the config lists.</param>
    /// <returns>A new stream; dispose it.</returns>
    /// <exception cref="Errors.ImageFormatException">The source holds no such layer.</exception>
    /// <exception cref="IOException">The layer cannot be read.</exception>
    Stream OpenLayer(Digest diffId);

    /// <summary>Opens the uncompressed tar with this diffID, as <see cref="OpenLayer"/> does.</summary>
    /// <param name="diffId">A diffID the config lists.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <returns>A new stream; dispose it.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="Errors.ImageFormatException">The source holds no such layer.</exception>
    /// <exception cref="IOException">The layer cannot be read.</exception>
    ValueTask<Stream> OpenLayerAsync(Digest diffId, CancellationToken cancellationToken);
}
