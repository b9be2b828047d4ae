using Microsoft.Win32.SafeHandles;

namespace ImageFormat.Layers;

/// <summary>
/// The second stage of layer extraction: threads that write file contents and apply their attributes while the
/// applier reads the next entries. The applier does every namespace change itself (resolving, creating, linking,
/// removing), in entry order, and hands this stage only descriptors it already opened inside the root, with the
/// bytes to write at given offsets and, last, what to apply to the file before closing it. Nothing here takes a
/// path, so containment is exactly the applier's.
/// </summary>
/// <remarks>
/// <para>Each file goes to one lane (<see cref="NextLane"/>), and each lane is one thread, first in first out: the
/// writes and attribute changes of one file happen in the order they were queued. Different files, on different
/// lanes, finish in any order; they are different inodes. The applier calls <see cref="Drain"/> before anything whose
/// outcome depends on a queued file's final state (a hard link to it, the layer's end).</para>
/// <para>Memory is bounded: queued bytes never exceed the budget; <see cref="Rent"/> blocks until the writers have
/// caught up. A failure on a writer (a full disk, an I/O error) is rethrown on the applier's thread by its next
/// call; the queued work after it is dropped and its descriptors closed.</para>
/// </remarks>
internal sealed class WriteBehind : IDisposable
{
    /// <summary>The largest buffer <see cref="Rent"/> hands out; larger files are queued in pieces of this size.</summary>
    public const int ChunkSize = 256 << 10;

    private readonly object _gate = new();
    private readonly Queue<Job>[] _lanes;
    private readonly bool[] _busy;
    private readonly Thread[] _threads;
    private readonly long _budget;
    private readonly Stack<byte[]> _free = new();
    private long _queuedBytes;
    private int _nextLane;
    private bool _closed;
    private Exception? _failure;

    /// <summary>Starts the writer threads.</summary>
    /// <param name="budgetBytes">The most bytes queued at once (at least <see cref="ChunkSize"/>).</param>
    /// <param name="writers">How many writer threads (lanes); each file goes to one lane.</param>
    public WriteBehind(long budgetBytes, int writers = 1)
    {
        _budget = Math.Max(budgetBytes, ChunkSize);
        int count = Math.Max(1, writers);
        _lanes = new Queue<Job>[count];
        _busy = new bool[count];
        _threads = new Thread[count];
        for (int i = 0; i < count; i++)
        {
            _lanes[i] = new Queue<Job>();
            int lane = i;
            _threads[i] = new Thread(() => Run(lane)) { IsBackground = true, Name = "ImageFormat write" };
            _threads[i].Start();
        }
    }

    /// <summary>The lane for the next file: every piece, the finish and the close of one file go to the same lane, in order.</summary>
    /// <returns>A lane number to pass to <c>Write</c>, <see cref="Finish"/> and <see cref="Close"/>.</returns>
    public int NextLane()
    {
        int lane = _nextLane;
        _nextLane = (lane + 1) % _lanes.Length;
        return lane;
    }

    /// <summary>A block of <see cref="ChunkSize"/> bytes from this writer's own pool, once the budget allows it.</summary>
    /// <returns>The block; give it back through <see cref="Write(int, SafeFileHandle, byte[], int, long)"/> or <see cref="Return"/>.</returns>
    /// <remarks>Every buffer is one block of the same size, kept for reuse: the budget is a fixed number of blocks,
    /// so memory stays at the budget whatever the sizes of the files, and nothing is left for the collector.</remarks>
    public byte[] Rent()
    {
        lock (_gate)
        {
            while (_queuedBytes > 0 && _queuedBytes + ChunkSize > _budget && _failure is null)
            {
                Monitor.Wait(_gate);
            }

            ThrowIfFailed();
            _queuedBytes += ChunkSize;
            return _free.Count > 0 ? _free.Pop() : GC.AllocateUninitializedArray<byte>(ChunkSize);
        }
    }

