using ImageFormat.Compression;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Images;
using ImageFormat.Progress;

namespace ImageFormat.Archives;

/// <summary>Verification of one image from any source.</summary>
public static partial class ArchiveVerifier
{
    /// <summary>
    /// Verifies one image from any source (an archive, an OCI layout, the store, a builder): the layer count
    /// against <c>rootfs.diff_ids</c>, the non-empty history entries against the layers, and every distinct layer
    /// blob's digest, size and diffID, each read once. Every problem is reported, not only the first.
    /// </summary>
    /// <param name="image">The image.</param>
    /// <param name="limits">Safety limits for decompressing; <see cref="ImageFormatLimits.Default"/> when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops the verification.</param>
    /// <returns>The problems found, with where each is.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is <see langword="null"/>.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    /// <exception cref="ImageFormatException">The image's manifest or config cannot be read.</exception>
    /// <exception cref="IOException">A blob could not be read.</exception>
    public static ArchiveVerification VerifyImage(IContainerImage image, ImageFormatLimits? limits = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        cancellationToken.ThrowIfCancellationRequested();
        return SyncCore.Run(VerifyImageCore(image, limits ?? ImageFormatLimits.Default, null, async: false, cancellationToken));
    }

    /// <summary>
    /// Verifies one image from any source as <see cref="VerifyImage"/> does (the same core, the same result),
    /// reading each blob with asynchronous reads.
    /// </summary>
    /// <param name="image">The image.</param>
    /// <param name="limits">Safety limits for decompressing; <see cref="ImageFormatLimits.Default"/> when <see langword="null"/>.</param>
    /// <param name="progress">Receives <see cref="ImageProgressPhase.Verifying"/> reports: one item per distinct layer blob, stored bytes read; none unless given.</param>
    /// <param name="cancellationToken">Stops the verification.</param>
    /// <returns>The problems found, with where each is.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is <see langword="null"/>.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    /// <exception cref="ImageFormatException">The image's manifest or config cannot be read.</exception>
    /// <exception cref="IOException">A blob could not be read.</exception>
    public static Task<ArchiveVerification> VerifyImageAsync(IContainerImage image, ImageFormatLimits? limits = null, IProgress<ImageProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        return cancellationToken.IsCancellationRequested
            ? Task.FromCanceled<ArchiveVerification>(cancellationToken)
            : VerifyImageCore(image, limits ?? ImageFormatLimits.Default, progress, async: true, cancellationToken).AsTask();
    }

    /// <summary>The one core of <see cref="VerifyImage"/> and <see cref="VerifyImageAsync"/>.</summary>
    private static async ValueTask<ArchiveVerification> VerifyImageCore(IContainerImage image, ImageFormatLimits limits, IProgress<ImageProgress>? progress, bool async, CancellationToken cancellationToken)
    {
        var problems = new List<ArchiveProblem>();
        string subject = $"image {image.Id.ShortId}";
        Model.ImageConfig config = image.Config.Value;
        IReadOnlyList<IImageLayer> layers = image.Layers;
        if (config.RootFs.DiffIds.Count != layers.Count)
        {
            problems.Add(new ArchiveProblem(ProblemSeverity.Error, ErrorCodes.InvalidDocument, subject, $"rootfs.diff_ids lists {config.RootFs.DiffIds.Count} layers but the image has {layers.Count}"));
        }

        if (config.History is { Count: > 0 } history && history.Count(h => h.EmptyLayer != true) is var nonEmpty && nonEmpty != layers.Count)
        {
            problems.Add(new ArchiveProblem(ProblemSeverity.Error, ErrorCodes.InvalidDocument, subject, $"{subject}: history has {nonEmpty} entries that are not empty_layer, but the image has {layers.Count} layers"));
        }

        IImageLayer[] distinct = [.. layers.DistinctBy(l => l.Digest)];
        ProgressReporter? reporter = ProgressReporter.Create(progress, ImageProgressPhase.Verifying, distinct.Length, distinct.Sum(l => l.Size));
        var seen = new HashSet<Digest>();
        long bytes = 0;
        for (int i = 0; i < layers.Count; i++)
        {
            IImageLayer layer = layers[i];
            string where = $"layer {i} of {subject}";
            try
            {
                if (!seen.Add(layer.Digest))
                {
                    continue;
                }

                BlobResult blob = await HashImageLayer(layer, limits, reporter, async, cancellationToken).ConfigureAwait(false);
                bytes += blob.StoredSize;
                if (!layer.Digest.FixedTimeEquals(blob.StoredDigest))
                {
                    problems.Add(new ArchiveProblem(ProblemSeverity.Error, ErrorCodes.DigestMismatch, layer.Digest.ToString(), $"{where}: expected digest {layer.Digest}, stored blob hashes to {blob.StoredDigest}"));
                }

                if (layer.Size != blob.StoredSize)
                {
                    problems.Add(new ArchiveProblem(ProblemSeverity.Error, ErrorCodes.SizeMismatch, layer.Digest.ToString(), $"{where}: descriptor declares {layer.Size} bytes, stored blob has {blob.StoredSize}"));
                }

                if (!layer.DiffId.FixedTimeEquals(blob.DiffId))
                {
                    problems.Add(new ArchiveProblem(ProblemSeverity.Error, ErrorCodes.DigestMismatch, layer.Digest.ToString(), $"{where}: config declares diffID {layer.DiffId}, uncompressed content hashes to {blob.DiffId}"));
                }
            }
            catch (ImageFormatException e)
            {
                problems.Add(new ArchiveProblem(ProblemSeverity.Error, e.Code, where, e.Message));
            }
        }

        return new ArchiveVerification(problems, seen.Count, bytes);
    }

    private static async ValueTask<BlobResult> HashImageLayer(IImageLayer layer, ImageFormatLimits limits, ProgressReporter? reporter, bool async, CancellationToken cancellationToken)
    {
        string item = layer.Digest.Value;
        int index = reporter?.StartItem(item) ?? 0;
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            CompressionFormat format = layer.Compression;
            Stream blob = async
                ? await layer.OpenBlobAsync(verify: false, cancellationToken).ConfigureAwait(false)
                : layer.OpenBlob(verify: false);
            using Stream stored = ProgressStream.Wrap(blob, reporter, cancellationToken);
            return await HashStoredAndUncompressed(stored, format, limits, layer.Digest.ToString(), buffer, async, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            reporter?.EndItem(item, index);
        }
    }
}
