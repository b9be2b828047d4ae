using System.Runtime.ExceptionServices;

namespace ImageFormat.Digests;

/// <summary>
/// A read-only, forward-only stream that returns another stream's content while checking it against the size
/// and digest that name it. It never returns a byte past the expected size.
/// </summary>
/// <remarks>
/// <para>When the checks happen:</para>
/// <list type="bullet">
/// <item>The inner stream ends before the expected size: the read that meets the end throws
/// <see cref="SizeMismatchException"/> with the count found.</item>
/// <item>All expected bytes were returned: the next read (or <see cref="VerifyToEnd"/>) asks the inner stream for
/// one more byte. If there is one it throws <see cref="SizeMismatchException"/> with no actual size (the content
/// is longer than expected and is not read further); otherwise it compares digests and throws
/// <see cref="DigestMismatchException"/> when they differ, or returns 0.</item>
/// <item>Unknown size (<c>-1</c>): the read that meets the end of the inner stream compares digests.</item>
/// </list>
/// <para>A caller that reads exactly the expected number of bytes and stops has not been told the content is
/// good: call <see cref="VerifyToEnd"/> (or <see cref="VerifyToEndAsync"/>), which drains what is left and runs the
/// checks. Disposing does not verify. Once a check failed, every later read throws the same exception.
/// Not thread-safe.</para>
/// </remarks>
public sealed class VerifyingReadStream : Stream, IO.IRetainingReader
{
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly DigestHasher _hasher;
    private long _bytesRead;
    private bool _verified;
    private bool _disposed;
    private ExceptionDispatchInfo? _failure;
    private byte[]? _probe;

    /// <summary>Creates the stream.</summary>
    /// <param name="inner">The content, read from its current position.</param>
    /// <param name="expected">The digest the content must have; its algorithm is the one used.</param>
    /// <param name="expectedSize">The exact size the content must have, or <c>-1</c> when unknown (then only the digest is checked).</param>
    /// <param name="subject">What the content is, for error messages (an entry name, a blob path).</param>
    /// <param name="leaveOpen">
    /// <see langword="true"/> to leave <paramref name="inner"/> open when this stream is disposed;
    /// <see langword="false"/> (the default) to dispose it too.
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="inner"/> or <paramref name="subject"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="inner"/> cannot be read, or <paramref name="expected"/> is <c>default</c>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="expectedSize"/> is less than <c>-1</c>.</exception>
    public VerifyingReadStream(Stream inner, Digest expected, long expectedSize, string subject, bool leaveOpen = false)
        : this(inner, expected, expectedSize, subject, leaveOpen, offloadHashing: true)
    {
    }

    /// <summary>Creates the stream, saying whether long content may be hashed on a second core (<see cref="DigestHasher"/>).</summary>
    /// <param name="inner">The content.</param>
    /// <param name="expected">The digest the content must have.</param>
    /// <param name="expectedSize">The exact size, or <c>-1</c>.</param>
    /// <param name="subject">What the content is, for error messages.</param>
    /// <param name="leaveOpen">Whether <paramref name="inner"/> stays open.</param>
    /// <param name="offloadHashing"><see langword="false"/> for a caller that is itself one of several threads
    /// hashing at once: a hand-off there would only add a copy and a thread.</param>
    internal VerifyingReadStream(Stream inner, Digest expected, long expectedSize, string subject, bool leaveOpen, bool offloadHashing)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(subject);
        if (!inner.CanRead)
        {
            throw new ArgumentException("The inner stream must be readable.", nameof(inner));
        }

        if (expected.IsEmpty)
        {
            throw new ArgumentException("The expected digest is the default value, which names no content.", nameof(expected));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(expectedSize, -1);
        _hasher = offloadHashing ? new DigestHasher(expected.Algorithm) : new DigestHasher(expected.Algorithm, offload: false);
        _inner = inner;
        Expected = expected;
        ExpectedSize = expectedSize;
        Subject = subject;
        _leaveOpen = leaveOpen;
    }

    /// <summary>The digest the content must have.</summary>
    public Digest Expected { get; }

    /// <summary>The size the content must have, or <c>-1</c> when unknown.</summary>
    public long ExpectedSize { get; }

    /// <summary>What the content is, as named in error messages.</summary>
    public string Subject { get; }

    /// <summary>How many bytes were returned to the caller (or drained by <see cref="VerifyToEnd"/>).</summary>
    public long BytesRead => _bytesRead;

    /// <summary>Whether the whole content was read and both checks passed.</summary>
    public bool IsVerified => _verified;

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

    /// <summary>Reads and discards what is left of the content, then checks size and digest.</summary>
    /// <exception cref="SizeMismatchException">The content is shorter or longer than expected.</exception>
    /// <exception cref="DigestMismatchException">The content has another digest.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    public void VerifyToEnd()
    {
        byte[] scratch = new byte[16 * 1024];
        while (Read(scratch) > 0)
        {
        }
    }

