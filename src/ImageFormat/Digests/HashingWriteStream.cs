namespace ImageFormat.Digests;

/// <summary>
/// A write-only stream that hashes and counts every byte written to it and forwards the bytes to another
/// stream, so content is identified while it is stored. Pass <see cref="Stream.Null"/> to only hash.
/// </summary>
/// <remarks>
/// Bytes are hashed after the inner stream accepted them, so <see cref="BytesWritten"/> never counts a write
/// that failed. <see cref="GetDigest"/> finishes the digest; disposing finishes it too, so <see cref="Digest"/>
/// can be read after a <c>using</c> block. Not thread-safe.
/// </remarks>
public sealed class HashingWriteStream : Stream
{
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly DigestHasher _hasher;
    private Digest _digest;
    private long _bytesWritten;
    private bool _disposed;

    /// <summary>Creates the stream.</summary>
    /// <param name="inner">The stream that receives the bytes (<see cref="Stream.Null"/> to only hash them).</param>
    /// <param name="algorithm">The digest algorithm; SHA-256 unless given.</param>
    /// <param name="leaveOpen">
    /// <see langword="true"/> to leave <paramref name="inner"/> open when this stream is disposed;
    /// <see langword="false"/> (the default) to dispose it too.
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="inner"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="inner"/> cannot be written.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="algorithm"/> is not a defined algorithm.</exception>
    public HashingWriteStream(Stream inner, DigestAlgorithm algorithm = DigestAlgorithm.Sha256, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (!inner.CanWrite)
        {
            throw new ArgumentException("The inner stream must be writable.", nameof(inner));
        }

        _hasher = new DigestHasher(algorithm);
        _inner = inner;
        _leaveOpen = leaveOpen;
    }

    /// <summary>The algorithm.</summary>
    public DigestAlgorithm Algorithm => _hasher.Algorithm;

    /// <summary>How many bytes were written through this stream (and accepted by the inner stream).</summary>
    public long BytesWritten => _bytesWritten;

    /// <summary>Whether the digest is finished (<see cref="GetDigest"/> called or the stream disposed).</summary>
    public bool IsCompleted => !_digest.IsEmpty;

    /// <summary>The digest of everything written, once <see cref="IsCompleted"/>.</summary>
    /// <exception cref="InvalidOperationException">Neither <see cref="GetDigest"/> nor Dispose was called yet.</exception>
    public Digest Digest => _digest.IsEmpty
        ? throw new InvalidOperationException("The digest is known once GetDigest() is called or the stream is disposed.")
        : _digest;

    /// <inheritdoc/>
    public override bool CanRead => false;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => !_disposed && _digest.IsEmpty;

    /// <summary>Not supported.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override long Length => throw new NotSupportedException();

    /// <summary>Not supported.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Finishes the digest over everything written and returns it. Later writes throw; calling it again returns the same digest.</summary>
    /// <returns>The digest.</returns>
    public Digest GetDigest()
    {
        if (_digest.IsEmpty)
        {
            _digest = _hasher.GetDigest();
        }

        return _digest;
    }

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        EnsureWritable();
        _inner.Write(buffer);
        Account(buffer);
    }

    /// <inheritdoc/>
    public override void WriteByte(byte value)
    {
        ReadOnlySpan<byte> one = [value];
        Write(one);
    }

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <inheritdoc/>
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        EnsureWritable();
        await _inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        Account(buffer.Span);
    }

    /// <summary>Flushes the inner stream.</summary>
    public override void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _inner.Flush();
    }

    /// <summary>Flushes the inner stream.</summary>
    /// <param name="cancellationToken">Cancels the flush.</param>
    /// <returns>The flush.</returns>
    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _inner.FlushAsync(cancellationToken);
    }

    /// <summary>Not supported.</summary>
    /// <param name="buffer">Unused.</param>
    /// <param name="offset">Unused.</param>
    /// <param name="count">Unused.</param>
    /// <returns>Never returns.</returns>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>Not supported.</summary>
    /// <param name="offset">Unused.</param>
    /// <param name="origin">Unused.</param>
    /// <returns>Never returns.</returns>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <summary>Not supported.</summary>
    /// <param name="value">Unused.</param>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            GetDigest();
            _disposed = true;
            _hasher.Dispose();
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
            GetDigest();
            _disposed = true;
            _hasher.Dispose();
            if (!_leaveOpen)
            {
                await _inner.DisposeAsync().ConfigureAwait(false);
            }
        }

        await base.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    private void EnsureWritable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_digest.IsEmpty)
        {
            throw new InvalidOperationException("GetDigest() finished the digest; no more bytes can be written through this stream.");
        }
    }

    private void Account(ReadOnlySpan<byte> data)
    {
        _hasher.Append(data);
        _bytesWritten += data.Length;
    }
}
