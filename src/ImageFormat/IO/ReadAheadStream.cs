using System.Runtime.ExceptionServices;

namespace ImageFormat.IO;

/// <summary>
/// Reads an inner stream ahead on its own thread, a few large chunks at a time, so that the work the inner
/// stream does (hashing and verifying while it reads) overlaps with what the consumer does with the bytes
/// (writing them out). On two cores this turns read+hash+write into max(read+hash, write).
/// A failure of the inner stream (a digest mismatch at its end, say) surfaces from the consumer's next read,
/// after every byte read before it, exactly as it would without read-ahead.
/// </summary>
/// <remarks>
/// The consumer may also borrow the bytes (<see cref="Lend"/>): a chunk goes back to the reading thread only once the
/// consumer has moved past it and every lease on it was disposed, so memory stays at the chunks made at the start.
/// An inner stream that goes on using what it read (<see cref="IRetainingReader"/>: a verifying stream hashing on a
/// second core) reads straight into the chunk and holds a lease on it until it is done, instead of copying the bytes
/// into a queue of its own.
/// </remarks>
internal sealed class ReadAheadStream : ForwardReadStream, IBlockLender
{
    private readonly Stream _inner;
    private readonly int _chunkSize;
    private readonly Thread _producer;

    // The two hand-offs, under one monitor: chunks filled for the consumer, in order, and buffers free for the
    // reading thread. A plain monitor rather than blocking collections: those spin before they block, and on two
    // cores a spinning waiter takes the core the thread it waits for needs (strace counted 47,000 to 68,000
    // sched_yield calls in one extraction of 10,000 files with them, none with the monitor).
    private readonly object _gate = new();
    private readonly Queue<Chunk> _filled = new();
    private readonly Stack<byte[]> _free = new();
    private bool _stopping;

    private Chunk? _current;
    private int _offset;
    private bool _ended;
    private ExceptionDispatchInfo? _failure;

    /// <summary>Starts reading <paramref name="inner"/> ahead.</summary>
    /// <param name="inner">The stream to read ahead; this stream owns it.</param>
    /// <param name="chunkSize">The size of one chunk.</param>
    /// <param name="chunks">How many chunks exist: read ahead, being read, or lent.</param>
    public ReadAheadStream(Stream inner, int chunkSize = 1 << 20, int chunks = 4)
    {
        _inner = inner;
        _chunkSize = chunkSize;
        for (int i = 0; i < chunks; i++)
        {
            _free.Push(System.Buffers.ArrayPool<byte>.Shared.Rent(chunkSize));
        }

        _producer = new Thread(Produce) { IsBackground = true, Name = "imagefmt read-ahead" };
        _producer.Start();
    }

    /// <inheritdoc/>
    public bool CanLend => true;

    private void Produce()
    {
        Chunk? chunk = null;
        try
        {
            while (TakeFree() is { } buffer)
            {
                chunk = new Chunk(this, buffer, null);
                int n;
                while (chunk.Count < _chunkSize && (n = ReadInto(chunk)) > 0)
                {
                    chunk.Count += n;
                }

                Chunk filled = chunk;
                chunk = null;
                Publish(filled);
                if (filled.Count == 0)
                {
                    return;
                }
            }
        }
        catch (Exception e)
        {
            // The bytes read before the failure go first, then the failure, rethrown with its original stack.
            if (chunk is { Count: > 0 })
            {
                Publish(chunk);
            }
            else
            {
                chunk?.Release();
            }

            Publish(new Chunk(this, null, ExceptionDispatchInfo.Capture(e)));
        }
    }

    /// <summary>The next free buffer for the reading thread, once there is one; <see langword="null"/> once disposing.</summary>
    private byte[]? TakeFree()
    {
        lock (_gate)
        {
            while (_free.Count == 0 && !_stopping)
            {
                Monitor.Wait(_gate);
            }

            return _stopping ? null : _free.Pop();
        }
    }

