namespace ImageFormat.Compression;

/// <summary>
/// A read-only, forward-only view of a stream that lets the caller look at the next bytes before reading
/// them: bytes returned by <see cref="Peek(int)"/> are buffered and replayed by the following reads. Made for
/// streams that cannot seek (standard input, pipes, network bodies) whose compression must be detected from
/// their magic bytes before they are decoded.
/// </summary>
internal sealed class PeekableStream : Stream
{
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private byte[] _buffer = [];
    private int _start;
    private int _end;
    private long _position;
    private bool _disposed;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <param name="inner">A readable stream; it is read forward only, whether or not it can seek.</param>
    /// <param name="leaveOpen">
    /// <see langword="true"/> to leave <paramref name="inner"/> open when this stream is disposed;
    /// <see langword="false"/> to dispose it too.
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="inner"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="inner"/> cannot read.</exception>
    public PeekableStream(Stream inner, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (!inner.CanRead)
        {
            throw new ArgumentException("The stream must be readable.", nameof(inner));
        }

        _inner = inner;
        _leaveOpen = leaveOpen;
    }

    /// <summary>
    /// Returns the next <paramref name="count"/> bytes without consuming them: the following reads return
    /// them again. Fewer bytes are returned only when the stream ends first.
    /// </summary>
    /// <param name="count">How many bytes to look at; at least 0.</param>
    /// <returns>
    /// The bytes, valid until the next call to any member of this stream (copy them to keep them).
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    /// <exception cref="IOException">Reading the underlying stream failed.</exception>
    public ReadOnlySpan<byte> Peek(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ObjectDisposedException.ThrowIf(_disposed, this);
        PrepareBuffer(count);
        while (_end - _start < count)
        {
            int read = _inner.Read(_buffer, _end, _start + count - _end);
            if (read == 0)
            {
                break;
            }

            _end += read;
        }

        return _buffer.AsSpan(_start, Math.Min(count, _end - _start));
    }

    /// <summary>
    /// Returns the next <paramref name="count"/> bytes without consuming them, reading asynchronously. Fewer
    /// bytes are returned only when the stream ends first.
    /// </summary>
    /// <param name="count">How many bytes to look at; at least 0.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>
    /// The bytes, valid until the next call to any member of this stream (copy them to keep them).
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    /// <exception cref="IOException">Reading the underlying stream failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public ValueTask<ReadOnlyMemory<byte>> PeekAsync(int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return cancellationToken.IsCancellationRequested
            ? ValueTask.FromCanceled<ReadOnlyMemory<byte>>(cancellationToken)
            : PeekCoreAsync(count, cancellationToken);
    }

    private async ValueTask<ReadOnlyMemory<byte>> PeekCoreAsync(int count, CancellationToken cancellationToken)
    {
        PrepareBuffer(count);
        while (_end - _start < count)
        {
            int read = await _inner.ReadAsync(_buffer.AsMemory(_end, _start + count - _end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            _end += read;
        }

        return _buffer.AsMemory(_start, Math.Min(count, _end - _start));
    }

    // Makes room for count buffered bytes starting at _start, keeping the bytes already peeked.
    private void PrepareBuffer(int count)
    {
        if (_buffer.Length - _start >= count)
        {
            return;
        }

        int buffered = _end - _start;
        byte[] target = _buffer.Length >= count ? _buffer : new byte[Math.Max(count, 2 * _buffer.Length)];
        Buffer.BlockCopy(_buffer, _start, target, 0, buffered);
        _buffer = target;
        _start = 0;
        _end = buffered;
    }

    /// <inheritdoc/>
    public override bool CanRead => !_disposed;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => false;

    /// <summary>Not supported: the stream cannot seek.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override long Length => throw new NotSupportedException();

    /// <summary>
    /// The number of bytes consumed by reads so far (peeked bytes not yet read are not counted). Setting it is
    /// not supported.
    /// </summary>
    /// <exception cref="NotSupportedException">On set.</exception>
    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int read = TakeBuffered(buffer);
        if (read == 0)
        {
            read = _inner.Read(buffer);
        }

        _position += read;
        return read;
    }

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <inheritdoc/>
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        int read = TakeBuffered(buffer.Span);
        if (read == 0)
        {
            read = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        _position += read;
        return read;
    }

    private int TakeBuffered(Span<byte> destination)
    {
        int count = Math.Min(destination.Length, _end - _start);
        if (count == 0)
        {
            return 0;
        }

        _buffer.AsSpan(_start, count).CopyTo(destination);
        _start += count;
        if (_start == _end)
        {
            _start = 0;
            _end = 0;
        }

        return count;
    }

    /// <summary>Does nothing: the stream is read-only.</summary>
    public override void Flush()
    {
    }

    /// <summary>Not supported: the stream cannot seek.</summary>
    /// <param name="offset">Ignored.</param>
    /// <param name="origin">Ignored.</param>
    /// <returns>Never returns.</returns>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <summary>Not supported: the stream is read-only.</summary>
    /// <param name="value">Ignored.</param>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Not supported: the stream is read-only.</summary>
    /// <param name="buffer">Ignored.</param>
    /// <param name="offset">Ignored.</param>
    /// <param name="count">Ignored.</param>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            if (!_leaveOpen)
            {
                _inner.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            if (!_leaveOpen)
            {
                await _inner.DisposeAsync().ConfigureAwait(false);
            }
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }
}
