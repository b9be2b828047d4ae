using System.Globalization;
using System.Text;
using ImageFormat.Errors;
using ImageFormat.Progress;

namespace ImageFormat.Tar;

/// <summary>
/// Writes a tar stream byte for byte as Go's archive/tar writes it for a header whose format is PAX (what Docker
/// and moby request for layers and <c>docker save</c>): a plain ustar header whenever every field fits (long ASCII
/// names split into prefix and name), otherwise a PAX extended header named <c>&lt;dir&gt;/PaxHeaders.0/&lt;base&gt;</c>
/// with records sorted by key, followed by the ustar-magic header with the fields that do not fit zeroed or cut.
/// </summary>
/// <remarks>
/// <para>Output depends only on the headers and data given: same input, same bytes. The PAX format is forced by
/// sub-second modification times (written only in the <c>mtime</c> record), access or change times, extended
/// attributes (<c>SCHILY.xattr.*</c> records with raw byte values) and entries of <see cref="TarEntryHeader.PaxRecords"/>
/// (copied unless the key is a basic field or <c>GNU.sparse.*</c>, as Go does). <see cref="TarEntryHeader.Format"/>,
/// <see cref="TarEntryHeader.StoredSize"/>, the offsets and the sparse members are not used; sparse files cannot be written.</para>
/// <para><see cref="Finish"/> writes the two zero blocks that end the archive and nothing after them, as Go does.</para>
/// </remarks>
public sealed class TarEntryWriter : IDisposable, IAsyncDisposable
{
    private const int BlockSize = TarFields.BlockSize;
    private const int MaxPaxHeaderBytes = 1024 * 1024;

    private static readonly HashSet<string> s_basicKeys = new(StringComparer.Ordinal)
    {
        "path", "linkpath", "size", "uid", "gid", "uname", "gname", "mtime", "atime", "ctime",
    };

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly byte[] _block = new byte[BlockSize];
    private byte[]? _copyBuffer;
    private bool _finished;
    private bool _faulted;
    private bool _disposed;

    /// <summary>Creates a writer that appends to <paramref name="stream"/>.</summary>
    /// <param name="stream">Where the archive goes; it need not be seekable.</param>
    /// <param name="leaveOpen">Whether <see cref="Dispose"/> leaves <paramref name="stream"/> open.</param>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> cannot be written.</exception>
    public TarEntryWriter(Stream stream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite)
        {
            throw new ArgumentException("The stream must be writable.", nameof(stream));
        }

