using System.Collections.Concurrent;
using ImageFormat.Compression;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Progress;

namespace ImageFormat.Archives;

/// <summary>What <see cref="ArchiveVerifier.Verify"/> found.</summary>
/// <param name="Problems">Every problem, reading and verification alike, in a stable order.</param>
/// <param name="BlobsChecked">How many distinct layer blobs were hashed.</param>
/// <param name="BytesHashed">How many stored bytes were read and hashed.</param>
public sealed record ArchiveVerification(IReadOnlyList<ArchiveProblem> Problems, int BlobsChecked, long BytesHashed)
{
    /// <summary>How many distinct artifact blobs (configs and layers of <see cref="ImageArchive.Artifacts"/>) were hashed; included in <see cref="BytesHashed"/>, not in <see cref="BlobsChecked"/>.</summary>
    public int ArtifactBlobsChecked { get; init; }

    /// <summary>Whether no problem is an error (warnings allowed).</summary>
    public bool IsValid => Problems.All(p => p.Severity != ProblemSeverity.Error);
}

/// <summary>
/// Checks everything an archive claims: every blob's digest and size, every layer's diffID against the image
/// config, the layer count against <c>rootfs.diff_ids</c>, the non-empty history entries against the layers,
/// the agreement of <c>manifest.json</c> with <c>index.json</c>, and the digest and size of every blob of the
/// archive's artifacts (signatures, attestations, charts...). Each distinct blob is read once, in one
/// pass that hashes it as stored and uncompressed; blobs are verified in parallel.
/// </summary>
public static partial class ArchiveVerifier
{
    private const int BufferSize = 1 << 20;

    /// <summary>Verifies every image of an archive and reports every problem, not only the first.</summary>
    /// <param name="archive">The opened archive.</param>
    /// <param name="cancellationToken">Stops the verification.</param>
    /// <returns>The problems found, with where each is.</returns>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    /// <exception cref="IOException">The archive's file could not be read.</exception>
    public static ArchiveVerification Verify(ImageArchive archive, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(archive);
        return SyncCore.Run(VerifyCore(archive, null, async: false, cancellationToken));
    }

    /// <summary>
    /// Verifies every image of an archive as <see cref="Verify"/> does (the same core, the same result), reading
    /// the blobs with asynchronous reads, several at once.
    /// </summary>
    /// <param name="archive">The opened archive.</param>
    /// <param name="progress">Receives <see cref="ImageProgressPhase.Verifying"/> reports: one item per distinct blob hashed, stored bytes read; none unless given.</param>
    /// <param name="cancellationToken">Stops the verification.</param>
    /// <returns>The problems found, with where each is.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="archive"/> is <see langword="null"/>.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    /// <exception cref="IOException">The archive's file could not be read.</exception>
    public static Task<ArchiveVerification> VerifyAsync(ImageArchive archive, IProgress<ImageProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(archive);
        return cancellationToken.IsCancellationRequested
            ? Task.FromCanceled<ArchiveVerification>(cancellationToken)
            : VerifyCore(archive, progress, async: true, cancellationToken).AsTask();
    }

