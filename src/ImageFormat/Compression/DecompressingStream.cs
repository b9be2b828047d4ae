using System.IO.Hashing;
using ICSharpCode.SharpZipLib;
using ImageFormat.Errors;
using ZstdSharp;
using ZstdSharp.Unsafe;

namespace ImageFormat.Compression;

/// <summary>
/// The stream <see cref="Decompression"/> hands out: reads a decoder, counts what it produces against
/// <see cref="ImageFormatLimits.MaxDecompressedBytes"/>, turns every decoder failure into an
/// <see cref="InvalidArchiveException"/>, proves that gzip input was complete, and owns the decoder and
/// (unless left open) the compressed source. For <see cref="CompressionFormat.None"/> it is a pass-through that
/// keeps the source's ability to seek and applies no limit (nothing is decompressed).
/// </summary>
internal sealed class DecompressingStream : Stream
{
    private readonly Stream _decoder;
    private readonly Stream _source;
    private readonly bool _leaveOpen;
    private readonly CompressionFormat _format;
    private readonly long _maxBytes;
    private readonly int _maxWindowLog;
    private readonly string? _entry;
    private readonly GzipSourceTap? _tap;
    private readonly InputCounter? _counter;
    private readonly ImageFormatLimits _limits;
    private readonly Crc32? _memberCrc;
    private long _memberStart;
    private int _nextCandidate;
    private long _produced;
    private bool _ended;
    private bool _disposed;

    public DecompressingStream(Stream decoder, Stream source, bool leaveOpen, CompressionFormat format, ImageFormatLimits limits, string? entry, GzipSourceTap? tap, InputCounter? counter)
    {
        _counter = counter;
        _limits = limits;
        _decoder = decoder;
        _source = source;
        _leaveOpen = leaveOpen;
        _format = format;
        _maxBytes = limits.MaxDecompressedBytes;
        _maxWindowLog = limits.MaxZstdWindowLog;
        _entry = entry;
        _tap = tap;
        _memberCrc = tap is null ? null : new Crc32();
    }

    private bool IsPassThrough => _format == CompressionFormat.None;

    public override bool CanRead => !_disposed;

    public override bool CanSeek => !_disposed && IsPassThrough && _decoder.CanSeek;

    public override bool CanWrite => false;

    public override long Length => CanSeek ? _decoder.Length : throw new NotSupportedException();

    public override long Position
    {
        get => CanSeek ? _decoder.Position : throw new NotSupportedException();
        set
        {
            if (!CanSeek)
            {
                throw new NotSupportedException();
            }

            _decoder.Position = value;
        }
    }