        _stream = stream;
        _leaveOpen = leaveOpen;
    }

    /// <summary>Writes one entry: its headers, then exactly <see cref="TarEntryHeader.Size"/> bytes of <paramref name="data"/>, padded to a block.</summary>
    /// <param name="header">The entry's header.</param>
    /// <param name="data">The content; <see langword="null"/> only when the size is 0. Read to its end.</param>
    /// <exception cref="ArgumentNullException"><paramref name="header"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The header cannot be written (empty name, NUL in a string, negative size,
    /// mode outside <c>07777</c>, a size on a link, directory, device or fifo, a file name ending in <c>/</c>, a
    /// sparse or metadata type, a device number too large for its octal field, a PAX key with <c>=</c>),
    /// or <paramref name="data"/> is <see langword="null"/> for a non-empty entry.</exception>
    /// <exception cref="InvalidArchiveException"><paramref name="data"/> yields fewer or more bytes than the size
    /// (code <see cref="ErrorCodes.InvalidTar"/>); the archive is then incomplete and the writer unusable.</exception>
    /// <exception cref="InvalidOperationException">The archive was finished, or an earlier write failed.</exception>
    /// <exception cref="ObjectDisposedException">The writer was disposed.</exception>
    public void WriteEntry(TarEntryHeader header, Stream? data)
    {
        byte[] headers = CheckEntry(header, data);
        SyncCore.Run(WriteEntryCore(header, headers, data, null, async: false, CancellationToken.None));
    }

    /// <summary>
    /// Writes one entry as <see cref="WriteEntry(TarEntryHeader, Stream?)"/> does, with asynchronous reads of
    /// <paramref name="data"/> and writes to the archive stream. The header is checked before anything is written.
    /// </summary>
    /// <param name="header">The entry's header.</param>
    /// <param name="data">The content; <see langword="null"/> only when the size is 0. Read to its end.</param>
    /// <param name="cancellationToken">Stops the copy; the archive is then incomplete and the writer unusable.</param>
    /// <returns>A task that completes when the entry is written.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="header"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">As for <see cref="WriteEntry(TarEntryHeader, Stream?)"/>.</exception>
    /// <exception cref="InvalidArchiveException"><paramref name="data"/> yields fewer or more bytes than the size.</exception>
    /// <exception cref="InvalidOperationException">The archive was finished, or an earlier write failed.</exception>
    /// <exception cref="ObjectDisposedException">The writer was disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task WriteEntryAsync(TarEntryHeader header, Stream? data, CancellationToken cancellationToken = default)
    {
        byte[] headers = CheckEntry(header, data);
        return cancellationToken.IsCancellationRequested
            ? Task.FromCanceled(cancellationToken)
            : WriteEntryCore(header, headers, data, null, async: true, cancellationToken).AsTask();
    }

    /// <summary>
    /// Writes one entry whose content <paramref name="writeContent"/> puts into the archive stream itself, exactly
    /// <see cref="TarEntryHeader.Size"/> bytes, between the headers and the padding: for a content the kernel copies.
    /// </summary>
    internal ValueTask WriteEntry(TarEntryHeader header, Func<Stream, ValueTask> writeContent, bool async, CancellationToken cancellationToken)
    {
        byte[] headers = CheckEntry(header, Stream.Null);
        return WriteEntryCore(header, headers, null, writeContent, async, cancellationToken);
    }

    /// <summary>Writes the end-of-archive marker (two zero blocks). Later calls do nothing.</summary>
    /// <exception cref="InvalidOperationException">An earlier write failed.</exception>
    /// <exception cref="ObjectDisposedException">The writer was disposed.</exception>
    public void Finish() => SyncCore.Run(FinishCore(async: false, CancellationToken.None));

    /// <summary>Writes the end-of-archive marker (two zero blocks) and flushes, asynchronously. Later calls do nothing.</summary>
    /// <param name="cancellationToken">Stops the write.</param>
    /// <returns>A task that completes when the marker is written and flushed.</returns>
    /// <exception cref="InvalidOperationException">An earlier write failed.</exception>
    /// <exception cref="ObjectDisposedException">The writer was disposed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task FinishAsync(CancellationToken cancellationToken = default) =>
        cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : FinishCore(async: true, cancellationToken).AsTask();

    /// <summary>Finishes the archive (unless a write failed) and releases the stream unless <c>leaveOpen</c> was given.</summary>
    public void Dispose() => SyncCore.Run(DisposeCore(async: false));

    /// <summary>Finishes the archive (unless a write failed) asynchronously and releases the stream unless <c>leaveOpen</c> was given.</summary>
    /// <returns>A task that completes when the archive is finished and the stream released.</returns>
    public ValueTask DisposeAsync() => DisposeCore(async: true);

    private byte[] CheckEntry(TarEntryHeader header, Stream? data)
    {
        ArgumentNullException.ThrowIfNull(header);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_finished || _faulted)
        {
            throw new InvalidOperationException(_faulted ? "An earlier write failed; the archive is incomplete." : "The archive was already finished.");
        }

        if (header.Size > 0 && data is null)
        {
            throw new ArgumentException($"Entry \"{header.Name}\" has size {header.Size} but no data stream.", nameof(data));
        }

        return EncodeHeaders(header);
    }

    private async ValueTask WriteEntryCore(TarEntryHeader header, byte[] headers, Stream? data, Func<Stream, ValueTask>? writeContent, bool async, CancellationToken cancellationToken)
    {
        _faulted = true;
        if (async)
        {
            await _stream.WriteAsync(headers, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _stream.Write(headers);
        }

        if (writeContent is not null)
        {
            await writeContent(_stream).ConfigureAwait(false);
        }
        else if (data is not null)
        {
            await CopyExactly(data, header.Size, header.Name, async, cancellationToken).ConfigureAwait(false);
        }

        int pad = (int)((BlockSize - (header.Size % BlockSize)) % BlockSize);
        if (pad > 0)
        {
            Array.Clear(_block);
            if (async)
            {
                await _stream.WriteAsync(_block.AsMemory(0, pad), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                _stream.Write(_block, 0, pad);
            }
        }

        _faulted = false;
    }

    private async ValueTask FinishCore(bool async, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_finished)
        {
            return;
        }

        if (_faulted)
        {
            throw new InvalidOperationException("An earlier write failed; the archive is incomplete.");
        }

        Array.Clear(_block);
        if (async)
        {
            await _stream.WriteAsync(_block, cancellationToken).ConfigureAwait(false);
            await _stream.WriteAsync(_block, cancellationToken).ConfigureAwait(false);
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _stream.Write(_block);
            _stream.Write(_block);
            _stream.Flush();
        }

        _finished = true;
    }

    private async ValueTask DisposeCore(bool async)
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            if (!_faulted)
            {
                await FinishCore(async, CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            _disposed = true;
            if (!_leaveOpen)
            {
                if (async)
                {
                    await _stream.DisposeAsync().ConfigureAwait(false);
                }
                else
                {
                    _stream.Dispose();
                }
            }
        }
    }

    /// <summary>The header blocks (and PAX data) for <paramref name="h"/>, exactly as they are written.</summary>
    internal static byte[] EncodeHeaders(TarEntryHeader h)
    {
        Validate(h);
        bool ustarAllowed = true;
        bool preferPax = false;
        var pax = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        Dictionary<string, byte[]> given = new(StringComparer.Ordinal);
        foreach (KeyValuePair<string, byte[]> r in h.PaxRecords)
        {
            given[r.Key] = r.Value;
        }

        void KeepIfGiven(string key, byte[] value)
        {
            if (given.TryGetValue(key, out byte[]? v) && v.AsSpan().SequenceEqual(value))
            {
                pax[key] = value;
            }
        }

        void String(string s, int size, string key)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(s);
            if (!IsAscii(bytes) || bytes.Length > size)
            {
                if (key != "path" || !TrySplitUstar(bytes, out _, out _))
                {
                    ustarAllowed = false;
                }

                pax[key] = bytes;
            }

            KeepIfGiven(key, bytes);
        }

        void Number(long n, int size, string key)
        {
            byte[] text = Encoding.ASCII.GetBytes(n.ToString(CultureInfo.InvariantCulture));
            if (!TarFields.FitsInOctal(size, n))
            {
                ustarAllowed = false;
                pax[key] = text;
            }

            KeepIfGiven(key, text);
        }

        void Time(DateTimeOffset? t, string key)
        {
            if (t is not { } ts || ts == default)
            {
                return;
            }

            (long seconds, long nanos) = TarFields.ToUnix(ts);
            byte[] text = FormatPaxTime(seconds, nanos);
            bool isMtime = key == "mtime";
            bool fitsOctal = TarFields.FitsInOctal(TarFields.MtimeLength, seconds);
            if (!isMtime || !fitsOctal)
            {
                ustarAllowed = false;
            }

            if (!isMtime || !fitsOctal || nanos != 0)
            {
                preferPax = true;
                pax[key] = text;
            }

            KeepIfGiven(key, text);
        }

        String(h.Name, TarFields.NameLength, "path");
        String(h.LinkName, TarFields.LinkNameLength, "linkpath");
        String(h.UserName, TarFields.UserNameLength, "uname");
        String(h.GroupName, TarFields.GroupNameLength, "gname");
        Number(h.Uid, TarFields.UidLength, "uid");
        Number(h.Gid, TarFields.GidLength, "gid");
        Number(h.Size, TarFields.SizeLength, "size");
        Time(h.ModificationTime, "mtime");
        Time(h.AccessTime, "atime");
        Time(h.ChangeTime, "ctime");

        foreach (KeyValuePair<string, byte[]> x in h.Xattrs)
        {
            pax["SCHILY.xattr." + x.Key] = x.Value;
        }

        foreach (KeyValuePair<string, byte[]> r in given)
        {
            if (!pax.ContainsKey(r.Key) && !s_basicKeys.Contains(r.Key) && !r.Key.StartsWith("GNU.sparse.", StringComparison.Ordinal))
            {
                pax[r.Key] = r.Value;
            }
        }

        if (h.Xattrs.Count > 0 || h.PaxRecords.Count > 0 || preferPax)
        {
            ustarAllowed = false;
        }

        foreach (string key in pax.Keys)
        {
            if (key.Length == 0 || key.Contains('=', StringComparison.Ordinal) || key.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException($"Entry \"{h.Name}\": PAX key \"{key}\" is empty or contains '=' or NUL.", nameof(h));
            }
        }

        return ustarAllowed ? EncodeUstar(h) : EncodePax(h, pax);
    }

    private static void Validate(TarEntryHeader h)
    {
        if (h.Name.Length == 0)
        {
            throw new ArgumentException("The entry name is empty.", nameof(h));
        }

        foreach ((string value, string what) in new[] { (h.Name, "name"), (h.LinkName, "link name"), (h.UserName, "user name"), (h.GroupName, "group name") })
        {
            if (value.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException($"Entry \"{h.Name}\": the {what} contains NUL.", nameof(h));
            }
        }

        if (h.Size < 0)
        {
            throw new ArgumentException($"Entry \"{h.Name}\": negative size {h.Size}.", nameof(h));
        }

        if (h.Mode is < 0 or > 0xfff)
        {
            throw new ArgumentException($"Entry \"{h.Name}\": mode {Convert.ToString(h.Mode, 8)} is outside 07777.", nameof(h));
        }

        if (h.IsSparse || h.Type is TarEntryKind.SparseFile || (byte)h.Type is (byte)'x' or (byte)'g' or (byte)'X' or (byte)'L' or (byte)'K' or 0)
        {
            throw new ArgumentException($"Entry \"{h.Name}\": type '{(char)h.Type}' cannot be written (sparse files and metadata headers are not supported).", nameof(h));
        }

        if (h.Type is TarEntryKind.HardLink or TarEntryKind.SymbolicLink or TarEntryKind.CharacterDevice
            or TarEntryKind.BlockDevice or TarEntryKind.Directory or TarEntryKind.Fifo && h.Size != 0)
        {
            throw new ArgumentException($"Entry \"{h.Name}\": a {h.Type} entry has no data, but its size is {h.Size}.", nameof(h));
        }

        if (h.Type is TarEntryKind.RegularFile or TarEntryKind.CharacterDevice or TarEntryKind.BlockDevice or TarEntryKind.Fifo
            && h.Name.EndsWith('/'))
        {
            throw new ArgumentException($"Entry \"{h.Name}\": a {h.Type} name may not end with '/'.", nameof(h));
        }

        if (!TarFields.FitsInOctal(TarFields.DevMajorLength, h.DevMajor) || !TarFields.FitsInOctal(TarFields.DevMinorLength, h.DevMinor))
        {
            throw new ArgumentException($"Entry \"{h.Name}\": device {h.DevMajor},{h.DevMinor} does not fit the 7-digit octal fields (PAX has no record for it).", nameof(h));
        }
    }

    private static byte[] EncodeUstar(TarEntryHeader h)
    {
        byte[] block = new byte[BlockSize];
        byte[] name = Encoding.UTF8.GetBytes(h.Name);
        byte[] prefix = [];
        if (TrySplitUstar(name, out byte[] p, out byte[] n))
        {
            prefix = p;
            name = n;
        }

        FillTemplate(block, h, name, ascii: false, zeroIfTooBig: false);
        FormatString(block.AsSpan(TarFields.PrefixOffset, TarFields.PrefixLength), prefix);
        SetUstarMagic(block);
        return block;
    }

    private static byte[] EncodePax(TarEntryHeader h, Dictionary<string, byte[]> pax)
    {
        byte[] main = new byte[BlockSize];
        FillTemplate(main, h, Encoding.UTF8.GetBytes(h.Name), ascii: true, zeroIfTooBig: true);
        SetUstarMagic(main);
        if (pax.Count == 0)
        {
            return main;
        }

        var data = new MemoryStream();
        foreach (string key in pax.Keys.OrderBy(k => k, Utf8Ordinal.Instance))
        {
            WritePaxRecord(data, Encoding.UTF8.GetBytes(key), pax[key]);
        }

        if (data.Length > MaxPaxHeaderBytes)
        {
            throw new ArgumentException($"Entry \"{h.Name}\": the PAX records take {data.Length} bytes, more than 1 MiB.", nameof(h));
        }

        // Go names the extended header after the entry, inside a PaxHeaders.0 directory next to it.
        string metaName = GoPath.Join(GoPath.Dir(h.Name), "PaxHeaders.0", GoPath.Base(h.Name));
        byte[] metaNameBytes = ToAscii(Encoding.UTF8.GetBytes(metaName));
        if (metaNameBytes.Length > TarFields.NameLength)
        {
            metaNameBytes = metaNameBytes[..TarFields.NameLength];
        }

        int trimmed = metaNameBytes.Length;
        while (trimmed > 0 && metaNameBytes[trimmed - 1] == (byte)'/')
        {
            trimmed--;
        }

        byte[] meta = new byte[BlockSize];
        meta[TarFields.TypeOffset] = (byte)'x';
        FormatString(meta.AsSpan(TarFields.NameOffset, TarFields.NameLength), metaNameBytes.AsSpan(0, trimmed));
        TarFields.FormatOctal(meta.AsSpan(TarFields.ModeOffset, TarFields.ModeLength), 0);
        TarFields.FormatOctal(meta.AsSpan(TarFields.UidOffset, TarFields.UidLength), 0);
        TarFields.FormatOctal(meta.AsSpan(TarFields.GidOffset, TarFields.GidLength), 0);
        TarFields.FormatOctal(meta.AsSpan(TarFields.SizeOffset, TarFields.SizeLength), data.Length);
        TarFields.FormatOctal(meta.AsSpan(TarFields.MtimeOffset, TarFields.MtimeLength), 0);
        SetUstarMagic(meta);

        long dataBlocks = (data.Length + BlockSize - 1) / BlockSize * BlockSize;
        byte[] result = new byte[BlockSize + dataBlocks + BlockSize];
        meta.CopyTo(result, 0);
        data.GetBuffer().AsSpan(0, (int)data.Length).CopyTo(result.AsSpan(BlockSize));
        main.CopyTo(result, BlockSize + dataBlocks);
        return result;
    }

    /// <summary>The fields common to ustar and PAX main headers, as Go's writer fills them.</summary>
    private static void FillTemplate(byte[] block, TarEntryHeader h, byte[] name, bool ascii, bool zeroIfTooBig)
    {
        byte[] Str(byte[] s) => ascii ? ToAscii(s) : s;
        void Num(int offset, int length, long value) =>
            TarFields.FormatOctal(block.AsSpan(offset, length), zeroIfTooBig && !TarFields.FitsInOctal(length, value) ? 0 : value);

        (long mtime, _) = h.ModificationTime == default ? (0, 0) : TarFields.ToUnix(h.ModificationTime);
        block[TarFields.TypeOffset] = (byte)h.Type;
        FormatString(block.AsSpan(TarFields.NameOffset, TarFields.NameLength), Str(name));
        FormatString(block.AsSpan(TarFields.LinkNameOffset, TarFields.LinkNameLength), Str(Encoding.UTF8.GetBytes(h.LinkName)));
        Num(TarFields.ModeOffset, TarFields.ModeLength, h.Mode);
        Num(TarFields.UidOffset, TarFields.UidLength, h.Uid);
        Num(TarFields.GidOffset, TarFields.GidLength, h.Gid);
        Num(TarFields.SizeOffset, TarFields.SizeLength, h.Size);
        Num(TarFields.MtimeOffset, TarFields.MtimeLength, mtime);
        FormatString(block.AsSpan(TarFields.UserNameOffset, TarFields.UserNameLength), Str(Encoding.UTF8.GetBytes(h.UserName)));
        FormatString(block.AsSpan(TarFields.GroupNameOffset, TarFields.GroupNameLength), Str(Encoding.UTF8.GetBytes(h.GroupName)));
        Num(TarFields.DevMajorOffset, TarFields.DevMajorLength, h.DevMajor);
        Num(TarFields.DevMinorOffset, TarFields.DevMinorLength, h.DevMinor);
    }

    private static void SetUstarMagic(byte[] block)
    {
        TarFields.UstarMagic.CopyTo(block.AsSpan(TarFields.MagicOffset));
        TarFields.UstarVersion.CopyTo(block.AsSpan(TarFields.VersionOffset));
        TarFields.WriteChecksum(block);
    }

    /// <summary>Copies a string into a field, cut to fit, NUL-terminated when shorter; a cut never leaves a trailing slash.</summary>
    private static void FormatString(Span<byte> field, ReadOnlySpan<byte> s)
    {
        int n = Math.Min(s.Length, field.Length);
        s[..n].CopyTo(field);
        if (s.Length < field.Length)
        {
            field[s.Length] = 0;
        }

        // Some readers take a cut name ending in '/' for a directory even when a PAX path says otherwise.
        if (s.Length > field.Length && field[^1] == (byte)'/')
        {
            int keep = field.Length;
            while (keep > 0 && field[keep - 1] == (byte)'/')
            {
                keep--;
            }

            field[keep] = 0;
        }
    }

    /// <summary>Splits a long ASCII name into a ustar prefix (≤ 155 bytes) and name (≤ 100 bytes) at a slash.</summary>
    private static bool TrySplitUstar(byte[] name, out byte[] prefix, out byte[] rest)
    {
        prefix = [];
        rest = name;
        int length = name.Length;
        if (length <= TarFields.NameLength || !IsAscii(name))
        {
            return false;
        }

        if (length > TarFields.PrefixLength + 1)
        {
            length = TarFields.PrefixLength + 1;
        }
        else if (name[length - 1] == (byte)'/')
        {
            length--;
        }

        int i = name.AsSpan(0, length).LastIndexOf((byte)'/');
        int suffixLength = name.Length - i - 1;
        if (i <= 0 || suffixLength > TarFields.NameLength || suffixLength == 0 || i > TarFields.PrefixLength)
        {
            return false;
        }

        prefix = name[..i];
        rest = name[(i + 1)..];
        return true;
    }

    private static bool IsAscii(ReadOnlySpan<byte> s) => !s.ContainsAnyInRange((byte)0x80, (byte)0xff) && !s.Contains((byte)0);

    /// <summary>Drops every non-ASCII character, as Go does for header fields whose real value is in a PAX record.</summary>
    private static byte[] ToAscii(byte[] s)
    {
        if (IsAscii(s))
        {
            return s;
        }

        var kept = new List<byte>(s.Length);
        foreach (byte b in s)
        {
            if (b is > 0 and < 0x80)
            {
                kept.Add(b);
            }
        }

        return [.. kept];
    }

    /// <summary>A PAX time: seconds, and a fraction without trailing zeros only when there is one.</summary>
    private static byte[] FormatPaxTime(long seconds, long nanos)
    {
        if (nanos == 0)
        {
            return Encoding.ASCII.GetBytes(seconds.ToString(CultureInfo.InvariantCulture));
        }

        string sign = string.Empty;
        if (seconds < 0)
        {
            // -1.5 s is stored as seconds -2 and 0.5e9 ns; PAX writes it as "-1.5".
            sign = "-";
            seconds = -(seconds + 1);
            nanos = 1_000_000_000 - nanos;
        }

        string text = string.Create(CultureInfo.InvariantCulture, $"{sign}{seconds}.{nanos:D9}").TrimEnd('0');
        return Encoding.ASCII.GetBytes(text);
    }

    /// <summary>Writes <c>"%d %s=%s\n"</c> where the leading length counts the whole record, itself included.</summary>
    private static void WritePaxRecord(MemoryStream output, byte[] key, byte[] value)
    {
        int size = key.Length + value.Length + 3;
        size += size.ToString(CultureInfo.InvariantCulture).Length;
        string prefix = size.ToString(CultureInfo.InvariantCulture);
        if (prefix.Length + 1 + key.Length + 1 + value.Length + 1 != size)
        {
            size = prefix.Length + key.Length + value.Length + 3;
            prefix = size.ToString(CultureInfo.InvariantCulture);
        }

        output.Write(Encoding.ASCII.GetBytes(prefix + " "));
        output.Write(key);
        output.WriteByte((byte)'=');
        output.Write(value);
        output.WriteByte((byte)'\n');
    }

    private async ValueTask CopyExactly(Stream data, long size, string name, bool async, CancellationToken cancellationToken)
    {
        _copyBuffer ??= new byte[81920];
        long left = size;
        while (left > 0)
        {
            int want = (int)Math.Min(left, _copyBuffer.Length);
            int n = async
                ? await data.ReadAsync(_copyBuffer.AsMemory(0, want), cancellationToken).ConfigureAwait(false)
                : data.Read(_copyBuffer, 0, want);
            if (n <= 0)
            {
                throw new InvalidArchiveException(ErrorCodes.InvalidTar, name, $"the data stream ended after {size - left} of {size} bytes");
            }

            if (async)
            {
                await _stream.WriteAsync(_copyBuffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                _stream.Write(_copyBuffer, 0, n);
            }

            left -= n;
        }

        int extra = async
            ? await data.ReadAsync(_copyBuffer.AsMemory(0, 1), cancellationToken).ConfigureAwait(false)
            : data.Read(_copyBuffer, 0, 1);
        if (extra > 0)
        {
            throw new InvalidArchiveException(ErrorCodes.InvalidTar, name, $"the data stream is longer than the entry's size of {size} bytes");
        }
    }

    /// <summary>Orders strings by their UTF-8 bytes, as Go sorts its string keys.</summary>
    private sealed class Utf8Ordinal : IComparer<string>
    {
        public static readonly Utf8Ordinal Instance = new();

        public int Compare(string? x, string? y) =>
            Encoding.UTF8.GetBytes(x ?? string.Empty).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y ?? string.Empty));
    }
}
