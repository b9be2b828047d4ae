using System.Collections.Concurrent;
using ImageFormat.Digests;
using ImageFormat.IO;
using Microsoft.Win32.SafeHandles;

namespace ImageFormat.Archives;

/// <summary>
/// Blobs that are byte ranges of open files, copied into output files with direct I/O (<see cref="DirectWriteStream"/>)
/// or by the kernel (<see cref="KernelCopy"/>), while those not yet trusted are verified against their digest and size on the
/// other cores, from the same byte range of the same open file. The writers use it for layer blobs, the store's load
/// for layer tars.
/// </summary>
/// <typeparam name="TKey">What the caller names a blob by.</typeparam>
/// <remarks>
/// <para>Verification starts for all blobs at once, in the order given, up to the parallelism asked for; the caller
/// waits for a blob's check (<see cref="Verified"/>) before it makes that blob visible under its name, or for all of
/// them (<see cref="AllVerified"/>) before it commits an archive file. A failed check is the
/// <see cref="SizeMismatchException"/> or <see cref="DigestMismatchException"/> a <see cref="VerifyingReadStream"/>
/// over the blob throws.</para>
/// <para>Trust model: the input is read twice, once to hash and once to copy, so the copy is the
/// verified content only if the input file does not change during the write. The library never writes to its
/// inputs; a process that rewrites an archive while it is being read gets no guarantee from any tool.</para>
/// <para>A blob that is not a byte range of a file (a compressed archive, a memory stream), or whose range is not
/// the expected size, is not taken: the caller reads it through its streaming path as before, which reports
/// what is wrong with it.</para>
/// </remarks>
internal sealed class RangeCopies<TKey> : IDisposable
    where TKey : notnull
{
    private readonly Dictionary<TKey, Source> _sources;
    private readonly CancellationTokenSource _stop;
    private readonly Task _verification;

    private RangeCopies(Dictionary<TKey, Source> sources, CancellationTokenSource stop, Task verification)
    {
        _sources = sources;
        _stop = stop;
        _verification = verification;
    }

    /// <summary>A task that completes when every blob has been checked, and faults with the first failure.</summary>
    public Task AllVerified => _sources.Count == 0 ? Task.CompletedTask : Task.WhenAll(_sources.Values.Select(s => s.Verified.Task));

    /// <summary>Opens the candidates, keeps those that are byte ranges of a file, and starts verifying them.</summary>
    /// <param name="candidates">The blobs, in the order they will be copied; a key given twice is taken once.</param>
    /// <param name="maxParallelism">How many blobs are hashed at once.</param>
    /// <param name="cancellationToken">Stops the verification.</param>
    /// <returns>The copies; dispose them after the write.</returns>
    public static RangeCopies<TKey> Start(IEnumerable<RangeCandidate<TKey>> candidates, int maxParallelism, CancellationToken cancellationToken)
    {
        var sources = new Dictionary<TKey, Source>();
        try
        {
            foreach (RangeCandidate<TKey> candidate in candidates)
            {
                if (sources.ContainsKey(candidate.Key))
                {
                    continue;
                }

                Stream stored = candidate.Open(out bool unverified);
                (SafeFileHandle Handle, long Offset, long Length)? range = stored switch
                {
                    FileSegmentStream segment => (segment.Handle, segment.Start, segment.Length),
                    FileStream { CanSeek: true } file => (file.SafeFileHandle, file.Position, file.Length - file.Position),
                    _ => null,
                };
                if (range is not { } r || r.Length == 0 || (candidate.Size >= 0 && r.Length != candidate.Size))
                {
                    stored.Dispose();
                    continue;
                }

                var source = new Source(stored, r.Handle, r.Offset, r.Length, candidate, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                sources.Add(candidate.Key, source);
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
        return new RangeCopies<TKey>(sources, stop, verification);
    }

    /// <summary>Whether the blob named <paramref name="key"/> is copied in the kernel.</summary>
    public bool Contains(TKey key) => _sources.ContainsKey(key);

    /// <summary>How many bytes the blob named <paramref name="key"/> has.</summary>
    public long LengthOf(TKey key) => _sources[key].Length;

    /// <summary>The blob's bytes where they are read from, as a new stream over the same range of the same file: for
    /// reading what was copied without reading the copy back. Unchecked until <see cref="Verified"/> completes.</summary>
    public Stream OpenSource(TKey key)
    {
        Source source = _sources[key];
        return new FileSegmentStream(source.Handle, source.Offset, source.Length);
    }

    /// <summary>A task that completes when the blob's bytes are checked, and faults if they are wrong.</summary>
    public Task Verified(TKey key) => _sources[key].Verified.Task;

    /// <summary>
    /// Copies the blob's bytes into <paramref name="output"/> at its position, which then moves past them. Its
    /// check runs separately: see <see cref="Verified"/>.
    /// </summary>
    /// <param name="key">The blob.</param>
    /// <param name="output">A <see cref="DirectWriteStream"/>, which reads the bytes straight into its buffers; or a
    /// <see cref="FileStream"/>, which gets them by direct I/O when it is new and empty (a store blob, a layout's
    /// blob file) and from the kernel's copy otherwise.</param>
    /// <param name="copied">Told the size of each piece copied; may be <see langword="null"/>.</param>
    /// <param name="cancellationToken">Checked between pieces.</param>
    public void CopyTo(TKey key, Stream output, Action<long>? copied, CancellationToken cancellationToken)
    {
        Source source = _sources[key];
        if (output is DirectWriteStream direct)
        {
            direct.CopyFrom(source.Handle, source.Offset, source.Length, copied, cancellationToken);
            return;
        }

        var file = (FileStream)output;
        file.Flush();
        long at = file.Position;
        using (DirectWriteStream? own = at == 0 ? DirectWriteStream.TryOver(file) : null)
        {
            if (own is not null)
            {
                own.CopyFrom(source.Handle, source.Offset, source.Length, copied, cancellationToken);
                own.Flush();
            }
            else
            {
                KernelCopy.Copy(source.Handle, source.Offset, file.SafeFileHandle, at, source.Length, copied, cancellationToken);
            }
        }

        file.Position = at + source.Length;
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
            // No buffering: workers take blobs one at a time in the order given, so the first are checked first.
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
            RangeCandidate<TKey> blob = source.Candidate;
            // Each worker hashes on its own thread: the workers already spread the blobs over the cores.
            using var verifying = new VerifyingReadStream(new FileSegmentStream(source.Handle, source.Offset, source.Length), blob.Expected, blob.Size, blob.Subject, leaveOpen: false, offloadHashing: false);
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
            // Kept for the caller, which throws it where it waits; the other blobs go on being checked.
            source.Verified.TrySetException(e);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private sealed record Source(Stream Owner, SafeFileHandle Handle, long Offset, long Length, RangeCandidate<TKey> Candidate, TaskCompletionSource Verified);
}

/// <summary>Opens a blob's bytes without checking them, and says whether they still need checking.</summary>
/// <param name="unverified">Set when the bytes must be verified; clear for bytes hashed as they were made.</param>
/// <returns>A stream the callee owns from then on.</returns>
internal delegate Stream OpenUnchecked(out bool unverified);

/// <summary>A blob <see cref="RangeCopies{TKey}"/> may copy: how to open it and what it must be.</summary>
/// <param name="Key">What the caller names it by.</param>
/// <param name="Open">Opens its bytes unchecked.</param>
/// <param name="Expected">Its digest.</param>
/// <param name="Size">Its size, or <c>-1</c> when only the digest is known.</param>
/// <param name="Subject">What it is, for error messages.</param>
internal sealed record RangeCandidate<TKey>(TKey Key, OpenUnchecked Open, Digest Expected, long Size, string Subject);
