using ImageFormat.Progress;

namespace ImageFormat.Images;

/// <summary>
/// A layer whose source can count its stored bytes into a progress reporter while they are read, and that has a
/// name of its own for messages (an archive entry, say). Consumers that report progress ask for it; a layer
/// without it is counted by its size once it has been read, and named by its digest.
/// </summary>
internal interface IReportingLayer : IImageLayer
{
    /// <summary>How messages and progress name the layer, without hashing anything.</summary>
    string Subject { get; }

    /// <summary>
    /// Opens the uncompressed tar as <see cref="IImageLayer.OpenUncompressed(bool)"/> does, with the stored bytes
    /// counted into <paramref name="reporter"/> and <paramref name="cancellationToken"/> observed on every read.
    /// </summary>
    Stream OpenUncompressed(bool verify, ProgressReporter? reporter, CancellationToken cancellationToken);
}
