using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ImageFormat.IO;

/// <summary>
/// Writes a new file from its start with direct I/O (<c>O_DIRECT</c>, Linux): the bytes go from a few aligned
/// buffers of this process to the disk, without being copied into the page cache and written back from there. A
/// dedicated thread writes one full buffer while the caller fills the next, with <see cref="Write(ReadOnlySpan{byte})"/>
/// or by reading a byte range of another file straight into the buffer (<see cref="CopyFrom"/>).
/// </summary>
/// <remarks>
/// <para>Why: the library's file outputs (an archive, a store blob) are made durable before they are named, so every
/// byte must reach the disk before the call returns. Through the page cache that costs a copy into newly allocated
/// cache pages, their writeback, and on virtual machines the host's price for memory the guest had given back; with
/// direct I/O the disk reads the bytes where the one copy out of the source's cache put them.</para>
/// <para>Direct I/O asks that the file offset, the length and the memory of every write be aligned. Buffers are
/// page-aligned and written whole, and the last, partial one is written padded to the alignment, after which the
/// file is cut back to its true length (<c>ftruncate</c>); a later write rewrites that partial block from its
/// start. The caller still flushes the file to disk (<c>fsync</c>) afterwards, for the device's cache and the
/// file's size. Where the file system refuses direct I/O, <see cref="TryOver(FileStream)"/> returns <see langword="null"/> and
/// the caller writes as before; where a write is refused later, the rest is written through the page cache.</para>
/// <para>The stream owns neither the file nor its descriptor: it borrows the handle of a <see cref="FileStream"/>
/// that has written nothing, and gives the descriptor back with its flags as they were when it is disposed. Writing
/// through the <see cref="FileStream"/> meanwhile is not allowed.</para>
/// </remarks>
internal sealed partial class DirectWriteStream : Stream
{
    /// <summary>The alignment of offsets, lengths and memory; a page, which covers every common logical block size.</summary>
    internal const int Alignment = 4096;

    /// <summary>The size of each buffer: one request of the largest size disks commonly take (4 MB), as fast as 8 MB
    /// buffers in interleaved runs of a 1.155 GB convert, with 12 MB less memory.</summary>
    internal const int BufferBytes = 4 << 20;

    /// <summary>How many buffers: one filling, one being written, one ready so the caller rarely waits.</summary>
    private const int BufferCount = 3;

    private const int F_GETFL = 3;
    private const int F_SETFL = 4;
    private const int EINTR = 4;
    private const int EINVAL = 22;

    private readonly SafeFileHandle _file;
    private readonly int _bufferBytes;
    private readonly int _fd;
    private readonly int _savedFlags;
    private readonly object _gate = new();
    private readonly Queue<(nint Buffer, long Offset, int Bytes)> _pending = new();
    private readonly Stack<nint> _spares = new();
    // Counts the spare buffers: all of them are spare for a moment when the current one was just handed over and the
    // writing thread gives the last one back before the caller takes a spare.
    private readonly SemaphoreSlim _free = new(BufferCount - 1, BufferCount);
    private readonly Thread _writer;
    private readonly List<nint> _all = [];
    private nint _current;
    private int _used;
    private long _base;
    private bool _direct;
    private bool _stopping;
    private bool _disposed;
    private ExceptionDispatchInfo? _error;