    /// <summary>Reads and discards what is left of the content, then checks size and digest.</summary>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The check.</returns>
    /// <exception cref="SizeMismatchException">The content is shorter or longer than expected.</exception>
    /// <exception cref="DigestMismatchException">The content has another digest.</exception>
    /// <exception cref="ObjectDisposedException">The stream is disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task VerifyToEndAsync(CancellationToken cancellationToken = default)
    {
        byte[] scratch = new byte[16 * 1024];
        while (await ReadAsync(scratch, cancellationToken).ConfigureAwait(false) > 0)
        {
        }
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    /// <summary>Reads content; see the remarks on <see cref="VerifyingReadStream"/> for when it throws.</summary>
    /// <param name="buffer">Where to put the bytes.</param>
    /// <returns>The number of bytes read; 0 at the verified end.</returns>
    /// <exception cref="SizeMismatchException">The content is shorter or longer than expected.</exception>
    /// <exception cref="DigestMismatchException">The content has another digest.</exception>
    public override int Read(Span<byte> buffer) => ReadInner(buffer, out int n) ? Account(buffer[..n]) : 0;

    /// <summary>
    /// Reads as <see cref="Read(Span{byte})"/> does, and hashes the bytes where they lie in
    /// <paramref name="buffer"/> (on the hasher's second core for long content), under a lease the hasher disposes
    /// once they are hashed.
    /// </summary>
    /// <param name="buffer">Where to put the bytes; kept unchanged by the caller while leased.</param>
    /// <param name="lease">Takes a lease on <paramref name="buffer"/>; called only when bytes were read.</param>
    /// <returns>The number of bytes read; 0 at the verified end.</returns>
    /// <exception cref="SizeMismatchException">The content is shorter or longer than expected.</exception>
    /// <exception cref="DigestMismatchException">The content has another digest.</exception>
    int IO.IRetainingReader.ReadRetaining(Memory<byte> buffer, Func<IDisposable> lease)
    {
        if (!ReadInner(buffer.Span, out int n))
        {
            return 0;
        }

        _hasher.Append(buffer[..n], lease());
        _bytesRead += n;
        return n;
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

    /// <summary>Reads content; see the remarks on <see cref="VerifyingReadStream"/> for when it throws.</summary>
    /// <param name="buffer">Where to put the bytes.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The number of bytes read; 0 at the verified end.</returns>
    /// <exception cref="SizeMismatchException">The content is shorter or longer than expected.</exception>
    /// <exception cref="DigestMismatchException">The content has another digest.</exception>
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (!TryLimit(buffer.Length, out int limit))
        {
            return 0;
        }

        if (limit == 0)
        {
            _probe ??= new byte[1];
            return AtExpectedEnd(await _inner.ReadAsync(_probe, cancellationToken).ConfigureAwait(false));
        }

        int n = await _inner.ReadAsync(buffer[..limit], cancellationToken).ConfigureAwait(false);
        return Account(buffer.Span[..n]);
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

    // Decides how much the next inner read may return: false when nothing is to be read (zero-length request or
    // already verified), limit 0 when every expected byte was returned and only the end remains to be confirmed.
    private bool TryLimit(int requested, out int limit)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _failure?.Throw();
        limit = 0;
        if (_verified || requested == 0)
        {
            return false;
        }

        limit = ExpectedSize < 0 ? requested : (int)Math.Min(requested, ExpectedSize - _bytesRead);
        return true;
    }

    // Reads from the inner stream as much as the next read may return. True with the count when bytes came (the
    // caller hashes and counts them); false when the read returns 0: nothing was asked, the content was verified
    // already, or its end was reached and checked now (a failed check throws).
    private bool ReadInner(Span<byte> buffer, out int n)
    {
        n = 0;
        if (!TryLimit(buffer.Length, out int limit))
        {
            return false;
        }

        if (limit == 0)
        {
            Span<byte> probe = stackalloc byte[1];
            AtExpectedEnd(_inner.Read(probe));
            return false;
        }

        n = _inner.Read(buffer[..limit]);
        if (n == 0)
        {
            Account([]);
            return false;
        }

        return true;
    }

    private int Account(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            if (ExpectedSize >= 0)
            {
                Fail(new SizeMismatchException(Subject, ExpectedSize, _bytesRead));
            }

            CheckDigest();
            return 0;
        }

        _hasher.Append(data);
        _bytesRead += data.Length;
        return data.Length;
    }

    private int AtExpectedEnd(int extra)
    {
        if (extra > 0)
        {
            Fail(new SizeMismatchException(Subject, ExpectedSize, null));
        }

        CheckDigest();
        return 0;
    }

    private void CheckDigest()
    {
        Digest actual = _hasher.GetDigest();
        if (!actual.FixedTimeEquals(Expected))
        {
            Fail(new DigestMismatchException(Subject, Expected, actual));
        }

        _verified = true;
    }

    private void Fail(ContentMismatchException failure)
    {
        _failure = ExceptionDispatchInfo.Capture(failure);
        throw failure;
    }
}
