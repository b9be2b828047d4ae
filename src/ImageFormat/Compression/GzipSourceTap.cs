using System.Buffers.Binary;

namespace ImageFormat.Compression;

/// <summary>
/// Sits between a gzip stream and <see cref="System.IO.Compression.GZipStream"/> and records what is needed to
/// prove afterwards that the input was complete: GZipStream stops silently when its input ends inside a
/// member, and ignores bytes after the last member. The tap keeps the final 8 bytes (the last member's CRC-32
/// and ISIZE trailer) and, for multi-member input, the 8 bytes before every <c>1f 8b 08</c> that could begin a
/// further member (candidate trailers, in input order; random matches inside deflate data are harmless because
/// a candidate only counts when it equals the CRC-32 and length of the output decoded so far).
/// </summary>
internal sealed class GzipSourceTap : IO.ForwardReadStream
{
    private const int TailLength = 10;
    private static ReadOnlySpan<byte> MemberMagic => [0x1f, 0x8b, 0x08];

    private readonly Stream _source;
    private readonly byte[] _tail = new byte[TailLength];
    private readonly List<ulong> _candidates = [];
    private int _tailLength;

    public GzipSourceTap(Stream source)
    {
        _source = source;
    }

    /// <summary>Bytes read from the source so far.</summary>
    public long BytesRead { get; private set; }

    /// <summary>Whether the source has reported its end.</summary>
    public bool ReachedEnd { get; private set; }

    /// <summary>Candidate trailers (<c>crc &lt;&lt; 32 | isize</c>) in input order.</summary>
    public List<ulong> Candidates => _candidates;

    /// <summary>The final 8 bytes read, as a trailer key, or <see langword="null"/> when fewer than 8 were read.</summary>
    public ulong? LastTrailer => _tailLength >= 8 ? TrailerKey(_tail.AsSpan(_tailLength - 8, 8)) : null;

    public static ulong TrailerKey(ReadOnlySpan<byte> trailer) =>
        ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(trailer) << 32) | BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]);

    public override int Read(Span<byte> buffer)
    {
        int read = _source.Read(buffer);
        Observe(buffer[..read], buffer.Length);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read = await _source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Observe(buffer.Span[..read], buffer.Length);
        return read;
    }

    private void Observe(ReadOnlySpan<byte> chunk, int requested)
    {
        if (chunk.IsEmpty)
        {
            ReachedEnd |= requested > 0;
            return;
        }

        // Magics that start in the previous tail or in the first 8 bytes of the chunk: their trailer straddles.
        Span<byte> window = stackalloc byte[2 * TailLength];
        int head = Math.Min(chunk.Length, TailLength);
        _tail.AsSpan(0, _tailLength).CopyTo(window);
        chunk[..head].CopyTo(window[_tailLength..]);
        int windowLength = _tailLength + head;
        for (int p = 8; p + MemberMagic.Length <= windowLength && p < _tailLength + 8; p++)
        {
            if (window.Slice(p, MemberMagic.Length).SequenceEqual(MemberMagic))
            {
                _candidates.Add(TrailerKey(window.Slice(p - 8, 8)));
            }
        }

        // Magics wholly inside the chunk with their trailer inside it too.
        int start = 8;
        while (start + MemberMagic.Length <= chunk.Length)
        {
            int found = chunk[start..].IndexOf(MemberMagic);
            if (found < 0)
            {
                break;
            }

            int at = start + found;
            _candidates.Add(TrailerKey(chunk.Slice(at - 8, 8)));
            start = at + 1;
        }

        if (chunk.Length >= TailLength)
        {
            chunk[^TailLength..].CopyTo(_tail);
            _tailLength = TailLength;
        }
        else
        {
            int keep = Math.Min(_tailLength, TailLength - chunk.Length);
            _tail.AsSpan(_tailLength - keep, keep).CopyTo(_tail);
            chunk.CopyTo(_tail.AsSpan(keep));
            _tailLength = keep + chunk.Length;
        }

        BytesRead += chunk.Length;
    }
}
