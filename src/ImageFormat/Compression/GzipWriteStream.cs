using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace ImageFormat.Compression;

/// <summary>
/// Writes one gzip member around raw deflate data, with a header of our own: GZipStream records the host
/// operating system (3 on Unix, 10 on Windows), which would make layer digests depend on where they were
/// built. The header matches Go's <c>compress/gzip</c> (no name, no time, OS 255), as Docker writes layers.
/// </summary>
internal sealed class GzipWriteStream : Stream
{
    private readonly Stream _output;
    private readonly bool _leaveOpen;
    private readonly DeflateStream _deflate;
    private readonly Crc32 _crc = new();
    private uint _size;
    private bool _wroteData;
    private bool _disposed;

    public GzipWriteStream(Stream output, int level, bool leaveOpen)
    {
        _output = output;
        _leaveOpen = leaveOpen;
        byte extraFlags = level switch
        {
            9 => 2, // maximum compression
            1 => 4, // fastest
            _ => 0,
        };
        ReadOnlySpan<byte> header = [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, extraFlags, 0xff];
        output.Write(header);
        _deflate = new DeflateStream(output, new ZLibCompressionOptions { CompressionLevel = level }, leaveOpen: true);
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !_disposed;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _deflate.Write(buffer);
        _wroteData |= !buffer.IsEmpty;
        _crc.Append(buffer);
        _size = unchecked(_size + (uint)buffer.Length);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _deflate.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        _wroteData |= !buffer.IsEmpty;
        _crc.Append(buffer.Span);
        _size = unchecked(_size + (uint)buffer.Length);
    }

    public override void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _deflate.Flush();
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _deflate.Dispose();
            if (!_wroteData)
            {
                // DeflateStream writes nothing at all when given no data, which is not valid deflate; write
                // the empty final stored block Go's compress/flate writes in that case.
                _output.Write([0x01, 0x00, 0x00, 0xff, 0xff]);
            }

            Span<byte> trailer = stackalloc byte[8];
            BinaryPrimitives.WriteUInt32LittleEndian(trailer, _crc.GetCurrentHashAsUInt32());
            BinaryPrimitives.WriteUInt32LittleEndian(trailer[4..], _size);
            _output.Write(trailer);
            _output.Flush();
            if (!_leaveOpen)
            {
                _output.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}

/// <summary>Writes straight through to a stream, disposing it only when asked to.</summary>
internal sealed class PassThroughWriteStream : Stream
{
    private readonly Stream _output;
    private readonly bool _leaveOpen;
    private bool _disposed;

    public PassThroughWriteStream(Stream output, bool leaveOpen)
    {
        _output = output;
        _leaveOpen = leaveOpen;
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !_disposed;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _output.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _output.WriteAsync(buffer, cancellationToken);
    }

    public override void Flush() => _output.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _output.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            if (!_leaveOpen)
            {
                _output.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}
