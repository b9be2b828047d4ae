using System.Runtime.CompilerServices;
using ImageFormat.Digests;
using ImageFormat.Model;

namespace ImageFormat.Images;

/// <summary>
/// What follows from an image's core members, derived the same way for every source; values that cost a
/// computation (chainIDs, lookups) are computed once per image and remembered.
/// </summary>
public static class ContainerImageExtensions
{
    private static readonly ConditionalWeakTable<IContainerImage, Derived> DerivedFacts = [];

    /// <summary>Docker's short ID: the first 12 hex characters of the image ID.</summary>
    /// <param name="image">The image.</param>
    /// <returns>The short ID.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is <see langword="null"/>.</exception>
    /// <exception cref="Errors.ImageFormatException">The config cannot be read.</exception>
    public static string GetShortId(this IContainerImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return image.Id.ShortId;
    }

    /// <summary>The platform the config declares; <c>unknown</c> for a missing OS or architecture.</summary>
    /// <param name="image">The image.</param>
    /// <returns>The platform (OS, architecture, variant).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is <see langword="null"/>.</exception>
    /// <exception cref="Errors.ImageFormatException">The config cannot be read.</exception>
    public static Platform GetPlatform(this IContainerImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        ImageConfig config = image.Config.Value;
        return new Platform
        {
            Os = string.IsNullOrEmpty(config.Os) ? "unknown" : config.Os,
            Architecture = string.IsNullOrEmpty(config.Architecture) ? "unknown" : config.Architecture,
            Variant = string.IsNullOrEmpty(config.Variant) ? null : config.Variant,
        };
    }

    /// <summary>The layers' diffIDs, base first (the config's <c>rootfs.diff_ids</c>).</summary>
    /// <param name="image">The image.</param>
    /// <returns>The diffIDs.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is <see langword="null"/>.</exception>
    /// <exception cref="Errors.ImageFormatException">The config cannot be read.</exception>
    public static IReadOnlyList<Digest> GetDiffIds(this IContainerImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return image.Config.Value.RootFs.DiffIds;
    }

    /// <summary>The layers' chainIDs, base first (OCI image-spec, <c>config.md</c>, "Layer ChainID").</summary>
    /// <param name="image">The image.</param>
    /// <returns>The chainIDs, computed once per image.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is <see langword="null"/>.</exception>
    /// <exception cref="Errors.ImageFormatException">The config cannot be read.</exception>
    public static IReadOnlyList<Digest> GetChainIds(this IContainerImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return Facts(image).ChainIds.Value;
    }

    /// <summary>The layer whose blob has this digest, or <see langword="null"/>.</summary>
    /// <param name="image">The image.</param>
    /// <param name="digest">The blob digest (the manifest's layer digest).</param>
    /// <returns>The first such layer, base first, or <see langword="null"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is <see langword="null"/>.</exception>
    /// <exception cref="Errors.ImageFormatException">The image's documents cannot be read.</exception>
    public static IImageLayer? FindLayerByDigest(this IContainerImage image, Digest digest)
    {
        ArgumentNullException.ThrowIfNull(image);
        return Facts(image).ByDigest.Value.GetValueOrDefault(digest);
    }

    /// <summary>The layer whose uncompressed tar has this diffID, or <see langword="null"/>.</summary>
    /// <param name="image">The image.</param>
    /// <param name="diffId">The diffID.</param>
    /// <returns>The first such layer, base first, or <see langword="null"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is <see langword="null"/>.</exception>
    /// <exception cref="Errors.ImageFormatException">The image's documents cannot be read.</exception>
    public static IImageLayer? FindLayerByDiffId(this IContainerImage image, Digest diffId)
    {
        ArgumentNullException.ThrowIfNull(image);
        return Facts(image).ByDiffId.Value.GetValueOrDefault(diffId);
    }

    /// <summary>The bytes of the image as stored: manifest, config and each distinct layer blob once.</summary>
    /// <param name="image">The image.</param>
    /// <returns>The total size in bytes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is <see langword="null"/>.</exception>
    /// <exception cref="Errors.ImageFormatException">The image's documents cannot be read.</exception>
    public static long GetTotalSize(this IContainerImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return Facts(image).TotalSize.Value;
    }

    private static Derived Facts(IContainerImage image) => DerivedFacts.GetValue(image, static i => new Derived(i));

    private sealed class Derived(IContainerImage image)
    {
        public Lazy<IReadOnlyList<Digest>> ChainIds { get; } = new(() => ChainId.Compute(image.Config.Value.RootFs.DiffIds));

        public Lazy<Dictionary<Digest, IImageLayer>> ByDigest { get; } = new(() => Index(image.Layers, static l => l.Digest));

        public Lazy<Dictionary<Digest, IImageLayer>> ByDiffId { get; } = new(() => Index(image.Layers, static l => l.DiffId));

        public Lazy<long> TotalSize { get; } = new(() =>
            image.Manifest.Size + image.Config.Size + image.Layers.DistinctBy(l => l.Digest).Sum(l => l.Size));

        private static Dictionary<Digest, IImageLayer> Index(IReadOnlyList<IImageLayer> layers, Func<IImageLayer, Digest> key)
        {
            var index = new Dictionary<Digest, IImageLayer>();
            foreach (IImageLayer layer in layers)
            {
                index.TryAdd(key(layer), layer);
            }

            return index;
        }
    }
}
