using ImageFormat.Archives;
using ImageFormat.Errors;
using ImageFormat.Images;
using ImageFormat.Tar;

namespace ImageFormat.Layers;

/// <summary>
/// Applies layers, in order, onto a directory: the <c>create</c> step of a container store, and
/// <c>imagefmt archive extract</c>. Whiteouts and opaque whiteouts remove lower content; directory over directory
/// merges; anything else replaces what was there. Every write lands inside the root, whatever the layer says.
/// </summary>
/// <remarks>
/// <para>Containment: names are cleaned lexically first (absolute names and <c>..</c> above the root are refused
/// with <see cref="ErrorCodes.UnsafePath"/>), then resolved on disk component by component as if the root were
/// <c>/</c> (<c>chroot</c> semantics): a symbolic link planted by this or a lower layer, in a parent component, is
/// followed inside the root and never outside it; the final component is never followed (it is replaced). Hard
/// link targets are resolved the same way and must exist and not be directories. An entry for the root itself
/// may only be a directory (its attributes are applied).</para>
/// <para>Duplicate entries in one layer: the last one wins, as with <c>tar -x</c> (a later directory entry merges
/// its attributes into the earlier one).</para>
/// <para>Whiteouts apply in the order they appear; an opaque whiteout (<c>.wh..wh..opq</c>) removes everything
/// under its directory that this layer did not itself write, wherever in the layer it appears.</para>
/// <para>Attributes: mode (setuid, setgid and sticky included), modification and access times (on symbolic
/// links too), extended attributes (<c>lsetxattr</c>), ownership (<c>lchown</c>, when running as root), device
/// nodes and fifos (<c>mknod</c>; recorded when not permitted). Directory times are set once the layer is done.
/// Linux only.</para>
/// </remarks>
public static class LayerExtractor
{
    /// <summary>Extracts every layer of <paramref name="image"/>, base first, onto <paramref name="root"/> (created if missing).</summary>
    /// <param name="image">The image, from any source (an archive, an OCI layout, the store, a builder).</param>
    /// <param name="root">The destination directory.</param>
    /// <param name="options">Options; <see cref="LayerExtractOptions.Default"/> when <see langword="null"/>.</param>
    /// <returns>What was applied and what was not.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="root"/> exists and is not a directory.</exception>
    /// <exception cref="PlatformNotSupportedException">Not running on Linux.</exception>
    /// <exception cref="InvalidLayerException">An entry is unsafe (<see cref="ErrorCodes.UnsafePath"/>) or invalid
    /// (<see cref="ErrorCodes.InvalidLayer"/>), and <see cref="LayerExtractOptions.SkipInvalidEntries"/> is not set.</exception>
    /// <exception cref="ImageFormatException">A layer is missing, corrupt or exceeds a limit.</exception>
    /// <exception cref="ContentMismatchException">A layer does not match its stored digest, size or diffID (unless
    /// <see cref="LayerExtractOptions.VerifyDigests"/> is off); the layers before it, and that layer, are applied.</exception>
    /// <exception cref="IOException">The file system refused an operation.</exception>
    public static LayerExtractResult ExtractImage(IContainerImage image, string root, LayerExtractOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        string fullRoot = PrepareRoot(root);
        options ??= LayerExtractOptions.Default;
        var result = new LayerExtractResult();
        IReadOnlyList<IImageLayer> layers = image.Layers;
        for (int i = 0; i < layers.Count; i++)
        {
            using Stream tar = layers[i].OpenUncompressed(options.VerifyDigests);
            Apply(tar, fullRoot, LayerLabel(i, layers[i]), options, result);
            if (options.VerifyDigests)
            {
                // The tar reader stops at the end-of-archive blocks: read the rest so the digests are checked.
                ArchiveLayer.ReadToEnd(tar);
            }
        }

        return result;
    }

    /// <summary>Applies one uncompressed layer tar onto <paramref name="root"/> (created if missing).</summary>
    /// <param name="tar">The uncompressed tar stream (left open).</param>
    /// <param name="root">The destination directory.</param>
    /// <param name="layer">How errors name the layer (a digest or index); may be <see langword="null"/>.</param>
    /// <param name="options">Options; <see cref="LayerExtractOptions.Default"/> when <see langword="null"/>.</param>
    /// <returns>What was applied and what was not.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="tar"/> or <paramref name="root"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="root"/> exists and is not a directory.</exception>
    /// <exception cref="PlatformNotSupportedException">Not running on Linux.</exception>
    /// <exception cref="InvalidLayerException">An entry is unsafe or invalid, and <see cref="LayerExtractOptions.SkipInvalidEntries"/> is not set.</exception>
    /// <exception cref="ImageFormatException">The tar is malformed or exceeds a limit.</exception>
    /// <exception cref="IOException">The file system refused an operation.</exception>
    public static LayerExtractResult ApplyLayer(Stream tar, string root, string? layer = null, LayerExtractOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tar);
        string fullRoot = PrepareRoot(root);
        var result = new LayerExtractResult();
        Apply(tar, fullRoot, layer, options ?? LayerExtractOptions.Default, result);
        return result;
    }

    internal static string LayerLabel(int index, IImageLayer layer) =>
        layer.DiffId.IsEmpty ? index.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{index} ({layer.DiffId})";

    private static string PrepareRoot(string root)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (!Native.IsSupported)
        {
            throw new PlatformNotSupportedException("Extracting layers needs Linux (lchown, lsetxattr, mknod, utimensat).");
        }

        string full = Path.GetFullPath(root).TrimEnd('/');
        if (full.Length == 0)
        {
            throw new ArgumentException("Refusing to extract onto /.", nameof(root));
        }

        Directory.CreateDirectory(full);
        FileStatus? status = Native.LStat(full);
        if (status is { IsSymlink: true })
        {
            // The caller named a link: extract into what it points at now, and from then on never through it.
            full = new DirectoryInfo(full).ResolveLinkTarget(returnFinalTarget: true)!.FullName.TrimEnd('/');
            status = Native.LStat(full);
        }

        if (status is not { IsDirectory: true })
        {
            throw new ArgumentException($"{root} is not a directory.", nameof(root));
        }

        return full;
    }

    private static void Apply(Stream tar, string root, string? layer, LayerExtractOptions options, LayerExtractResult result)
    {
        ImageFormatLimits limits = options.Limits ?? ImageFormatLimits.Default;
        using var applier = new LayerApplier(root, layer, options, limits, result);
        using var reader = new TarEntryReader(tar, leaveOpen: true, limits);
        while (reader.GetNextEntry() is { } entry)
        {
            try
            {
                applier.Apply(entry, reader);
                result.EntriesApplied++;
            }
            catch (InvalidLayerException ex) when (options.SkipInvalidEntries)
            {
                result.SkippedList.Add(ex);
            }
        }

        applier.Finish();
        result.ComponentLookups += applier.Lookups;
    }
}
