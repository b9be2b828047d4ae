using ImageFormat.Errors;

namespace ImageFormat.IO;

/// <summary>
/// Passes another stream through and throws <see cref="LimitExceededException"/> naming <c>limit</c> as soon as
/// more than <c>maxBytes</c> have come through, before handing out the byte that crosses it. Disposes the inner
/// stream.
/// </summary>
internal sealed class LimitedReadStream(Stream inner, long maxBytes, string limit, string subject) : ForwardReadStream
{
    private long _read;

    public override int Read(Span<byte> buffer)
    {
        // Ask for at most one byte past the limit: enough to know it was crossed, no more work than that.
        int n = inner.Read(buffer[..(int)Math.Min(buffer.Length, maxBytes - _read + 1)]);
        _read += n;
        if (_read > maxBytes)
        {
            throw new LimitExceededException(subject, limit, maxBytes, _read);
        }

        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
