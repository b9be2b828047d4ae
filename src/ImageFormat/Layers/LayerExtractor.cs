using ImageFormat.Containment;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Images;
using ImageFormat.Progress;
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
        ArgumentNullException.ThrowIfNull(root);
        bool existed = Path.Exists(root);
        string fullRoot = PrepareRoot(root);
        return ExtractCore(image, fullRoot, existed, options ?? LayerExtractOptions.Default, null, CancellationToken.None);
    }

    /// <summary>
    /// Extracts every layer of <paramref name="image"/>, base first, onto <paramref name="root"/>, as
    /// <see cref="ExtractImage"/> does (the same core, the same tree). Extraction is system calls on directory
    /// descriptors (<c>openat</c>, <c>mkdirat</c>, <c>fchown</c>...), which have no asynchronous form: the core runs
    /// on a thread-pool thread, so the caller is not blocked, and observes the token on every read of a layer.
    /// </summary>
    /// <param name="image">The image.</param>
    /// <param name="root">The destination directory.</param>
    /// <param name="options">Options; <see cref="LayerExtractOptions.Default"/> when <see langword="null"/>.</param>
    /// <param name="progress">Receives <see cref="ImageProgressPhase.Extracting"/> reports: one item per layer, stored (compressed) bytes read; none unless given.</param>
    /// <param name="cancellationToken">Stops the extraction. When <paramref name="root"/> did not exist before the
    /// call, it is created only once the call starts and removed again on cancellation; an existing directory keeps what was applied (see the remarks on interrupted extraction).</param>
    /// <returns>What was applied and what was not.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="root"/> exists and is not a directory.</exception>
    /// <exception cref="PlatformNotSupportedException">Not running on Linux.</exception>
    /// <exception cref="InvalidLayerException">An entry is unsafe or invalid, and <see cref="LayerExtractOptions.SkipInvalidEntries"/> is not set.</exception>
    /// <exception cref="ImageFormatException">A layer is missing, corrupt or exceeds a limit.</exception>
    /// <exception cref="DigestMismatchException">A layer does not match its stored digest, size or diffID.</exception>
    /// <exception cref="IOException">The file system refused an operation.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static Task<LayerExtractResult> ExtractImageAsync(IContainerImage image, string root, LayerExtractOptions? options = null, IProgress<ImageProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(root);
        options ??= LayerExtractOptions.Default;
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<LayerExtractResult>(cancellationToken);
        }

        bool existed = Path.Exists(root);
        string fullRoot = PrepareRoot(root);
        return SyncCore.Offload(() => ExtractCore(image, fullRoot, existed, options, progress, cancellationToken), cancellationToken);
    }

    /// <summary>The one core of <see cref="ExtractImage"/> and <see cref="ExtractImageAsync"/>.</summary>
    private static LayerExtractResult ExtractCore(IContainerImage image, string fullRoot, bool existed, LayerExtractOptions options, IProgress<ImageProgress>? progress, CancellationToken cancellationToken)
    {
        var result = new LayerExtractResult();
        IReadOnlyList<IImageLayer> layers = image.Layers;
        ProgressReporter? reporter = ProgressReporter.Create(progress, ImageProgressPhase.Extracting, layers.Count, layers.Sum(l => l.Size));
        try
        {
            for (int i = 0; i < layers.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                IImageLayer layer = layers[i];
                string item = LayerStreams.SubjectOf(layer);
                int index = reporter?.StartItem(item) ?? 0;
                bool counted;
                using (Stream tar = ReadAhead(layer, options, LayerStreams.OpenUncompressed(layer, options.VerifyDigests, reporter, cancellationToken, out counted)))
                {
                    Apply(tar, fullRoot, LayerLabel(i, layer), options, result, cancellationToken);
                    if (options.VerifyDigests)
                    {
                        // The tar reader stops at the end-of-archive blocks: read the rest so the digests are checked.
                        LayerStreams.ReadToEnd(tar);
                    }
                }

                if (!counted)
                {
                    // A layer that cannot count its stored bytes while they are read is counted now.
                    reporter?.Add(layer.Size);
                }

                reporter?.EndItem(item, index);
            }
        }
        catch (Exception) when (!existed && cancellationToken.IsCancellationRequested)
        {
            // Cancelled into a directory this call created: leave nothing under the name.
            string parent = Path.GetDirectoryName(fullRoot)!;
            Containment.TreeRemoval.RemoveSubtree(parent, Path.GetFileName(fullRoot), (options.Limits ?? ImageFormatLimits.Default).MaxWalkDepth);
            throw;
        }

        reporter?.Complete();
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
        Apply(tar, fullRoot, layer, options ?? LayerExtractOptions.Default, result, CancellationToken.None);
        return result;
    }

    /// <summary>
    /// A verified layer stored uncompressed is read (and hashed) by a thread of its own, ahead of the applier, which
    /// hands file bytes to the writers where that thread read them (<see cref="IO.IBlockLender"/>): the applier then
    /// only parses and creates, reading, hashing and writing run beside it, and no byte is copied in this process (the
    /// verifying stream hashes each piece in its chunk, <see cref="IO.IRetainingReader"/>). A compressed layer is read
    /// as before: its decompression and two digests would make the reading thread the one stage everything waits for.
    /// </summary>
    private static Stream ReadAhead(IImageLayer layer, LayerExtractOptions options, Stream tar) =>
        options.VerifyDigests && layer.Compression == Compression.CompressionFormat.None && Environment.ProcessorCount > 1
            ? new IO.ReadAheadStream(tar, ReadAheadChunkBytes, ReadAheadChunks)
            : tar;

    /// <summary>The size of one read-ahead chunk of a layer.</summary>
    internal const int ReadAheadChunkBytes = 1 << 20;

    /// <summary>How many read-ahead chunks a layer has: read ahead, being parsed, or lent to the writers.</summary>
    internal const int ReadAheadChunks = 8;

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

    private static void Apply(Stream tar, string root, string? layer, LayerExtractOptions options, LayerExtractResult result, CancellationToken cancellationToken)
    {
        ImageFormatLimits limits = options.Limits ?? ImageFormatLimits.Default;
        using var applier = new LayerApplier(root, layer, options, limits, result);
        using var reader = new TarEntryReader(tar, leaveOpen: true, limits);
        while (reader.GetNextEntry() is { } entry)
        {
            cancellationToken.ThrowIfCancellationRequested();
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
