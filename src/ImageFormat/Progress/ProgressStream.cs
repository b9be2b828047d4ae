namespace ImageFormat.Progress;

/// <summary>
/// A one-way pass-through (reading, or writing with <see cref="WrapWrite"/>) that counts the bytes that pass into a <see cref="ProgressReporter"/> and observes a
/// cancellation token on every read, so that code deep inside a synchronous reader (a tar reader, a decompressor,
/// a hashing copy) stops mid-blob when cancelled. One is made per blob only when someone listens or the token
/// can be cancelled (<see cref="Wrap"/>); otherwise the stream is used as is.
/// </summary>
internal sealed class ProgressStream : Stream
{
    private readonly Stream _inner;
    private readonly ProgressReporter? _reporter;
    private readonly CancellationToken _cancellationToken;
    private readonly bool _leaveOpen;
    private readonly bool _writing;

    private ProgressStream(Stream inner, ProgressReporter? reporter, bool leaveOpen, bool writing, CancellationToken cancellationToken)
    {
        _writing = writing;
        _inner = inner;
        _reporter = reporter;
        _cancellationToken = cancellationToken;
        _leaveOpen = leaveOpen;
    }

    /// <inheritdoc/>
    public override bool CanRead => !_writing && _inner.CanRead;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => _writing && _inner.CanWrite;

    /// <inheritdoc/>
    public override long Length => _inner.Length;

    /// <inheritdoc/>
    public override long Position
    {
        get => _inner.Position;
        set => throw new NotSupportedException();
    }

    /// <summary>
    /// <paramref name="inner"/> itself when nobody listens and <paramref name="cancellationToken"/> cannot be
    /// cancelled; otherwise a counting, cancellable pass-through that disposes <paramref name="inner"/> with it
    /// unless <paramref name="leaveOpen"/>.
    /// </summary>
    public static Stream Wrap(Stream inner, ProgressReporter? reporter, CancellationToken cancellationToken, bool leaveOpen = false) =>
        reporter is null && !cancellationToken.CanBeCanceled ? inner : new ProgressStream(inner, reporter, leaveOpen, writing: false, cancellationToken);

    /// <summary>As <see cref="Wrap"/>, for a stream written to: counts the bytes written.</summary>
    public static Stream WrapWrite(Stream inner, ProgressReporter? reporter, CancellationToken cancellationToken, bool leaveOpen = true) =>
        reporter is null && !cancellationToken.CanBeCanceled ? inner : new ProgressStream(inner, reporter, leaveOpen, writing: true, cancellationToken);

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        if (_writing)
        {
            throw new NotSupportedException();
        }

        _cancellationToken.ThrowIfCancellationRequested();
        int n = _inner.Read(buffer);
        _reporter?.Add(n);
        return n;
    }

    /// <inheritdoc/>
    public override int ReadByte()
    {
        _cancellationToken.ThrowIfCancellationRequested();
        int b = _inner.ReadByte();
        if (b >= 0)
        {
            _reporter?.Add(1);
        }

        return b;
    }

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        int n = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        _reporter?.Add(n);
        return n;
    }

    /// <inheritdoc/>
    public override void Flush()
    {
        if (_writing)
        {
            _inner.Flush();
        }
    }

    /// <inheritdoc/>
    public override Task FlushAsync(CancellationToken cancellationToken) =>
        _writing ? _inner.FlushAsync(cancellationToken) : Task.CompletedTask;

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (!_writing)
        {
            throw new NotSupportedException();
        }

        _cancellationToken.ThrowIfCancellationRequested();
        _inner.Write(buffer);
        _reporter?.Add(buffer.Length);
    }

    /// <inheritdoc/>
    public override void WriteByte(byte value) => Write([value]);

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_writing)
        {
            throw new NotSupportedException();
        }

        _cancellationToken.ThrowIfCancellationRequested();
        await _inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        _reporter?.Add(buffer.Length);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_leaveOpen)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        if (!_leaveOpen)
        {
            await _inner.DisposeAsync().ConfigureAwait(false);
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }
}
