namespace ImageFormat.Compression;

/// <summary>
/// Counts the compressed bytes a decoder consumes, so that <see cref="DecompressingStream"/> can hold its output
/// to <see cref="ImageFormatLimits.ExpansionBudget"/> of them. Never disposes the stream it reads.
/// </summary>
internal sealed class InputCounter(Stream inner) : IO.ForwardReadStream
{
    public long BytesRead { get; private set; }

    public override int Read(Span<byte> buffer)
    {
        int n = inner.Read(buffer);
        BytesRead += n;
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        BytesRead += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}
