using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace ImageFormat.IO;

/// <summary>
/// Reads an inner stream ahead on its own thread, a few large chunks at a time, so that the work the inner
/// stream does (hashing and verifying while it reads) overlaps with what the consumer does with the bytes
/// (writing them out). On two cores this turns read+hash+write into max(read+hash, write).
/// A failure of the inner stream (a digest mismatch at its end, say) surfaces from the consumer's next read,
/// after every byte read before it, exactly as it would without read-ahead.
/// </summary>
internal sealed class ReadAheadStream : ForwardReadStream
{
    private readonly Stream _inner;
    private readonly BlockingCollection<Chunk> _filled;
    private readonly BlockingCollection<byte[]> _free;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _producer;
    private Chunk? _current;
    private int _offset;
    private bool _ended;

    public ReadAheadStream(Stream inner, int chunkSize = 1 << 20, int chunks = 4)
    {
        _inner = inner;
        _filled = new BlockingCollection<Chunk>(chunks);
        _free = new BlockingCollection<byte[]>(chunks);
        for (int i = 0; i < chunks; i++)
        {
            _free.Add(new byte[chunkSize]);
        }

        _producer = new Thread(Produce) { IsBackground = true, Name = "imagefmt read-ahead" };
        _producer.Start();
    }

    private sealed record Chunk(byte[]? Buffer, int Count, ExceptionDispatchInfo? Error);

    private void Produce()
    {
        byte[]? buffer = null;
        int filled = 0;
        try
        {
            while (true)
            {
                buffer = _free.Take(_stop.Token);
                filled = 0;
                int n;
                while (filled < buffer.Length && (n = _inner.Read(buffer, filled, buffer.Length - filled)) > 0)
                {
                    filled += n;
                }

                Chunk chunk = new(buffer, filled, null);
                buffer = null;
                _filled.Add(chunk, _stop.Token);
                if (filled == 0)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // The bytes read before the failure go first, then the failure, rethrown with its original stack.
            try
            {
                if (buffer is not null && filled > 0)
                {
                    _filled.Add(new Chunk(buffer, filled, null), _stop.Token);
                }

                _filled.Add(new Chunk(null, 0, ExceptionDispatchInfo.Capture(e)), _stop.Token);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
        }
    }

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty || _ended)
        {
            return 0;
        }

        if (_current is null)
        {
            Chunk next = _filled.Take();
            next.Error?.Throw();
            if (next.Count == 0)
            {
                _ended = true;
                return 0;
            }

            _current = next;
            _offset = 0;
        }

        int count = Math.Min(buffer.Length, _current.Count - _offset);
        _current.Buffer.AsSpan(_offset, count).CopyTo(buffer);
        _offset += count;
        if (_offset == _current.Count)
        {
            _free.Add(_current.Buffer!);
            _current = null;
        }

        return count;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stop.Cancel();
            _producer.Join();
            _inner.Dispose();
            _filled.Dispose();
            _free.Dispose();
            _stop.Dispose();
        }

        base.Dispose(disposing);
    }
}