    /// <summary>The one core of <see cref="Verify"/> and <see cref="VerifyAsync"/>.</summary>
    private static async ValueTask<ArchiveVerification> VerifyCore(ImageArchive archive, IProgress<ImageProgress>? progress, bool async, CancellationToken cancellationToken)
    {
        var problems = new List<ArchiveProblem>(archive.Problems);

        // Each distinct stored file is hashed once, whatever number of images and layers share it.
        var files = new Dictionary<string, ArchiveLayer>(StringComparer.Ordinal);
        foreach (ArchiveImage image in archive.Images)
        {
            foreach (ArchiveLayer layer in image.Layers)
            {
                if (layer.ResolvedEntry is { } name)
                {
                    files.TryAdd(name, layer);
                }
            }
        }

        ProgressReporter? reporter = ProgressReporter.Create(progress, ImageProgressPhase.Verifying, files.Count, files.Values.Sum(l => l.Size));
        var results = new ConcurrentDictionary<string, BlobResult>(StringComparer.Ordinal);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken };
        KeyValuePair<string, ArchiveLayer>[] ordered = [.. files.OrderByDescending(f => f.Value.Size)];
        if (files.Count <= 1 || Environment.ProcessorCount == 1)
        {
            // Nothing to share between cores: handing one blob to the thread pool only adds a wait for it.
            foreach ((string name, ArchiveLayer layer) in ordered)
            {
                cancellationToken.ThrowIfCancellationRequested();
                results[name] = await HashBlob(layer, archive.Options.Limits, reporter, async, cancellationToken).ConfigureAwait(false);
            }
        }
        else if (async)
        {
            await Parallel.ForEachAsync(ordered, parallel, async (pair, token) =>
                results[pair.Key] = await HashBlob(pair.Value, archive.Options.Limits, reporter, async: true, token).ConfigureAwait(false)).ConfigureAwait(false);
        }
        else
        {
            Parallel.ForEach(ordered, parallel, pair =>
                results[pair.Key] = SyncCore.Run(HashBlob(pair.Value, archive.Options.Limits, reporter, async: false, cancellationToken)));
        }

        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (ArchiveImage image in archive.Images)
        {
            string subject = $"image {image.ShortId}";
            CheckHistory(image, subject, problems);
            if (!string.Equals(image.Config.Value.RootFs.Type, "layers", StringComparison.Ordinal))
            {
                problems.Add(new ArchiveProblem(ProblemSeverity.Error, ErrorCodes.InvalidDocument, image.ConfigEntry, $"rootfs.type is \"{image.Config.Value.RootFs.Type}\", expected \"layers\""));
            }

            foreach (ArchiveLayer layer in image.Layers)
            {
                if (layer.ResolvedEntry is not { } name)
                {
                    continue;
                }

                BlobResult blob = results[name];
                if (blob.Error is { } error)
                {
                    if (reported.Add(name))
                    {
                        problems.Add(new ArchiveProblem(ProblemSeverity.Error, error.Code, layer.Entry, error.Message));
                    }

                    continue;
                }

                if (layer.DeclaredDigest is { } declared && !declared.FixedTimeEquals(blob.StoredDigest) && reported.Add(name + "#digest"))
                {
                    problems.Add(new ArchiveProblem(ProblemSeverity.Error, ErrorCodes.DigestMismatch, layer.Entry, $"layer {layer.Index} of {subject}: expected digest {declared}, stored blob hashes to {blob.StoredDigest}"));
                }

                if (layer.DeclaredSize is { } size && size != blob.StoredSize && reported.Add(name + "#size"))
                {
                    problems.Add(new ArchiveProblem(ProblemSeverity.Error, ErrorCodes.SizeMismatch, layer.Entry, $"layer {layer.Index} of {subject}: descriptor declares {size} bytes, stored blob has {blob.StoredSize}"));
                }

                if (!layer.DiffId.IsEmpty && !layer.DiffId.FixedTimeEquals(blob.DiffId))
                {
                    problems.Add(new ArchiveProblem(ProblemSeverity.Error, ErrorCodes.DigestMismatch, layer.Entry, $"layer {layer.Index} of {subject}: config declares diffID {layer.DiffId}, uncompressed content hashes to {blob.DiffId}"));
                }

                if (layer.MediaType is { } mediaType && Model.MediaTypes.TryGetLayerCompression(mediaType, out Model.LayerCompression declaredCompression)
                    && ToFormat(declaredCompression) is var expected && expected != blob.Compression)
                {
                    problems.Add(new ArchiveProblem(ProblemSeverity.Error, ErrorCodes.InvalidArchive, layer.Entry, $"layer {layer.Index} of {subject}: media type {mediaType} says {expected}, the blob is {blob.Compression}"));
                }
            }
        }

