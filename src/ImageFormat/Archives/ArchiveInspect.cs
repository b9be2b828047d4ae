using ImageFormat.Moby;

namespace ImageFormat.Archives;

/// <summary>
/// <c>docker image inspect</c>'s output for images read from an archive: the JSON array Docker 20.10 prints, with
/// four-space indentation. Fields come from the raw config as written; daemon-only facts have neutral values
/// (<c>GraphDriver</c> names no driver, <c>Metadata.LastTagTime</c> is Go's zero time, <c>RepoDigests</c> is empty).
/// <c>Size</c> is the sum of the regular files' sizes in the image's layers, and <c>Comment</c> falls back to the
/// last history entry's comment, as Docker's does.
/// </summary>
public static class ArchiveInspect
{
    /// <summary>Formats the images.</summary>
    /// <param name="images">Images from an archive.</param>
    /// <returns>The JSON text, without a trailing newline.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="images"/> is <see langword="null"/>.</exception>
    /// <exception cref="Errors.ImageFormatException">A layer could not be read to compute the size.</exception>
    public static string Format(IReadOnlyList<ArchiveImage> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        return DockerInspect.Format([.. images.Select(image => new DockerInspect.Subject(
            image.Config,
            image.RepoTags,
            [],
            image.Parent,
            image.Layers.Where(l => l.IsPresent).Sum(l => l.ContentSize),
            "0001-01-01T00:00:00Z"))]);
    }
}
