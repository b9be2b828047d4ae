using ImageFormat.Compression;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Images;

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
        limits ??= ImageFormatLimits.Default;
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

                BlobResult blob = HashImageLayer(layer, limits, cancellationToken);
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

    private static BlobResult HashImageLayer(IImageLayer layer, ImageFormatLimits limits, CancellationToken cancellationToken)
    {
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            CompressionFormat format = layer.Compression;
            using Stream stored = layer.OpenBlob(verify: false);
            using var storedHash = new HashingReadStream(stored, leaveOpen: true);
            if (format == CompressionFormat.None)
            {
                Progress.SyncCore.Run(Drain(storedHash, buffer, async: false, cancellationToken));
                Digest digest = storedHash.GetDigest();
                return new BlobResult(digest, storedHash.BytesRead, digest, format, null);
            }

            using Stream uncompressed = Decompression.Open(storedHash, format, limits, leaveOpen: true, layer.Digest.ToString());
            using var diffHash = new HashingReadStream(uncompressed, leaveOpen: true);
            Progress.SyncCore.Run(Drain(diffHash, buffer, async: false, cancellationToken));
            Progress.SyncCore.Run(Drain(storedHash, buffer, async: false, cancellationToken));
            return new BlobResult(storedHash.GetDigest(), storedHash.BytesRead, diffHash.GetDigest(), format, null);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