        (int artifactBlobs, long artifactBytes) = await VerifyArtifacts(archive, problems, reporter, async, cancellationToken).ConfigureAwait(false);
        reporter?.Complete();
        return new ArchiveVerification(problems, results.Count, results.Values.Sum(r => r.StoredSize) + artifactBytes) { ArtifactBlobsChecked = artifactBlobs };
    }

    /// <summary>Hashes each distinct present artifact blob as stored and compares it with its descriptor.</summary>
    private static async ValueTask<(int Blobs, long Bytes)> VerifyArtifacts(ImageArchive archive, List<ArchiveProblem> problems, ProgressReporter? reporter, bool async, CancellationToken cancellationToken)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        int count = 0;
        long bytes = 0;
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            foreach (ArchiveArtifact artifact in archive.Artifacts)
            {
                foreach (ArchiveBlob blob in artifact.Blobs)
                {
                    if (!blob.IsPresent || !done.Add(blob.Entry))
                    {
                        continue;
                    }

                    Digest expected = blob.Descriptor.Digest;
                    reporter?.AddItems(1, blob.Descriptor.Size);
                    int item = reporter?.StartItem(expected.Value) ?? 0;
                    string subject = $"{artifact.Kind} {artifact.Digest.ShortId}";
                    Digest actual;
                    long size;
                    try
                    {
                        using Stream stored = ProgressStream.Wrap(blob.Open(), reporter, cancellationToken);
                        using var hash = new HashingReadStream(stored, expected.Algorithm, leaveOpen: true);
                        await Drain(hash, buffer, async, cancellationToken).ConfigureAwait(false);
                        actual = hash.GetDigest();
                        size = hash.BytesRead;
                    }
                    catch (ImageFormatException e)
                    {
                        problems.Add(new ArchiveProblem(ProblemSeverity.Error, e.Code, blob.Entry, $"blob of {subject}: {e.Message}"));
                        continue;
                    }

                    reporter?.EndItem(expected.Value, item);
                    count++;
                    bytes += size;
                    if (!expected.FixedTimeEquals(actual))
                    {
                        problems.Add(new ArchiveProblem(ProblemSeverity.Error, ErrorCodes.DigestMismatch, blob.Entry, $"blob of {subject}: expected digest {expected}, stored blob hashes to {actual}"));
                    }

                    if (blob.Descriptor.Size != size)
                    {
                        problems.Add(new ArchiveProblem(ProblemSeverity.Error, ErrorCodes.SizeMismatch, blob.Entry, $"blob of {subject}: descriptor declares {blob.Descriptor.Size} bytes, stored blob has {size}"));
                    }
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }

        return (count, bytes);
    }

    private static CompressionFormat ToFormat(Model.LayerCompression compression) => compression switch
    {
        Model.LayerCompression.Gzip => CompressionFormat.Gzip,
        Model.LayerCompression.Zstd => CompressionFormat.Zstd,
        _ => CompressionFormat.None,
    };

    private static void CheckHistory(ArchiveImage image, string subject, List<ArchiveProblem> problems)
    {
        if (image.Config.Value.History is not { Count: > 0 } history)
        {
            return;
        }

        int nonEmpty = history.Count(h => h.EmptyLayer != true);
        if (nonEmpty != image.Layers.Count)
        {
            problems.Add(new ArchiveProblem(ProblemSeverity.Error, ErrorCodes.InvalidDocument, image.ConfigEntry, $"{subject}: history has {nonEmpty} entries that are not empty_layer, but the image has {image.Layers.Count} layers"));
        }
    }

    private static async ValueTask<BlobResult> HashBlob(ArchiveLayer layer, ImageFormatLimits limits, ProgressReporter? reporter, bool async, CancellationToken cancellationToken)
    {
        string item = layer.DeclaredDigest?.Value ?? layer.Entry;
        int index = reporter?.StartItem(item) ?? 0;
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            using Stream file = layer.OpenStored();
            CompressionFormat format = CompressionDetector.Detect(file);
            using Stream stored = ProgressStream.Wrap(file, reporter, cancellationToken, leaveOpen: true);
            return await HashStoredAndUncompressed(stored, format, limits, null, buffer, async, cancellationToken).ConfigureAwait(false);
        }
        catch (ImageFormatException e)
        {
            return new BlobResult(default, 0, default, CompressionFormat.None, e);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            reporter?.EndItem(item, index);
        }
    }

    /// <summary>
    /// The one pass of every blob check: hashes <paramref name="stored"/> as it is stored and, through the
    /// decompressor of <paramref name="format"/>, as its uncompressed tar (the diffID), reading it once.
    /// </summary>
    private static async ValueTask<BlobResult> HashStoredAndUncompressed(Stream stored, CompressionFormat format, ImageFormatLimits limits, string? subject, byte[] buffer, bool async, CancellationToken cancellationToken)
    {
        using var storedHash = new HashingReadStream(stored, leaveOpen: true);
        if (format == CompressionFormat.None)
        {
            await Drain(storedHash, buffer, async, cancellationToken).ConfigureAwait(false);
            Digest digest = storedHash.GetDigest();
            return new BlobResult(digest, storedHash.BytesRead, digest, format, null);
        }

        using Stream uncompressed = Decompression.Open(storedHash, format, limits, leaveOpen: true, subject);
        using var diffHash = new HashingReadStream(uncompressed, leaveOpen: true);
        await Drain(diffHash, buffer, async, cancellationToken).ConfigureAwait(false);

        // Bytes after the end of the compressed stream still belong to the blob and its digest.
        await Drain(storedHash, buffer, async, cancellationToken).ConfigureAwait(false);
        return new BlobResult(storedHash.GetDigest(), storedHash.BytesRead, diffHash.GetDigest(), format, null);
    }

    private static async ValueTask Drain(Stream stream, byte[] buffer, bool async, CancellationToken cancellationToken)
    {
        while (async
            ? await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false) > 0
            : stream.Read(buffer, 0, buffer.Length) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private sealed record BlobResult(Digest StoredDigest, long StoredSize, Digest DiffId, CompressionFormat Compression, ImageFormatException? Error);
}
