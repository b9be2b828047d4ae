namespace ImageFormat.Tar;

/// <summary>
/// The content of one tar entry, read through its <see cref="TarEntryReader"/>: the stored bytes, or for a sparse
/// file the expanded content with zeros in the holes. Forward-only and valid until the reader moves on.
/// </summary>
internal sealed class TarEntryDataStream : Stream, IO.IBlockLender
{
    private readonly TarEntryReader _reader;
    private readonly int _generation;
    private readonly string _name;
    private readonly long _length;
    private readonly IReadOnlyList<TarSparseSegment>? _map;
    private long _position;
    private int _segment;
    private bool _disposed;

    public TarEntryDataStream(TarEntryReader reader, int generation, TarEntryHeader entry)
    {
        _reader = reader;
        _generation = generation;
        _name = entry.Name;
        _length = entry.IsSparse ? entry.Size : entry.StoredSize;
        _map = entry.SparseMap;
    }

    public override bool CanRead => !_disposed;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException("The entry's data stream cannot seek.");
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        long left = _length - _position;
        if (left <= 0 || buffer.IsEmpty)
        {
            return 0;
        }

        if (buffer.Length > left)
        {
            buffer = buffer[..(int)left];
        }

        if (_map is null)
        {
            int n = _reader.ReadStored(_generation, buffer, _name);
            _position += n;
            return n;
        }

        while (_segment < _map.Count && _position >= _map[_segment].Offset + _map[_segment].Length)
        {
            _segment++;
        }

        if (_segment < _map.Count && _position >= _map[_segment].Offset)
        {
            TarSparseSegment s = _map[_segment];
            long inSegment = s.Offset + s.Length - _position;
            int n = _reader.ReadStored(_generation, buffer[..(int)Math.Min(buffer.Length, inSegment)], _name);
            _position += n;
            return n;
        }

        long holeEnd = _segment < _map.Count ? _map[_segment].Offset : _length;
        int zeros = (int)Math.Min(buffer.Length, holeEnd - _position);
        buffer[..zeros].Clear();
        _position += zeros;
        return zeros;
    }

    /// <summary>Whether the data can be lent in place: a plain (not sparse) entry of a stream that lends.</summary>
    public bool CanLend => _map is null && _reader.CanLend;

    /// <inheritdoc/>
    public ReadOnlyMemory<byte> Lend(int max, out IDisposable? lease)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        if (!CanLend)
        {
            throw new NotSupportedException("This entry's data cannot be lent: read it.");
        }

        ReadOnlyMemory<byte> lent = _reader.LendStored(_generation, (int)Math.Min(max, _length - _position), _name, out lease);
        _position += lent.Length;
        return lent;
    }

    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 1 ? one[0] : -1;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("The entry's data stream cannot seek.");

    public override void SetLength(long value) => throw new NotSupportedException("The entry's data stream is read-only.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("The entry's data stream is read-only.");

    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        base.Dispose(disposing);
    }
}
