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

    /// <summary>
    /// Formats one image from any source (a registry, a layout, the store) as <see cref="Format(IReadOnlyList{ArchiveImage})"/>
    /// formats an archive's: <c>Size</c> is the sum of the regular files' sizes in its layers, read once per distinct
    /// layer, streamed and verified against its digest, size and diffID.
    /// </summary>
    /// <param name="image">The image.</param>
    /// <param name="repoTags">The tags to show as <c>RepoTags</c>.</param>
    /// <param name="limits">Safety limits for decompressing; <see cref="ImageFormatLimits.Default"/> when <see langword="null"/>.</param>
    /// <returns>The JSON text, without a trailing newline.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> or <paramref name="repoTags"/> is <see langword="null"/>.</exception>
    /// <exception cref="Errors.ImageFormatException">A layer could not be read, or does not match its digests.</exception>
    /// <exception cref="IOException">A layer could not be read.</exception>
    public static string Format(Images.IContainerImage image, IReadOnlyList<string> repoTags, ImageFormatLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(repoTags);
        var sizes = new Dictionary<Digests.Digest, long>();
        long size = 0;
        foreach (Images.IImageLayer layer in image.Layers)
        {
            if (!sizes.TryGetValue(layer.Digest, out long content))
            {
                content = ContentSize(layer, limits ?? ImageFormatLimits.Default);
                sizes[layer.Digest] = content;
            }

            size += content;
        }

        return DockerInspect.Format([new DockerInspect.Subject(image.Config, repoTags, [], null, size, "0001-01-01T00:00:00Z")]);
    }

    private static long ContentSize(Images.IImageLayer layer, ImageFormatLimits limits)
    {
        long total = 0;
        using Stream tar = layer.OpenUncompressed(verify: true);
        using (var reader = new Tar.TarEntryReader(tar, leaveOpen: true, limits))
        {
            while (reader.GetNextEntry() is { } entry)
            {
                if (entry.Type is Tar.TarEntryKind.RegularFile or Tar.TarEntryKind.ContiguousFile)
                {
                    total += entry.Size;
                }
            }
        }

        // The digests are checked by the read that reaches the end: read past the end-of-archive blocks.
        Images.LayerStreams.ReadToEnd(tar);
        return total;
    }
}