    public override long Seek(long offset, SeekOrigin origin) =>
        CanSeek ? _decoder.Seek(offset, origin) : throw new NotSupportedException();

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IsPassThrough)
        {
            return _decoder.Read(buffer);
        }

        if (buffer.IsEmpty || _ended)
        {
            return 0;
        }

        Span<byte> target = buffer[..Allowance(buffer.Length)];
        int read;
        try
        {
            read = _decoder.Read(target);
            if (read == 0)
            {
                DrainSource();
            }
        }
        catch (Exception ex) when (IsDecoderFailure(ex))
        {
            throw Translate(ex);
        }

        return Account(target[..read]);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (IsPassThrough)
        {
            return await _decoder.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        if (buffer.IsEmpty || _ended)
        {
            return 0;
        }

        Memory<byte> target = buffer[..Allowance(buffer.Length)];
        int read;
        try
        {
            read = await _decoder.ReadAsync(target, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                await DrainSourceAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (IsDecoderFailure(ex))
        {
            throw Translate(ex);
        }

        return Account(target.Span[..read]);
    }

    // Never asks the decoder for more than one byte past the limit, so a bomb is stopped after at most
    // MaxDecompressedBytes + 1 bytes of work, and the caller never receives a byte beyond the limit.
    private int Allowance(int requested) => (int)Math.Min(requested, _maxBytes - _produced + 1);

    private int Account(ReadOnlySpan<byte> produced)
    {
        if (produced.IsEmpty)
        {
            _ended = true;
            VerifyGzipEnd();
            return 0;
        }

        if (_memberCrc is not null)
        {
            MatchMemberEnds();
            _memberCrc.Append(produced);
        }

        _produced += produced.Length;
        if (_produced > _maxBytes)
        {
            throw new LimitExceededException(_entry ?? "decompressed stream", nameof(ImageFormatLimits.MaxDecompressedBytes), _maxBytes, _produced);
        }

        if (_counter is not null)
        {
            // The compressed bytes consumed so far include the decoder's read-ahead, so the budget is never smaller
            // than the ratio allows for the output produced.
            long budget = _limits.ExpansionBudget(_counter.BytesRead);
            if (_produced > budget)
            {
                throw new LimitExceededException(
                    $"{_entry ?? "decompressed stream"} ({Decompression.Name(_format)}, {_counter.BytesRead} compressed bytes read)",
                    nameof(ImageFormatLimits.MaxExpansionRatio),
                    budget,
                    _produced);
            }
        }

        return produced.Length;
    }

    // GZipStream returns the data of one member per read, so a member ends where a read ends. When the CRC-32
    // and length of the output since the current member began equal a candidate trailer seen in the input,
    // that member is complete and the next read begins a new one.
    private void MatchMemberEnds()
    {
        List<ulong> candidates = _tap!.Candidates;
        bool matched = true;
        while (matched && _nextCandidate < candidates.Count)
        {
            matched = false;
            ulong key = CurrentMemberKey();
            for (int i = _nextCandidate; i < candidates.Count; i++)
            {
                if (candidates[i] == key)
                {
                    _nextCandidate = i + 1;
                    _memberStart = _produced;
                    _memberCrc!.Reset();
                    matched = true;
                    break;
                }
            }
        }
    }

    private ulong CurrentMemberKey() => ((ulong)_memberCrc!.GetCurrentHashAsUInt32() << 32) | (uint)(_produced - _memberStart);

    private void VerifyGzipEnd()
    {
        if (_tap is null)
        {
            return;
        }

        MatchMemberEnds();
        ulong? last = _tap.LastTrailer;
        if (last != CurrentMemberKey())
        {
            throw new InvalidArchiveException(
                ErrorCodes.UnsupportedFormat,
                _entry,
                $"truncated gzip data: the input ends inside a gzip member or has trailing bytes after the last one (its final 8 bytes are not the CRC-32 and length of the last member's {_produced - _memberStart} decompressed bytes)");
        }
    }

    // GZipStream stops reading at the end of a member followed by bytes that are not another member; read
    // the rest so that the final 8 bytes seen are the input's real end.
    private void DrainSource()
    {
        if (_tap is null || _tap.ReachedEnd)
        {
            return;
        }

        Span<byte> scratch = stackalloc byte[4096];
        while (_tap.Read(scratch) > 0)
        {
        }
    }

    private async ValueTask DrainSourceAsync(CancellationToken cancellationToken)
    {
        if (_tap is null || _tap.ReachedEnd)
        {
            return;
        }

        byte[] scratch = new byte[4096];
        while (await _tap.ReadAsync(scratch, cancellationToken).ConfigureAwait(false) > 0)
        {
        }
    }

    private bool IsDecoderFailure(Exception ex) =>
        ex is InvalidDataException or SharpZipBaseException or ZstdException or EndOfStreamException
        // SharpZipLib's bzip2 decoder indexes its tables with values taken from the input, and can leave one null.
        || (_format == CompressionFormat.Bzip2 && ex is IndexOutOfRangeException or NullReferenceException);

    private Exception Translate(Exception ex)
    {
        if (ex is ZstdException { Code: ZSTD_ErrorCode.ZSTD_error_frameParameter_windowTooLarge })
        {
            // The decoder does not say how large the window was; the limit plus one is a true lower bound.
            return new LimitExceededException(_entry ?? "zstd stream", nameof(ImageFormatLimits.MaxZstdWindowLog), _maxWindowLog, _maxWindowLog + 1L);
        }

        string name = Decompression.Name(_format);
        string reason = ex is EndOfStreamException
            ? $"truncated {name} data: the input ends inside a compressed frame"
            : $"corrupt {name} data: {ex.Message}";
        return new InvalidArchiveException(ErrorCodes.UnsupportedFormat, _entry, reason, ex);
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            if (!IsPassThrough)
            {
                _decoder.Dispose();
            }

            if (!_leaveOpen)
            {
                _source.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}
