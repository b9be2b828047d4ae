namespace ImageFormat.Digests;

/// <summary>
/// A read-only, forward-only stream over another stream that hashes and counts every byte the caller reads
/// through it, so one pass both consumes and identifies content.
/// </summary>
/// <remarks>
/// The digest is finished when a read of at least one byte returns 0 (the inner stream reached its end);
/// <see cref="Digest"/> is then available. <see cref="GetDigest"/> finishes it earlier, over the bytes read so
/// far, after which the stream refuses further reads (the digest would no longer describe them).
/// <see cref="Stream.CopyTo(Stream)"/> and <see cref="Stream.CopyToAsync(Stream)"/> read to the end, so the
/// digest is ready after either. Once the end is reached, later reads return 0 without reading the inner
/// stream. Not thread-safe.
/// </remarks>
public sealed class HashingReadStream : Stream
{
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly DigestHasher _hasher;
    private Digest _digest;
    private long _bytesRead;
    private bool _reachedEnd;
    private bool _disposed;

    /// <summary>Creates the stream.</summary>
    /// <param name="inner">The stream to read from; read from its current position.</param>
    /// <param name="algorithm">The digest algorithm; SHA-256 unless given.</param>
    /// <param name="leaveOpen">
    /// <see langword="true"/> to leave <paramref name="inner"/> open when this stream is disposed;
    /// <see langword="false"/> (the default) to dispose it too.
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="inner"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="inner"/> cannot be read.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="algorithm"/> is not a defined algorithm.</exception>
    public HashingReadStream(Stream inner, DigestAlgorithm algorithm = DigestAlgorithm.Sha256, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (!inner.CanRead)
        {
            throw new ArgumentException("The inner stream must be readable.", nameof(inner));
        }

        _hasher = new DigestHasher(algorithm);
        _inner = inner;
        _leaveOpen = leaveOpen;
    }

    /// <summary>The algorithm.</summary>
    public DigestAlgorithm Algorithm => _hasher.Algorithm;

    /// <summary>How many bytes the caller has read through this stream.</summary>
    public long BytesRead => _bytesRead;

    /// <summary>Whether the digest is finished (end of the inner stream reached, or <see cref="GetDigest"/> called).</summary>
    public bool IsCompleted => !_digest.IsEmpty;

    /// <summary>The digest of everything read, once <see cref="IsCompleted"/>.</summary>
    /// <exception cref="InvalidOperationException">The inner stream has not reached its end yet and <see cref="GetDigest"/> was not called.</exception>
    public Digest Digest => _digest.IsEmpty
        ? throw new InvalidOperationException("The digest is known only once the stream has been read to its end; call GetDigest() to finish it early.")
        : _digest;

    /// <inheritdoc/>
    public override bool CanRead => !_disposed;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => false;

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

    /// <summary>
    /// Finishes the digest over the bytes read so far (all of them if the end was reached) and returns it.
    /// Later reads throw. Calling it again returns the same digest.
    /// </summary>
    /// <returns>The digest.</returns>
    /// <exception cref="ObjectDisposedException">The stream was disposed before the digest was finished.</exception>
    public Digest GetDigest()
    {
        if (_digest.IsEmpty)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _digest = _hasher.GetDigest();
        }

        return _digest;
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
        if (!EnsureReadable())
        {
            return 0;
        }

        int n = _inner.Read(buffer);
        return Account(buffer[..n], buffer.Length);
    }

    /// <inheritdoc/>
    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 0 ? -1 : one[0];
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
        if (!EnsureReadable())
        {
            return 0;
        }

        int n = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Account(buffer.Span[..n], buffer.Length);
    }

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

    /// <summary>Not supported.</summary>
    /// <param name="buffer">Unused.</param>
    /// <param name="offset">Unused.</param>
    /// <param name="count">Unused.</param>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>Does nothing: the stream is read-only.</summary>
    public override void Flush()
    {
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
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

    private bool EnsureReadable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_reachedEnd)
        {
            // The digest is final; bytes an inner stream might produce after its end would not be in it.
            return false;
        }

        if (!_digest.IsEmpty)
        {
            throw new InvalidOperationException("GetDigest() finished the digest before the end of the stream; no more bytes can be read through it.");
        }

        return true;
    }

    private int Account(ReadOnlySpan<byte> data, int requested)
    {
        if (data.Length > 0)
        {
            _hasher.Append(data);
            _bytesRead += data.Length;
        }
        else if (requested > 0)
        {
            _reachedEnd = true;
            _digest = _hasher.GetDigest();
        }

        return data.Length;
    }
}
