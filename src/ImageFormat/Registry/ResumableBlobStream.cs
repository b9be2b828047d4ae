using System.Net;
using System.Net.Http.Headers;
using ImageFormat.Digests;
using ImageFormat.Errors;

namespace ImageFormat.Registry;

/// <summary>
/// A blob's content read from a registry, resuming after a dropped connection with <c>Range: bytes=N-</c> from the
/// byte it reached (or skipping N bytes when the registry ignores the range). It does not verify; the client wraps
/// it in a <see cref="VerifyingReadStream"/>, so resumed content is hashed as one.
/// </summary>
internal sealed class ResumableBlobStream : Stream
{
    private readonly RegistryClient _client;
    private readonly RegistryClient.HostState _host;
    private readonly RegistryRepository _repository;
    private readonly Digest _digest;
    private readonly long _size;
    private HttpResponseMessage? _response;
    private Stream? _body;
    private long _position;
    private int _failures;
    private bool _disposed;

    public ResumableBlobStream(RegistryClient client, RegistryClient.HostState host, RegistryRepository repository, Digest digest, long size)
    {
        _client = client;
        _host = host;
        _repository = repository;
        _digest = digest;
        _size = size;
    }

    /// <summary>How many times the stream resumed after a failure.</summary>
    public int Resumptions { get; private set; }

    public override bool CanRead => !_disposed;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public async Task OpenAsync(CancellationToken cancellationToken)
    {
        Close(resetBody: true);
        long from = _position;
        _response = await _client.GetBlobResponseAsync(_host, _repository, _digest, from, cancellationToken).ConfigureAwait(false);
        _body = await _response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        if (from > 0 && _response.StatusCode == HttpStatusCode.OK)
        {
            // The registry ignored the range: skip what was already returned (the verifying reader hashes as one).
            byte[] skip = new byte[64 * 1024];
            long left = from;
            while (left > 0)
            {
                int n = await _body.ReadAsync(skip.AsMemory(0, (int)Math.Min(skip.Length, left)), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    throw new IOException($"the blob ended after {from - left} bytes while skipping to {from}");
                }

                left -= n;
            }
        }
        else if (from > 0 && _response.Content.Headers.ContentRange is ContentRangeHeaderValue range && range.From != from)
        {
            throw new RegistryException(ErrorCodes.RegistryProtocolError, _repository.Registry, $"blob {_digest}: asked for bytes from {from}, got {range}");
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        byte[] temp = new byte[buffer.Length];
        int n = ReadAsync(temp, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        temp.AsSpan(0, n).CopyTo(buffer);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            try
            {
                if (_body is null)
                {
                    await OpenAsync(cancellationToken).ConfigureAwait(false);
                }

                int n = await _body!.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (n == 0 && _size >= 0 && _position < _size)
                {
                    throw new IOException($"the connection ended after {_position} of {_size} bytes");
                }

                if (n > 0)
                {
                    _failures = 0;
                }

                _position += n;
                return n;
            }
            catch (Exception e) when (RegistryClient.IsTransient(e, cancellationToken) && _failures < _client.Options.MaxRetries)
            {
                _failures++;
                Resumptions++;
                Close(resetBody: true);
                await Task.Delay(_client.RetryDelay(_failures - 1, null), _client.Options.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            Close(resetBody: true);
        }

        base.Dispose(disposing);
    }

    private void Close(bool resetBody)
    {
        if (resetBody)
        {
            _body?.Dispose();
            _body = null;
        }

        _response?.Dispose();
        _response = null;
    }
}

/// <summary>Reports the bytes read through it as upload progress.</summary>
internal sealed class ProgressReadStream(Stream inner, Model.Descriptor blob, IProgress<BlobProgress>? progress) : Stream
{
    private long _done;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => blob.Size;

    public override long Position
    {
        get => _done;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    // The content is the caller's: the upload does not close it.
    protected override void Dispose(bool disposing) => base.Dispose(disposing);

    private int Count(int n)
    {
        _done += n;
        if (n > 0)
        {
            progress?.Report(new BlobProgress(blob.Digest, _done, blob.Size));
        }

        return n;
    }
}
