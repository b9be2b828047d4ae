using ImageFormat.Archives.Writers;
using ImageFormat.Images;
using ImageFormat.References;

namespace ImageFormat.Registry;

/// <summary>Moves any <see cref="IContainerImage"/> (a registry image among them) into the archive writers.</summary>
public static class ImageTransfer
{
    /// <summary>
    /// The image as the archive writers take it: its exact config and manifest, and each layer's blob as stored,
    /// verified while it is read. Written without recompression, every digest is kept.
    /// </summary>
    /// <param name="image">The image.</param>
    /// <param name="tags">The names to record for it in the output (<c>RepoTags</c>, <c>org.opencontainers.image.ref.name</c>).</param>
    /// <returns>The image to write.</returns>
    public static ImageToWrite ToImageToWrite(IContainerImage image, IEnumerable<ImageReference> tags)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(tags);
        List<LayerToWrite> layers = [];
        foreach (IImageLayer layer in image.Layers)
        {
            layers.Add(new LayerToWrite(() => layer.OpenBlob(verify: true), layer.Digest, layer.Size, layer.DiffId, layer.Compression, layer.MediaType));
        }

        return new ImageToWrite(image.Config, layers) { Manifest = image.Manifest, Tags = [.. tags] };
    }
}
