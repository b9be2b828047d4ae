using System.Collections.Concurrent;
using ImageFormat.Digests;
using ImageFormat.IO;
using ImageFormat.Progress;
using Microsoft.Win32.SafeHandles;

namespace ImageFormat.Archives.Writers;

/// <summary>
/// The layer blobs of one write to a file, copied by the kernel (<see cref="KernelCopy"/>) instead of through this
/// process, while every blob kept as stored is verified against its digest and size on the other cores, from the
/// same byte range of the same open file. Layers staged re-encoded were hashed as they were staged and need no
/// second pass.
/// </summary>
/// <remarks>
/// <para>Verification starts for all blobs at once, in write order, up to the write's parallelism; the caller waits
/// for a blob's check (<see cref="Verified"/>) before it makes that blob visible under its name, or for all of them
/// (<see cref="AllVerified"/>) before it commits an archive file. A failed check is the same
/// <see cref="SizeMismatchException"/> or <see cref="DigestMismatchException"/> the streaming path throws.</para>
/// <para>Trust model: the input is read twice, once to hash and once by the kernel to copy, so the copy is the
/// verified content only if the input file does not change during the write. The library never writes to its
/// inputs; a process that rewrites an archive while it is being converted gets no guarantee from any tool.</para>
/// <para>Blobs that are not a byte range of a file (a compressed archive, a stream) are not taken; the writer reads
/// them through <see cref="PreparedLayer.Open"/> as before.</para>
/// </remarks>
internal sealed class LayerCopies : IDisposable
{
    private readonly Dictionary<PlannedEntry, Source> _sources;
    private readonly CancellationTokenSource _stop;
    private readonly Task _verification;

    private LayerCopies(Dictionary<PlannedEntry, Source> sources, CancellationTokenSource stop, Task verification)
    {
        _sources = sources;
        _stop = stop;
        _verification = verification;
    }

    /// <summary>A task that completes when every blob has been checked, and faults with the first failure.</summary>
    public Task AllVerified => _sources.Count == 0 ? Task.CompletedTask : Task.WhenAll(_sources.Values.Select(s => s.Verified.Task));

    /// <summary>Opens the file-backed layer blobs among <paramref name="entries"/> and starts verifying them.</summary>
    /// <param name="entries">The entries of the write, in write order.</param>
    /// <param name="maxParallelism">How many blobs are hashed at once.</param>
    /// <param name="cancellationToken">Stops the verification.</param>
    /// <returns>The copies; dispose them after the write.</returns>
    public static LayerCopies Start(IEnumerable<PlannedEntry> entries, int maxParallelism, CancellationToken cancellationToken)
    {
        var sources = new Dictionary<PlannedEntry, Source>();
        try
        {
            foreach (PlannedEntry entry in entries)
            {
                if (entry.Layer is not { } layer || entry.Size == 0 || sources.ContainsKey(entry))
                {
                    continue;
                }

                Stream stored = layer.OpenUnchecked(out bool unverified);
                (SafeFileHandle Handle, long Offset, long Length)? range = stored switch
                {
                    FileSegmentStream segment => (segment.Handle, segment.Start, segment.Length),
                    FileStream { CanSeek: true } file => (file.SafeFileHandle, file.Position, file.Length - file.Position),
                    _ => null,
                };
                if (range is not { } r || r.Length != entry.Size)
                {
                    // Not a range of a file, or not the declared size: the streaming path reads it and reports.
                    stored.Dispose();
                    continue;
                }

                var source = new Source(stored, r.Handle, r.Offset, r.Length, layer, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                sources.Add(entry, source);
                if (!unverified)
                {
                    source.Verified.SetResult();
                }
            }
        }
        catch
        {
            foreach (Source source in sources.Values)
            {
                source.Owner.Dispose();
            }

            throw;
        }

        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        List<Source> pending = [.. sources.Values.Where(s => !s.Verified.Task.IsCompleted)];
        Task verification = pending.Count == 0 ? Task.CompletedTask : Task.Run(() => VerifyAll(pending, maxParallelism, stop.Token), CancellationToken.None);
        return new LayerCopies(sources, stop, verification);
    }

    /// <summary>Whether <paramref name="entry"/> is copied in the kernel.</summary>
    public bool Contains(PlannedEntry entry) => _sources.ContainsKey(entry);

    /// <summary>A task that completes when <paramref name="entry"/>'s bytes are checked, and faults if they are wrong.</summary>
    public Task Verified(PlannedEntry entry) => _sources[entry].Verified.Task;

    /// <summary>
    /// Copies <paramref name="entry"/>'s bytes into <paramref name="output"/> at its position, which then moves past
    /// them. Its check runs separately: see <see cref="Verified"/>.
    /// </summary>
    public void CopyTo(PlannedEntry entry, FileStream output, ProgressReporter? reporter, CancellationToken cancellationToken)
    {
        Source source = _sources[entry];
        output.Flush();
        long at = output.Position;
        KernelCopy.Copy(source.Handle, source.Offset, output.SafeFileHandle, at, source.Length, reporter is null ? null : reporter.Add, cancellationToken);
        output.Position = at + source.Length;
    }

    /// <summary>Stops the verification still running, waits for it, and closes the blobs.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _verification.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            // Cancelled on purpose: the write is over.
        }

        foreach (Source source in _sources.Values)
        {
            source.Owner.Dispose();
        }

        _stop.Dispose();
    }

    private static void VerifyAll(List<Source> pending, int maxParallelism, CancellationToken cancellationToken)
    {
        try
        {
            // No buffering: workers take blobs one at a time in write order, so the first blobs are checked first.
            var options = new ParallelOptions { MaxDegreeOfParallelism = maxParallelism, CancellationToken = cancellationToken };
            Parallel.ForEach(Partitioner.Create(pending, EnumerablePartitionerOptions.NoBuffering), options, source => Verify(source, cancellationToken));
        }
        finally
        {
            foreach (Source source in pending)
            {
                source.Verified.TrySetCanceled(cancellationToken.IsCancellationRequested ? cancellationToken : new CancellationToken(canceled: true));
            }
        }
    }

    private static void Verify(Source source, CancellationToken cancellationToken)
    {
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            PreparedLayer layer = source.Layer;
            using var verifying = new VerifyingReadStream(new FileSegmentStream(source.Handle, source.Offset, source.Length), layer.Digest, layer.Size, $"layer {layer.Digest}");
            while (verifying.Read(buffer) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            source.Verified.TrySetResult();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            source.Verified.TrySetCanceled(cancellationToken);
        }
        catch (Exception e)
        {
            // Kept for the writer, which throws it where it waits; the other blobs go on being checked.
            source.Verified.TrySetException(e);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private sealed record Source(Stream Owner, SafeFileHandle Handle, long Offset, long Length, PreparedLayer Layer, TaskCompletionSource Verified);
}
