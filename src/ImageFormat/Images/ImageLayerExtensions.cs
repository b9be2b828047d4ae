namespace ImageFormat.Images;

/// <summary>The verified forms of <see cref="IImageLayer"/>'s open methods: what a caller should use unless it hashes the bytes itself.</summary>
public static class ImageLayerExtensions
{
    /// <summary>Opens the blob as stored, checked against its digest and size while it is read.</summary>
    /// <param name="layer">The layer.</param>
    /// <returns>A new stream; dispose it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="layer"/> is <see langword="null"/>.</exception>
    /// <exception cref="Errors.ImageFormatException">As for <see cref="IImageLayer.OpenBlob(bool)"/>.</exception>
    /// <exception cref="IOException">The blob cannot be read.</exception>
    public static Stream OpenBlob(this IImageLayer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return layer.OpenBlob(verify: true);
    }

    /// <summary>Opens the blob as stored, checked against its digest and size while it is read.</summary>
    /// <param name="layer">The layer.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <returns>A new stream; dispose it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="layer"/> is <see langword="null"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="Errors.ImageFormatException">As for <see cref="IImageLayer.OpenBlob(bool)"/>.</exception>
    /// <exception cref="IOException">The blob cannot be read.</exception>
    public static ValueTask<Stream> OpenBlobAsync(this IImageLayer layer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return layer.OpenBlobAsync(verify: true, cancellationToken);
    }

    /// <summary>Opens the uncompressed tar, checked against the blob digest and size and the diffID while it is read.</summary>
    /// <param name="layer">The layer.</param>
    /// <returns>A new forward-only stream; dispose it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="layer"/> is <see langword="null"/>.</exception>
    /// <exception cref="Errors.ImageFormatException">As for <see cref="IImageLayer.OpenUncompressed(bool)"/>.</exception>
    /// <exception cref="IOException">The blob cannot be read.</exception>
    public static Stream OpenUncompressed(this IImageLayer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return layer.OpenUncompressed(verify: true);
    }

    /// <summary>Opens the uncompressed tar, checked against the blob digest and size and the diffID while it is read.</summary>
    /// <param name="layer">The layer.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <returns>A new forward-only stream; dispose it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="layer"/> is <see langword="null"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="Errors.ImageFormatException">As for <see cref="IImageLayer.OpenUncompressed(bool)"/>.</exception>
    /// <exception cref="IOException">The blob cannot be read.</exception>
    public static ValueTask<Stream> OpenUncompressedAsync(this IImageLayer layer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return layer.OpenUncompressedAsync(verify: true, cancellationToken);
    }
}