    private unsafe DirectWriteStream(SafeFileHandle file, int fd, int savedFlags, bool direct, int bufferBytes)
    {
        _bufferBytes = bufferBytes;
        _file = file;
        _fd = fd;
        _savedFlags = savedFlags;
        _direct = direct;
        for (int i = 0; i < BufferCount; i++)
        {
            _all.Add((nint)NativeMemory.AlignedAlloc((nuint)bufferBytes, Alignment));
        }

        _current = _all[0];
        for (int i = 1; i < BufferCount; i++)
        {
            _spares.Push(_all[i]);
        }

        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "ImageFormat direct writer" };
        _writer.Start();
    }

    /// <summary>The <c>O_DIRECT</c> flag of this architecture (arm and powerpc number it differently from x86 and the
    /// generic headers).</summary>
    internal static int ODirect => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.Arm64 or Architecture.Arm => 0x10000,
        Architecture.Ppc64le => 0x20000,
        _ => 0x4000,
    };

    /// <inheritdoc/>
    public override bool CanRead => false;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => !_disposed;

    /// <summary>How many bytes were written so far.</summary>
    public override long Length => _base + _used;

    /// <summary>How many bytes were written so far; cannot be set.</summary>
    public override long Position
    {
        get => Length;
        set => throw new NotSupportedException();
    }

    /// <summary>Whether the writes still bypass the page cache (false once the file system refused one).</summary>
    internal bool IsDirect => Volatile.Read(ref _direct);

    /// <summary>
    /// Starts direct writing into <paramref name="file"/>, which must be empty and written nothing yet, or returns
    /// <see langword="null"/> when this platform or the file's file system does not do direct I/O.
    /// </summary>
    public static DirectWriteStream? TryOver(FileStream file) => TryOver(file, direct: true, BufferBytes);

    /// <summary>As <see cref="TryOver(FileStream)"/>, for tests: with <paramref name="direct"/> clear, writes through
    /// the page cache from the start (what happens after a refused direct write); <paramref name="bufferBytes"/> (a
    /// multiple of <see cref="Alignment"/>) makes small buffers, so that a test hands many over.</summary>
    internal static DirectWriteStream? TryOver(FileStream file, bool direct, int bufferBytes)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (bufferBytes <= 0 || bufferBytes % Alignment != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bufferBytes), bufferBytes, $"must be a positive multiple of {Alignment}");
        }

        int oDirect = ODirect;
        if (!OperatingSystem.IsLinux() || !file.CanWrite || !file.CanSeek || file.Position != 0 || file.Length != 0)
        {
            return null;
        }

        SafeFileHandle handle = file.SafeFileHandle;
        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            int fd = (int)handle.DangerousGetHandle();
            int flags = fcntl(fd, F_GETFL, 0);
            if (flags < 0 || (direct && fcntl(fd, F_SETFL, flags | oDirect) < 0))
            {
                // Refused (EINVAL: the file system has no direct I/O): the caller writes through the cache.
                return null;
            }

            // The stream holds the reference taken above from here on and releases it when disposed.
            var stream = new DirectWriteStream(handle, fd, flags, direct, bufferBytes);
            added = false;
            return stream;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ThrowIfFailed();
        while (!buffer.IsEmpty)
        {
            int n = Math.Min(buffer.Length, _bufferBytes - _used);
            CopyIn(buffer[..n]);
            buffer = buffer[n..];
            if (_used == _bufferBytes)
            {
                Hand();
            }
        }
    }

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfFailed();
        while (!buffer.IsEmpty)
        {
            int n = Math.Min(buffer.Length, _bufferBytes - _used);
            CopyIn(buffer.Span[..n]);
            buffer = buffer[n..];
            if (_used == _bufferBytes)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await HandAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Appends <paramref name="count"/> bytes of <paramref name="source"/> from <paramref name="sourceOffset"/>, read
    /// straight into the buffer (one copy, out of the source's page cache). The source's position is not used.
    /// </summary>
    /// <param name="source">A file open for reading.</param>
    /// <param name="sourceOffset">Where the bytes start.</param>
    /// <param name="count">How many bytes.</param>
    /// <param name="copied">Told the size of each piece once it is in the buffer; may be <see langword="null"/>.</param>
    /// <param name="cancellationToken">Checked between pieces.</param>
    /// <exception cref="EndOfStreamException">The source ends before <paramref name="count"/> bytes.</exception>
    /// <exception cref="IOException">A read or write fails.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public unsafe void CopyFrom(SafeFileHandle source, long sourceOffset, long count, Action<long>? copied, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sourceOffset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        long done = 0;
        while (done < count)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ThrowIfFailed();
            int want = (int)Math.Min(count - done, _bufferBytes - _used);
            int n = RandomAccess.Read(source, new Span<byte>((byte*)_current + _used, want), sourceOffset + done);
            if (n == 0)
            {
                throw new EndOfStreamException($"the source file ended {count - done} bytes early, at offset {sourceOffset + done}");
            }

            _used += n;
            done += n;
            if (_used == _bufferBytes)
            {
                Hand();
            }

            copied?.Invoke(n);
        }
    }

    /// <summary>
    /// Writes everything appended so far into the file, which then has exactly <see cref="Length"/> bytes, and waits
    /// for it. Does not flush the file to disk: the owner of the file does that.
    /// </summary>
    public override void Flush()
    {
        ThrowIfFailed();
        for (int i = 0; i < BufferCount - 1; i++)
        {
            _free.Wait();
        }

        try
        {
            WriteTail();
        }
        finally
        {
            _free.Release(BufferCount - 1);
        }
    }

    /// <inheritdoc/>
    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        ThrowIfFailed();
        int taken = 0;
        try
        {
            for (; taken < BufferCount - 1; taken++)
            {
                await _free.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            WriteTail();
        }
        finally
        {
            if (taken > 0)
            {
                _free.Release(taken);
            }
        }
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Stops the writing thread (what was appended and not flushed is not written), frees the buffers and
    /// gives the descriptor its flags back.</summary>
    protected override unsafe void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            lock (_gate)
            {
                _stopping = true;
                Monitor.PulseAll(_gate);
            }

            _writer.Join();
            foreach (nint buffer in _all)
            {
                NativeMemory.AlignedFree((void*)buffer);
            }

            _ = fcntl(_fd, F_SETFL, _savedFlags);
            _file.DangerousRelease();

            _free.Dispose();
        }

        base.Dispose(disposing);
    }

    private unsafe void CopyIn(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(new Span<byte>((byte*)_current + _used, bytes.Length));
        _used += bytes.Length;
    }

    /// <summary>Gives the full current buffer to the writing thread and takes a free one, waiting for it.</summary>
    private void Hand()
    {
        Enqueue();
        _free.Wait();
        TakeSpare();
    }

    /// <summary>As <see cref="Hand"/>, waiting asynchronously. The wait is not cancelled: the writing thread gives a
    /// buffer back as soon as the disk took one, and the stream must not be left without a current buffer.</summary>
    private async ValueTask HandAsync()
    {
        Enqueue();
        await _free.WaitAsync().ConfigureAwait(false);
        TakeSpare();
    }

    private void Enqueue()
    {
        lock (_gate)
        {
            _pending.Enqueue((_current, _base, _used));
            Monitor.Pulse(_gate);
        }

        _base += _used;
        _used = 0;
        _current = 0;
    }

    private void TakeSpare()
    {
        lock (_gate)
        {
            _current = _spares.Pop();
        }

        ThrowIfFailed();
    }

    /// <summary>With the writing thread idle: writes the partial buffer padded to the alignment, cuts the file to
    /// its length, and keeps the partial last block at the start of the buffer, to be rewritten with what follows.</summary>
    private unsafe void WriteTail()
    {
        ThrowIfFailed();
        if (_used == 0)
        {
            return;
        }

        int padded = (_used + Alignment - 1) & ~(Alignment - 1);
        new Span<byte>((byte*)_current + _used, padded - _used).Clear();
        WriteAt(_current, padded, _base);
        if (padded != _used && ftruncate(_fd, _base + _used) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"ftruncate failed: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
        }

        int whole = _used & ~(Alignment - 1);
        if (whole > 0)
        {
            int rest = _used - whole;
            new Span<byte>((byte*)_current + whole, rest).CopyTo(new Span<byte>((byte*)_current, rest));
            _base += whole;
            _used = rest;
        }
    }

    private void WriteLoop()
    {
        while (true)
        {
            (nint Buffer, long Offset, int Bytes) job;
            lock (_gate)
            {
                while (_pending.Count == 0 && !_stopping)
                {
                    Monitor.Wait(_gate);
                }

                if (_pending.Count == 0)
                {
                    return;
                }

                job = _pending.Dequeue();
            }

            if (Volatile.Read(ref _error) is null && !_stopping)
            {
                try
                {
                    WriteAt(job.Buffer, job.Bytes, job.Offset);
                }
                catch (Exception e)
                {
                    Volatile.Write(ref _error, ExceptionDispatchInfo.Capture(e));
                }
            }

            lock (_gate)
            {
                _spares.Push(job.Buffer);
            }

            _free.Release();
        }
    }

    /// <summary>Writes all of a buffer at an offset; a refused direct write switches the descriptor to the page cache
    /// and is written again.</summary>
    private unsafe void WriteAt(nint buffer, int bytes, long offset)
    {
        int done = 0;
        while (done < bytes)
        {
            nint n = pwrite(_fd, (byte*)buffer + done, (nuint)(bytes - done), offset + done);
            if (n > 0)
            {
                done += (int)n;
                continue;
            }

            int errno = n < 0 ? Marshal.GetLastPInvokeError() : 0;
            if (errno == EINTR)
            {
                continue;
            }

            if (errno == EINVAL && Volatile.Read(ref _direct))
            {
                // The file system took O_DIRECT but not this write (an alignment it wants larger): go on buffered.
                Volatile.Write(ref _direct, false);
                if (fcntl(_fd, F_SETFL, _savedFlags) >= 0)
                {
                    continue;
                }

                errno = Marshal.GetLastPInvokeError();
            }

            throw new IOException(n == 0 ? "write wrote nothing" : $"write failed: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
        }
    }

    private void ThrowIfFailed()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Volatile.Read(ref _error)?.Throw();
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fcntl(int fd, int cmd, int arg);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint pwrite(int fd, byte* buffer, nuint count, long offset);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int ftruncate(int fd, long length);
}