    /// <summary>Hands a filled chunk (or the end, or a failure) to the consumer.</summary>
    private void Publish(Chunk chunk)
    {
        lock (_gate)
        {
            _filled.Enqueue(chunk);
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>
    /// Reads the next bytes into the free end of <paramref name="chunk"/>. A stream that goes on using what it read
    /// (a verifying stream hashing on another core, <see cref="IRetainingReader"/>) takes a lease on the chunk
    /// instead of copying the bytes out.
    /// </summary>
    private int ReadInto(Chunk chunk)
    {
        Memory<byte> free = chunk.Buffer.AsMemory(chunk.Count, _chunkSize - chunk.Count);
        return _inner is IRetainingReader retaining ? retaining.ReadRetaining(free, chunk.Lease) : _inner.Read(free.Span);
    }

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty || !NextChunk())
        {
            return 0;
        }

        int count = Math.Min(buffer.Length, _current!.Count - _offset);
        _current.Buffer.AsSpan(_offset, count).CopyTo(buffer);
        Advance(count);
        return count;
    }

    /// <inheritdoc/>
    public ReadOnlyMemory<byte> Lend(int max, out IDisposable? lease)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        if (!NextChunk())
        {
            lease = null;
            return ReadOnlyMemory<byte>.Empty;
        }

        Chunk chunk = _current!;
        int count = Math.Min(max, chunk.Count - _offset);
        var lent = new ReadOnlyMemory<byte>(chunk.Buffer, _offset, count);
        lease = chunk.Lease();
        Advance(count);
        return lent;
    }

    /// <summary>Makes <see cref="_current"/> a chunk with bytes left, taking the next one when needed.</summary>
    /// <returns>Whether there are bytes; <see langword="false"/> at the end.</returns>
    private bool NextChunk()
    {
        _failure?.Throw();
        if (_ended)
        {
            return false;
        }

        if (_current is null)
        {
            Chunk next;
            lock (_gate)
            {
                // The reading thread always publishes the end or a failure last, so this wait ends.
                while (_filled.Count == 0)
                {
                    Monitor.Wait(_gate);
                }

                next = _filled.Dequeue();
            }

            if (next.Error is { } error)
            {
                // Every later read fails the same way: the reading thread has ended.
                _failure = error;
                error.Throw();
            }

            if (next.Count == 0)
            {
                _ended = true;
                next.Release();
                return false;
            }

            _current = next;
            _offset = 0;
        }

        return true;
    }

    private void Advance(int count)
    {
        _offset += count;
        if (_offset == _current!.Count)
        {
            _current.Release();
            _current = null;
        }
    }

    /// <summary>Gives a chunk's buffer back to the reading thread, or, once it is stopping (it takes no more), to the pool.</summary>
    private void Recycle(byte[] buffer)
    {
        lock (_gate)
        {
            if (_stopping)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                return;
            }

            _free.Push(buffer);
            Monitor.PulseAll(_gate);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_stopping)
        {
            lock (_gate)
            {
                // From now on the reading thread takes no free buffer, so they go to the pool, as every buffer
                // recycled later does.
                _stopping = true;
                Monitor.PulseAll(_gate);
                while (_free.TryPop(out byte[]? buffer))
                {
                    System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                }
            }

            // The reading thread ends after the chunk it is filling, if any; its inner stream may then be disposed.
            _producer.Join();
            _inner.Dispose();
            lock (_gate)
            {
                while (_filled.TryDequeue(out Chunk? chunk))
                {
                    chunk.Release();
                }
            }

            // A chunk still lent goes to the pool when its last lease is disposed (Recycle, once stopping).
            _current?.Release();
            _current = null;
        }

        base.Dispose(disposing);
    }

    /// <summary>
    /// One chunk: its buffer goes back once nothing holds it: the reading thread and then the consumer while they
    /// fill and read it (the first reference), and each lease (the hasher's and the writers').
    /// </summary>
    private sealed class Chunk(ReadAheadStream owner, byte[]? buffer, ExceptionDispatchInfo? error)
    {
        private int _references = 1;

        public byte[]? Buffer => buffer;

        /// <summary>How many bytes the chunk holds: set by the reading thread before the chunk is handed over.</summary>
        public int Count { get; set; }

        public ExceptionDispatchInfo? Error => error;

        public ChunkLease Lease()
        {
            Interlocked.Increment(ref _references);
            return new ChunkLease(this);
        }

        public void Release()
        {
            if (Interlocked.Decrement(ref _references) == 0 && buffer is not null)
            {
                owner.Recycle(buffer);
            }
        }
    }

    /// <summary>One lease on a chunk; disposing it more than once releases once.</summary>
    private sealed class ChunkLease(Chunk chunk) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                chunk.Release();
            }
        }
    }
}
