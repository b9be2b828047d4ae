using Microsoft.Win32.SafeHandles;

namespace ImageFormat.Archives;

/// <summary>
/// A read-only, seekable window onto a file, read with <see cref="RandomAccess"/> so that any number of
/// segments of one file can be read at once from different threads without sharing a file position.
/// </summary>
internal sealed class FileSegmentStream : Stream
{
    private readonly SafeFileHandle _handle;
    private readonly long _start;
    private readonly long _length;
    private long _position;

    public FileSegmentStream(SafeFileHandle handle, long start, long length)
    {
        _handle = handle;
        _start = start;
        _length = length;
    }

    /// <summary>The file and the byte range this stream reads.</summary>
    public SafeFileHandle Handle => _handle;

    /// <summary>Where the segment starts in the file.</summary>
    public long Start => _start;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        long remaining = _length - _position;
        if (remaining <= 0 || buffer.IsEmpty)
        {
            return 0;
        }

        if (buffer.Length > remaining)
        {
            buffer = buffer[..(int)remaining];
        }

        int read = RandomAccess.Read(_handle, buffer, _start + _position);
        if (read == 0)
        {
            // The index said the bytes are there; a shorter file means it changed or was truncated under us.
            throw new EndOfStreamException($"file ended {remaining} bytes before the end of the segment at {_start}+{_length}");
        }

        _position += read;
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        long remaining = _length - _position;
        if (remaining <= 0 || buffer.IsEmpty)
        {
            return 0;
        }

        if (buffer.Length > remaining)
        {
            buffer = buffer[..(int)remaining];
        }

        int read = await RandomAccess.ReadAsync(_handle, buffer, _start + _position, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            throw new EndOfStreamException($"file ended {remaining} bytes before the end of the segment at {_start}+{_length}");
        }

        _position += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin)
    {
        long target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => _length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        ArgumentOutOfRangeException.ThrowIfNegative(target, nameof(offset));
        _position = target;
        return target;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
