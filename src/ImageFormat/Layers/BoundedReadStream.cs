using ImageFormat.Tar;

namespace ImageFormat.Layers;

/// <summary>Reads at most a given number of bytes from a stream it owns.</summary>
internal sealed class BoundedReadStream(Stream inner, long size) : Stream
{
    private readonly long _length = size;
    private long _remaining = size;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _length - _remaining;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_remaining <= 0 || buffer.IsEmpty)
        {
            return 0;
        }

        int read = inner.Read(buffer[..(int)Math.Min(buffer.Length, _remaining)]);
        if (read == 0)
        {
            throw new Errors.InvalidArchiveException(Errors.ErrorCodes.InvalidTar, null, "layer ends inside a file's data");
        }

        _remaining -= read;
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// A tar entry's data stream that also disposes the reader (and so the layer stream) it came from. Given the
/// layer stream as <paramref name="verifiedLayer"/>, the read that ends the entry also reads the layer to its end,
/// so that a verifying layer stream checks its digests before the caller is told the content is complete.
/// </summary>
internal sealed class OwningStream(Stream inner, TarEntryReader reader, Stream? verifiedLayer = null) : Stream
{
    private bool _tailRead;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    public override int Read(Span<byte> buffer)
    {
        int n = inner.Read(buffer);
        if (n == 0 && !buffer.IsEmpty && verifiedLayer is not null && !_tailRead)
        {
            _tailRead = true;
            Images.LayerStreams.ReadToEnd(verifiedLayer);
        }

        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            reader.Dispose();
        }

        base.Dispose(disposing);
    }
}