    /// <summary>Gives back a block <see cref="Rent"/> handed out: one that was not queued, or (from the writer) one written.</summary>
    /// <param name="buffer">The block.</param>
    public void Return(byte[] buffer)
    {
        lock (_gate)
        {
            _free.Push(buffer);
            _queuedBytes -= ChunkSize;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Queues <paramref name="length"/> bytes of <paramref name="buffer"/> for <paramref name="file"/> at <paramref name="offset"/>; the buffer goes back to the pool once written.</summary>
    /// <param name="lane">The file's lane (<see cref="NextLane"/>).</param>
    /// <param name="file">The file, which stays the caller's until <see cref="Finish"/> or <see cref="Close"/>.</param>
    /// <param name="buffer">A buffer from <see cref="Rent"/>.</param>
    /// <param name="length">The bytes to write.</param>
    /// <param name="offset">Where in the file.</param>
    public void Write(int lane, SafeFileHandle file, byte[] buffer, int length, long offset) =>
        Enqueue(lane, new Job(file, buffer.AsMemory(0, length), offset, buffer, null, null, false));

    /// <summary>
    /// Queues <paramref name="lent"/>, bytes borrowed from the reader (<see cref="IO.IBlockLender"/>), for
    /// <paramref name="file"/> at <paramref name="offset"/>; <paramref name="lease"/> is disposed once they are
    /// written (or dropped). They count against no budget here: the lender has only so many chunks to lend.
    /// </summary>
    /// <param name="lane">The file's lane (<see cref="NextLane"/>).</param>
    /// <param name="file">The file, which stays the caller's until <see cref="Finish"/> or <see cref="Close"/>.</param>
    /// <param name="lent">The bytes.</param>
    /// <param name="lease">What keeps them unchanged until written.</param>
    /// <param name="offset">Where in the file.</param>
    public void Write(int lane, SafeFileHandle file, ReadOnlyMemory<byte> lent, IDisposable lease, long offset) =>
        Enqueue(lane, new Job(file, lent, offset, null, lease, null, false));

    /// <summary>Queues <paramref name="apply"/> (attributes, given the open descriptor) and then the closing of <paramref name="file"/>, which the writer now owns.</summary>
    /// <param name="lane">The file's lane.</param>
    /// <param name="file">The file.</param>
    /// <param name="apply">What to do on the descriptor once its bytes are written.</param>
    public void Finish(int lane, SafeFileHandle file, Action<int> apply) => Enqueue(lane, new Job(file, default, 0, null, null, apply, true));

    /// <summary>Queues the closing of <paramref name="file"/> after what was queued for it, with nothing applied (the entry failed).</summary>
    /// <param name="lane">The file's lane.</param>
    /// <param name="file">The file, which the writer now owns.</param>
    public void Close(int lane, SafeFileHandle file)
    {
        lock (_gate)
        {
            if (_closed || _failure is not null)
            {
                file.Dispose();
                return;
            }

            _lanes[lane].Enqueue(new Job(file, default, 0, null, null, null, true));
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Waits until everything queued is written, applied and closed; rethrows the writer's failure.</summary>
    public void Drain()
    {
        lock (_gate)
        {
            while (Pending() && _failure is null)
            {
                Monitor.Wait(_gate);
            }

            ThrowIfFailed();
        }
    }

    /// <summary>Stops the writer after what was queued (or at once, after a failure) and closes every descriptor it still holds.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _closed = true;
            Monitor.PulseAll(_gate);
        }

        foreach (Thread thread in _threads)
        {
            thread.Join();
        }
    }

    private bool Pending()
    {
        for (int i = 0; i < _lanes.Length; i++)
        {
            if (_lanes[i].Count > 0 || _busy[i])
            {
                return true;
            }
        }

        return false;
    }

    private void Enqueue(int lane, Job job)
    {
        lock (_gate)
        {
            if (_failure is not null || _closed)
            {
                Release(job);
                ThrowIfFailed();
                throw new ObjectDisposedException(nameof(WriteBehind));
            }

            _lanes[lane].Enqueue(job);
            Monitor.PulseAll(_gate);
        }
    }

    private void ThrowIfFailed()
    {
        if (_failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_failure);
        }
    }

    private void Run(int lane)
    {
        Queue<Job> jobs = _lanes[lane];
        while (true)
        {
            Job job;
            bool failed;
            lock (_gate)
            {
                _busy[lane] = false;
                Monitor.PulseAll(_gate);
                while (jobs.Count == 0 && !_closed)
                {
                    Monitor.Wait(_gate);
                }

                if (jobs.Count == 0)
                {
                    return;
                }

                job = jobs.Dequeue();
                _busy[lane] = true;
                failed = _failure is not null;
            }

            try
            {
                if (!failed)
                {
                    Execute(job);
                }
            }
            catch (Exception ex)
            {
                lock (_gate)
                {
                    _failure ??= ex;
                }
            }
            finally
            {
                Release(job);
            }
        }
    }

    private static void Execute(Job job)
    {
        if (!job.Data.IsEmpty)
        {
            RandomAccess.Write(job.File, job.Data.Span, job.Offset);
        }

        job.Apply?.Invoke((int)job.File.DangerousGetHandle());
    }

    private void Release(Job job)
    {
        if (job.Block is not null)
        {
            Return(job.Block);
        }

        job.Lease?.Dispose();
        if (job.Closes)
        {
            job.File.Dispose();
        }
    }

    /// <summary>One piece of work: bytes to write at an offset (from one of this writer's blocks, or lent), then what to apply, then whether to close.</summary>
    private readonly record struct Job(SafeFileHandle File, ReadOnlyMemory<byte> Data, long Offset, byte[]? Block, IDisposable? Lease, Action<int>? Apply, bool Closes);
}
