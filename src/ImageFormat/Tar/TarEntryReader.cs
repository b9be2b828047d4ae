using System.Text;
using ImageFormat.Errors;

namespace ImageFormat.Tar;

/// <summary>
/// Reads a tar stream entry by entry: V7, ustar, pax (local and global extended headers, GNU sparse formats 0.0,
/// 0.1 and 1.0) and GNU (long names and links, base-256 numbers, old sparse files). Entry data is never buffered:
/// <see cref="OpenEntryData"/> streams it from the archive, and <see cref="GetNextEntry"/> skips what was not read,
/// by seeking when the stream can seek and by reading otherwise.
/// </summary>
/// <remarks>
/// <para>The archive ends at a zero block followed by another zero block or by the end of the stream, or at a clean
/// end of the stream where a header would start (some writers omit the trailer). A zero block followed by anything
/// else, a stream ending inside a header or inside data, a bad checksum and malformed fields are errors.</para>
/// <para>Global (<c>g</c>) headers are not returned as entries: their records apply to every entry after them.</para>
/// <para>Offsets (<see cref="Position"/>, <see cref="TarEntryHeader.HeaderOffset"/>, <see cref="TarEntryHeader.DataOffset"/>)
/// count bytes from where the stream was when the reader was created.</para>
/// </remarks>
public sealed class TarEntryReader : IDisposable
{
    private const int BlockSize = TarFields.BlockSize;
    private const string MaxTarHeaderBytesName = nameof(ImageFormatLimits.MaxTarHeaderBytes);

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly ImageFormatLimits _limits;
    private long _sparseTotal;
    private readonly bool _canSeek;
    private readonly long _origin;
    private long _knownLength = -1;
    private readonly byte[] _block = new byte[BlockSize];
    private readonly List<KeyValuePair<string, byte[]>> _globalRecords = [];

    /// <summary>The records of an entry that has none: read, never written to, never handed out.</summary>
    private static readonly List<KeyValuePair<string, byte[]>> s_noRecords = [];
    private long _globalRecordBytes;
    private byte[]? _skipBuffer;
    private long _position;
    private long _entryCount;
    private bool _ended;
    private bool _disposed;
    private TarEntryHeader? _current;
    private long _storedRemaining;
    private long _paddingRemaining;
    private int _generation;

    /// <summary>Creates a reader over <paramref name="stream"/>, starting at its current position.</summary>
    /// <param name="stream">The tar stream; it need not be seekable.</param>
    /// <param name="leaveOpen">Whether <see cref="Dispose"/> leaves <paramref name="stream"/> open.</param>
    /// <param name="limits">Safety limits; <see cref="ImageFormatLimits.Default"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> cannot be read.</exception>
    public TarEntryReader(Stream stream, bool leaveOpen = false, ImageFormatLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead)
        {
            throw new ArgumentException("The stream must be readable.", nameof(stream));
        }

        _stream = stream;
        _leaveOpen = leaveOpen;
        _limits = limits ?? ImageFormatLimits.Default;
        _canSeek = stream.CanSeek;
        _origin = _canSeek ? stream.Position : 0;
    }

    /// <summary>How many bytes of the stream the reader has consumed (or skipped) since it was created.</summary>
    public long Position => _position;

    /// <summary>
    /// Reads the headers of the next entry, first skipping whatever data of the current entry was not read.
    /// </summary>
    /// <returns>The next entry, or <see langword="null"/> at the end of the archive.</returns>
    /// <exception cref="InvalidArchiveException">The archive is malformed or truncated (code <see cref="ErrorCodes.InvalidTar"/>).</exception>
    /// <exception cref="LimitExceededException">A metadata record exceeds <see cref="ImageFormatLimits.MaxTarHeaderBytes"/>,
    /// or the archive has more than <see cref="ImageFormatLimits.MaxTarEntries"/> entries.</exception>
    /// <exception cref="ObjectDisposedException">The reader was disposed.</exception>
    public TarEntryHeader? GetNextEntry()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_ended)
        {
            return null;
        }

        if (_current is not null)
        {
            Skip(_storedRemaining + _paddingRemaining, _current.Name);
            _storedRemaining = 0;
            _paddingRemaining = 0;
            _current = null;
        }

        _generation++;
        TarEntryHeader? entry = ReadEntry();
        if (entry is null)
        {
            _ended = true;
            return null;
        }

        _current = entry;
        return entry;
    }

    /// <summary>
    /// Opens the current entry's content: the stored bytes, or for a sparse file the expanded content with its holes
    /// read as zeros. The stream is valid until the next call to <see cref="GetNextEntry"/>; reading it past the end
    /// of a truncated archive throws <see cref="InvalidArchiveException"/>.
    /// </summary>
    /// <returns>A read-only, forward-only stream of <see cref="TarEntryHeader.Size"/> bytes.</returns>
    /// <exception cref="InvalidOperationException">There is no current entry, or its data was already partly consumed.</exception>
    /// <exception cref="ObjectDisposedException">The reader was disposed.</exception>
    public Stream OpenEntryData()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_current is null)
        {
            throw new InvalidOperationException("There is no current entry: call GetNextEntry first.");
        }

        if (_storedRemaining != _current.StoredSize)
        {
            throw new InvalidOperationException("The current entry's data was already read.");
        }

        return new TarEntryDataStream(this, _generation, _current);
    }

    /// <summary>Releases the stream unless the reader was created with <c>leaveOpen</c>.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }

    /// <summary>Reads up to <paramref name="buffer"/>'s length of the current entry's stored data.</summary>
    internal int ReadStored(int generation, Span<byte> buffer, string entryName)
    {
        CheckCurrent(generation);

        if (_storedRemaining == 0 || buffer.IsEmpty)
        {
            return 0;
        }

        int want = (int)Math.Min(buffer.Length, _storedRemaining);
        int n = _stream.Read(buffer[..want]);
        if (n <= 0)
        {
            throw Truncated(entryName, $"the archive ends inside the entry's data ({_storedRemaining} bytes missing)");
        }

        _position += n;
        _storedRemaining -= n;
        return n;
    }

    /// <summary>Throws unless the reader is open and still on the entry whose data stream has <paramref name="generation"/>.</summary>
    private void CheckCurrent(int generation)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (generation != _generation)
        {
            throw new ObjectDisposedException(nameof(TarEntryDataStream), "The entry's data stream is no longer valid: the reader moved to the next entry.");
        }
    }

    /// <summary>Whether the stream read can lend its bytes (<see cref="IO.IBlockLender"/>).</summary>
    internal bool CanLend => _stream is IO.IBlockLender { CanLend: true };

    /// <summary>Lends up to <paramref name="max"/> bytes of the current entry's stored data, in place.</summary>
    internal ReadOnlyMemory<byte> LendStored(int generation, int max, string entryName, out IDisposable? lease)
    {
        CheckCurrent(generation);

        lease = null;
        if (_storedRemaining == 0)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        ReadOnlyMemory<byte> lent = ((IO.IBlockLender)_stream).Lend((int)Math.Min(max, _storedRemaining), out lease);
        if (lent.IsEmpty)
        {
            throw Truncated(entryName, $"the archive ends inside the entry's data ({_storedRemaining} bytes missing)");
        }

        _position += lent.Length;
        _storedRemaining -= lent.Length;
        return lent;
    }

    private TarEntryHeader? ReadEntry()
    {
        long headerOffset = _position;
        List<KeyValuePair<string, byte[]>>? localRecords = null;
        byte[]? longName = null;
        byte[]? longLink = null;
        bool pendingMeta = false;
        string? lastMetaName = null;

        while (true)
        {
            int n = ReadFull(_block);
            if (n == 0)
            {
                if (pendingMeta)
                {
                    throw Truncated(lastMetaName, "the archive ends after a metadata header, without the entry it describes");
                }

                return null;
            }

            if (n < BlockSize)
            {
                throw Truncated(null, $"the archive ends inside a header block at offset {_position - n} ({n} of 512 bytes)");
            }

            if (TarFields.IsAllZero(_block))
            {
                if (pendingMeta)
                {
                    throw Invalid(lastMetaName, "a metadata header is followed by the end-of-archive marker instead of an entry");
                }

                ReadEndMarker();
                return null;
            }

            VerifyChecksum();
            byte type = _block[TarFields.TypeOffset];
            switch (type)
            {
                case (byte)'x' or (byte)'X':
                    lastMetaName = HeaderName();
                    localRecords = ParsePax(ReadMetaBody(lastMetaName), lastMetaName);
                    pendingMeta = true;
                    continue;
                case (byte)'g':
                    lastMetaName = HeaderName();
                    MergeGlobal(ParsePax(ReadMetaBody(lastMetaName), lastMetaName), lastMetaName);
                    if (!pendingMeta)
                    {
                        // A global header belongs to no entry: the next entry starts after it.
                        headerOffset = _position;
                    }

                    continue;
                case (byte)'L':
                    lastMetaName = HeaderName();
                    longName = TarFields.CString(ReadMetaBody(lastMetaName)).ToArray();
                    pendingMeta = true;
                    continue;
                case (byte)'K':
                    lastMetaName = HeaderName();
                    longLink = TarFields.CString(ReadMetaBody(lastMetaName)).ToArray();
                    pendingMeta = true;
                    continue;
                default:
                    return BuildEntry(headerOffset, localRecords, longName, longLink);
            }
        }
    }

    private void ReadEndMarker()
    {
        int n = ReadFull(_block);
        if (n == 0)
        {
            return;
        }

        if (!TarFields.IsAllZero(_block.AsSpan(0, n)))
        {
            throw Invalid(null, $"a zero block at offset {_position - n - BlockSize} is followed by a non-zero block; the archive has data after its end marker");
        }
    }

    private TarEntryHeader BuildEntry(long headerOffset, List<KeyValuePair<string, byte[]>>? localRecords, byte[]? longName, byte[]? longLink)
    {
        EntryFields f = ReadHeaderBlock(longName, longLink);

        // PAX records: global ones first, then the entry's own; the last occurrence of a key wins. Most entries have
        // none, and share the empty list.
        List<KeyValuePair<string, byte[]>> records = s_noRecords;
        if (_globalRecords.Count > 0 || localRecords is not null)
        {
            records = new List<KeyValuePair<string, byte[]>>(_globalRecords);
            if (localRecords is not null)
            {
                records.AddRange(localRecords);
            }
        }

        PaxSparseRecords paxSparse = ApplyPaxRecords(f, records);
        if (paxSparse.Name is not null)
        {
            f.Name = TarFields.Utf8(paxSparse.Name);
        }

        if (f.Size < 0)
        {
            throw Invalid(f.Name, $"negative size {f.Size}");
        }

        if (f.DevMajor is < int.MinValue or > int.MaxValue || f.DevMinor is < int.MinValue or > int.MaxValue)
        {
            throw Invalid(f.Name, $"device number out of range (major {f.DevMajor}, minor {f.DevMinor})");
        }

        var type = (TarEntryKind)f.TypeFlag;
        long storedSize = IsHeaderOnly(type) ? 0 : f.Size;
        long logicalSize = storedSize;
        storedSize = ResolveSparse(f, paxSparse, type, storedSize);
        if (f.Sparse is not null)
        {
            ValidateSparseMap(f.Sparse, f.RealSize, storedSize, f.Name);
            logicalSize = f.RealSize;
            CheckSparseBudget(f.Name, f.RealSize);
        }

        RefuseNul(f.Name, f.Name, "name");
        RefuseNul(f.Name, f.LinkName, "link name");
        if (f.Xattrs is not null)
        {
            foreach (string key in f.Xattrs.Keys)
            {
                RefuseNul(f.Name, key, "extended attribute name");
            }
        }

        _entryCount++;
        if (_entryCount > _limits.MaxTarEntries)
        {
            throw new LimitExceededException(f.Name, nameof(ImageFormatLimits.MaxTarEntries), _limits.MaxTarEntries, _entryCount);
        }

        TarFormat format = records.Count > 0 ? TarFormat.Pax : f.IsGnu ? TarFormat.Gnu : f.IsUstar ? TarFormat.Ustar : TarFormat.V7;
        _storedRemaining = storedSize;
        _paddingRemaining = Padding(storedSize);
        return new TarEntryHeader
        {
            Name = f.Name,
            LinkName = f.LinkName,
            Type = type,
            Format = format,
            Size = logicalSize,
            StoredSize = storedSize,
            Mode = (int)(f.Mode & 0xfff),
            Uid = f.Uid,
            Gid = f.Gid,
            UserName = f.UserName,
            GroupName = f.GroupName,
            ModificationTime = f.ModificationTime,
            AccessTime = f.AccessTime,
            ChangeTime = f.ChangeTime,
            DevMajor = (int)f.DevMajor,
            DevMinor = (int)f.DevMinor,
            PaxRecords = records.Count == 0 ? [] : records,
            Xattrs = f.Xattrs ?? TarEntryHeader.NoXattrs,
            HeaderOffset = headerOffset,
            DataOffset = _position,
            IsSparse = f.Sparse is not null,
            SparseMap = f.Sparse,
        };
    }

    /// <summary>The fields of the header block in <see cref="_block"/> (V7, USTAR, star or GNU), with a GNU long
    /// name or link applied; an old GNU sparse map is read now, while the block still holds the header.</summary>
    private EntryFields ReadHeaderBlock(byte[]? longName, byte[]? longLink)
    {
        ReadOnlySpan<byte> b = _block;
        var f = new EntryFields();
        f.IsGnu = b.Slice(TarFields.MagicOffset, TarFields.MagicLength).SequenceEqual(TarFields.GnuMagic)
            && b.Slice(TarFields.VersionOffset, TarFields.VersionLength).SequenceEqual(TarFields.GnuVersion);
        f.IsUstar = !f.IsGnu && b.Slice(TarFields.MagicOffset, TarFields.MagicLength).SequenceEqual(TarFields.UstarMagic);
        bool isStar = f.IsUstar && b.Slice(TarFields.StarTrailerOffset, 4).SequenceEqual(TarFields.StarTrailer);

        string name = HeaderName();
        if (f.IsUstar)
        {
            ReadOnlySpan<byte> prefix = TarFields.CString(b.Slice(TarFields.PrefixOffset, isStar ? TarFields.StarPrefixLength : TarFields.PrefixLength));
            if (!prefix.IsEmpty)
            {
                name = TarFields.Utf8(prefix) + "/" + name;
            }
        }

        if (longName is not null)
        {
            name = TarFields.Utf8(longName);
        }

        f.Name = name;
        f.LinkName = longLink is not null
            ? TarFields.Utf8(longLink)
            : TarFields.Utf8(TarFields.CString(b.Slice(TarFields.LinkNameOffset, TarFields.LinkNameLength)));

        f.Mode = Numeric(b, TarFields.ModeOffset, TarFields.ModeLength, name, "mode");
        f.Uid = Numeric(b, TarFields.UidOffset, TarFields.UidLength, name, "uid");
        f.Gid = Numeric(b, TarFields.GidOffset, TarFields.GidLength, name, "gid");
        f.Size = Numeric(b, TarFields.SizeOffset, TarFields.SizeLength, name, "size");
        long mtimeSeconds = Numeric(b, TarFields.MtimeOffset, TarFields.MtimeLength, name, "mtime");
        f.ModificationTime = TarFields.FromUnix(mtimeSeconds) ?? throw Invalid(name, $"mtime {mtimeSeconds} is out of range");

        if (f.IsUstar || f.IsGnu)
        {
            f.UserName = TarFields.Utf8(TarFields.CString(b.Slice(TarFields.UserNameOffset, TarFields.UserNameLength)));
            f.GroupName = TarFields.Utf8(TarFields.CString(b.Slice(TarFields.GroupNameOffset, TarFields.GroupNameLength)));
            f.DevMajor = Numeric(b, TarFields.DevMajorOffset, TarFields.DevMajorLength, name, "devmajor");
            f.DevMinor = Numeric(b, TarFields.DevMinorOffset, TarFields.DevMinorLength, name, "devminor");
        }

        if (f.IsGnu)
        {
            f.AccessTime = OptionalTime(b, TarFields.GnuAtimeOffset, name, "atime");
            f.ChangeTime = OptionalTime(b, TarFields.GnuCtimeOffset, name, "ctime");
        }
        else if (isStar)
        {
            f.AccessTime = OptionalTime(b, TarFields.StarAtimeOffset, name, "atime");
            f.ChangeTime = OptionalTime(b, TarFields.StarCtimeOffset, name, "ctime");
        }

        f.TypeFlag = b[TarFields.TypeOffset];
        if (f.TypeFlag == 0)
        {
            f.TypeFlag = name.EndsWith('/') ? (byte)TarEntryKind.Directory : (byte)TarEntryKind.RegularFile;
        }

        if (f.TypeFlag == (byte)TarEntryKind.SparseFile)
        {
            f.RealSize = Numeric(b, TarFields.GnuRealSizeOffset, TarFields.GnuRealSizeLength, name, "realsize");
            f.Sparse = ReadOldGnuSparseMap(name);
            f.TypeFlag = (byte)TarEntryKind.RegularFile;
        }

        return f;
    }

    /// <summary>Applies the PAX records in order (the last occurrence of a key wins) and collects the GNU sparse
    /// records for <see cref="ResolveSparse"/>; <c>SCHILY.xattr.*</c> wins over libarchive's base64 form.</summary>
    private static PaxSparseRecords ApplyPaxRecords(EntryFields f, List<KeyValuePair<string, byte[]>> records)
    {
        var sparse = new PaxSparseRecords();
        Dictionary<string, byte[]>? libarchiveXattrs = null;
        string recordSubject = f.Name;
        foreach (KeyValuePair<string, byte[]> record in records)
        {
            byte[] v = record.Value;
            switch (record.Key)
            {
                case "path":
                    f.Name = TarFields.Utf8(v);
                    break;
                case "linkpath":
                    f.LinkName = TarFields.Utf8(v);
                    break;
                case "uname":
                    f.UserName = TarFields.Utf8(v);
                    break;
                case "gname":
                    f.GroupName = TarFields.Utf8(v);
                    break;
                case "uid":
                    f.Uid = PaxDecimal(v, recordSubject, record.Key);
                    break;
                case "gid":
                    f.Gid = PaxDecimal(v, recordSubject, record.Key);
                    break;
                case "size":
                    f.Size = PaxDecimal(v, recordSubject, record.Key);
                    break;
                case "mtime":
                    f.ModificationTime = PaxTime(v, recordSubject, record.Key);
                    break;
                case "atime":
                    f.AccessTime = PaxTime(v, recordSubject, record.Key);
                    break;
                case "ctime":
                    f.ChangeTime = PaxTime(v, recordSubject, record.Key);
                    break;
                case "GNU.sparse.major":
                    sparse.Major = v;
                    break;
                case "GNU.sparse.minor":
                    sparse.Minor = v;
                    break;
                case "GNU.sparse.name":
                    sparse.Name = v;
                    break;
                case "GNU.sparse.size" or "GNU.sparse.realsize":
                    sparse.RealSize = PaxDecimal(v, recordSubject, record.Key);
                    break;
                case "GNU.sparse.map":
                    sparse.Map = v;
                    break;
                case "GNU.sparse.offset" or "GNU.sparse.numbytes":
                    // Format 0.0 repeats these two keys, one pair per segment, in order.
                    sparse.Offsets ??= [];
                    if ((sparse.Offsets.Count % 2 == 0) != (record.Key == "GNU.sparse.offset"))
                    {
                        throw Invalid(recordSubject, "GNU.sparse.offset and GNU.sparse.numbytes records do not alternate");
                    }

                    sparse.Offsets.Add(PaxDecimal(v, recordSubject, record.Key));
                    break;
                default:
                    if (record.Key.StartsWith("SCHILY.xattr.", StringComparison.Ordinal))
                    {
                        f.Xattrs ??= new Dictionary<string, byte[]>(StringComparer.Ordinal);
                        f.Xattrs[record.Key["SCHILY.xattr.".Length..]] = v;
                    }
                    else if (record.Key.StartsWith("LIBARCHIVE.xattr.", StringComparison.Ordinal))
                    {
                        libarchiveXattrs ??= new Dictionary<string, byte[]>(StringComparer.Ordinal);
                        libarchiveXattrs[Uri.UnescapeDataString(record.Key["LIBARCHIVE.xattr.".Length..])] = DecodeBase64(v, recordSubject, record.Key);
                    }

                    break;
            }
        }

        if (libarchiveXattrs is not null)
        {
            f.Xattrs ??= new Dictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (KeyValuePair<string, byte[]> x in libarchiveXattrs)
            {
                f.Xattrs.TryAdd(x.Key, x.Value);
            }
        }

        return sparse;
    }

    /// <summary>Reads the PAX sparse map (formats 0.0, 0.1 and 1.0) into <paramref name="f"/> and returns the stored
    /// size left once a 1.0 map, which sits at the start of the data, has been read.</summary>
    private long ResolveSparse(EntryFields f, PaxSparseRecords pax, TarEntryKind type, long storedSize)
    {
        bool paxSparse1 = pax.Major is not null && IsAscii(pax.Major, "1") && pax.Minor is not null && IsAscii(pax.Minor, "0");
        if (f.Sparse is null && (paxSparse1 || pax.Map is not null || pax.Offsets is not null))
        {
            if (type != TarEntryKind.RegularFile)
            {
                throw Invalid(f.Name, $"GNU sparse records on an entry of type '{(char)f.TypeFlag}'");
            }

            if (pax.RealSize < 0)
            {
                throw Invalid(f.Name, "GNU sparse records without GNU.sparse.size or GNU.sparse.realsize");
            }

            if (paxSparse1)
            {
                long mapStart = _position;
                f.Sparse = ReadSparseMap10(f.Name, storedSize);
                storedSize -= _position - mapStart;
            }
            else if (pax.Map is not null)
            {
                f.Sparse = ParseSparseMap01(pax.Map, f.Name);
            }
            else
            {
                if (pax.Offsets!.Count % 2 != 0)
                {
                    throw Invalid(f.Name, "GNU.sparse.offset without GNU.sparse.numbytes");
                }

                f.Sparse = [];
                for (int i = 0; i < pax.Offsets.Count; i += 2)
                {
                    f.Sparse.Add(new TarSparseSegment(pax.Offsets[i], pax.Offsets[i + 1]));
                }
            }

            f.RealSize = pax.RealSize;
        }
        else if (f.Sparse is not null && pax.RealSize >= 0)
        {
            f.RealSize = pax.RealSize;
        }

        return storedSize;
    }

    // A NUL cannot be part of a file name on any system: the kernel would cut the name short (and .NET refuses
    // it), so a PAX record or GNU long name carrying one is a malformed archive, reported before anything uses it.
    private static void RefuseNul(string name, string value, string what)
    {
        int nul = value.IndexOf('\0', StringComparison.Ordinal);
        if (nul >= 0)
        {
            int inName = name.IndexOf('\0', StringComparison.Ordinal);
            string shown = inName < 0 ? name : name[..inName] + "\\0...";
            throw Invalid(shown, $"the entry's {what} holds a NUL byte at position {nul}");
        }
    }

    // Sparse entries cost nothing to store but their holes are read (and, by a naive writer, written) as zeros:
    // one entry, and all of one tar's entries together, are held to absolute caps and to the expansion ratio
    // against the tar bytes read so far.
    private void CheckSparseBudget(string name, long realSize)
    {
        if (realSize > _limits.MaxSparseEntryBytes)
        {
            throw new LimitExceededException(name, nameof(ImageFormatLimits.MaxSparseEntryBytes), _limits.MaxSparseEntryBytes, realSize);
        }

        _sparseTotal += realSize;
        if (_sparseTotal > _limits.MaxSparseLayerBytes)
        {
            throw new LimitExceededException(name, nameof(ImageFormatLimits.MaxSparseLayerBytes), _limits.MaxSparseLayerBytes, _sparseTotal);
        }

        long budget = _limits.ExpansionBudget(_position);
        if (_sparseTotal > budget)
        {
            throw new LimitExceededException($"{name} (sparse, {_position} tar bytes read)", nameof(ImageFormatLimits.MaxExpansionRatio), budget, _sparseTotal);
        }
    }

    private static bool IsHeaderOnly(TarEntryKind type) => type is TarEntryKind.HardLink or TarEntryKind.SymbolicLink
        or TarEntryKind.CharacterDevice or TarEntryKind.BlockDevice or TarEntryKind.Directory or TarEntryKind.Fifo;

    private static long Padding(long size) => (BlockSize - (size % BlockSize)) % BlockSize;

    private static bool IsAscii(byte[] value, string expected) => value.AsSpan().SequenceEqual(Encoding.ASCII.GetBytes(expected));

    private List<TarSparseSegment> ReadOldGnuSparseMap(string name)
    {
        var map = new List<TarSparseSegment>();
        bool more = ParseSparseEntries(_block.AsSpan(TarFields.GnuSparseOffset, TarFields.GnuSparseEntries * TarFields.SparseEntryLength), map, name)
            && _block[TarFields.GnuIsExtendedOffset] != 0;
        long extensionBytes = 0;
        byte[] ext = new byte[BlockSize];
        while (more)
        {
            extensionBytes += BlockSize;
            if (extensionBytes > _limits.MaxTarHeaderBytes)
            {
                throw new LimitExceededException(name, MaxTarHeaderBytesName, _limits.MaxTarHeaderBytes, extensionBytes);
            }

            int n = ReadFull(ext);
            if (n < BlockSize)
            {
                throw Truncated(name, "the archive ends inside an old GNU sparse extension header");
            }

            more = ParseSparseEntries(ext.AsSpan(0, TarFields.GnuExtensionEntries * TarFields.SparseEntryLength), map, name)
                && ext[TarFields.GnuExtensionIsExtendedOffset] != 0;
        }

        return map;
    }

    /// <summary>Adds the used entries of an old GNU sparse array; false when an unused entry ended the list early.</summary>
    private static bool ParseSparseEntries(ReadOnlySpan<byte> entries, List<TarSparseSegment> map, string name)
    {
        for (int at = 0; at < entries.Length; at += TarFields.SparseEntryLength)
        {
            ReadOnlySpan<byte> offset = entries.Slice(at, TarFields.SparseNumberLength);
            ReadOnlySpan<byte> length = entries.Slice(at + TarFields.SparseNumberLength, TarFields.SparseNumberLength);
            if (offset[0] == 0 && length[0] == 0)
            {
                return false;
            }

            map.Add(new TarSparseSegment(
                Numeric(offset, 0, offset.Length, name, "sparse offset"),
                Numeric(length, 0, length.Length, name, "sparse length")));
        }

        return true;
    }

    private static List<TarSparseSegment> ParseSparseMap01(byte[] text, string name)
    {
        var numbers = new List<long>();
        if (text.Length > 0)
        {
            foreach (Range r in text.AsSpan().Split((byte)','))
            {
                if (!TarFields.TryParseDecimal(text.AsSpan(r), out long n))
                {
                    throw Invalid(name, $"GNU.sparse.map is malformed: \"{TarFields.Printable(text)}\"");
                }

                numbers.Add(n);
            }
        }

        if (numbers.Count % 2 != 0)
        {
            throw Invalid(name, "GNU.sparse.map has an odd number of values");
        }

        var map = new List<TarSparseSegment>(numbers.Count / 2);
        for (int i = 0; i < numbers.Count; i += 2)
        {
            map.Add(new TarSparseSegment(numbers[i], numbers[i + 1]));
        }

        return map;
    }

    /// <summary>Reads the newline-separated sparse map that starts the data of a PAX sparse 1.0 entry.</summary>
    private List<TarSparseSegment> ReadSparseMap10(string name, long storedSize)
    {
        var map = new List<TarSparseSegment>();
        long count = -1;
        long pendingOffset = -1;
        long current = 0;
        int digits = 0;
        long consumed = 0;
        while (count < 0 || map.Count < count)
        {
            consumed += BlockSize;
            if (consumed > storedSize)
            {
                throw Invalid(name, "the GNU sparse 1.0 map runs past the entry's data");
            }

            if (consumed > _limits.MaxTarHeaderBytes)
            {
                throw new LimitExceededException(name, MaxTarHeaderBytesName, _limits.MaxTarHeaderBytes, consumed);
            }

            if (ReadFull(_block) < BlockSize)
            {
                throw Truncated(name, "the archive ends inside a GNU sparse 1.0 map");
            }

            foreach (byte c in _block)
            {
                if (count >= 0 && map.Count == count)
                {
                    break;
                }

                if (c == (byte)'\n')
                {
                    if (digits == 0)
                    {
                        throw Invalid(name, "the GNU sparse 1.0 map has an empty number");
                    }

                    if (count < 0)
                    {
                        count = current;
                    }
                    else if (pendingOffset < 0)
                    {
                        pendingOffset = current;
                    }
                    else
                    {
                        map.Add(new TarSparseSegment(pendingOffset, current));
                        pendingOffset = -1;
                    }

                    current = 0;
                    digits = 0;
                }
                else if (c is >= (byte)'0' and <= (byte)'9' && digits < 18)
                {
                    current = (current * 10) + (c - '0');
                    digits++;
                }
                else
                {
                    throw Invalid(name, $"the GNU sparse 1.0 map has an invalid byte 0x{c:x2} or a number too long");
                }
            }
        }

        return map;
    }

    private static void ValidateSparseMap(List<TarSparseSegment> map, long realSize, long storedSize, string name)
    {
        if (realSize < 0)
        {
            throw Invalid(name, $"negative sparse file size {realSize}");
        }

        long end = 0;
        long total = 0;
        foreach (TarSparseSegment s in map)
        {
            if (s.Offset < 0 || s.Length < 0 || s.Offset > long.MaxValue - s.Length)
            {
                throw Invalid(name, $"sparse segment {s.Offset}+{s.Length} is invalid");
            }

            if (s.Offset + s.Length > realSize)
            {
                throw Invalid(name, $"sparse segment {s.Offset}+{s.Length} ends past the file's size {realSize}");
            }

            if (s.Offset < end)
            {
                throw Invalid(name, $"sparse segment {s.Offset}+{s.Length} overlaps or precedes the previous one");
            }

            end = s.Offset + s.Length;
            total += s.Length;
        }

        if (total != storedSize)
        {
            throw Invalid(name, $"the sparse map holds {total} bytes of data but the archive stores {storedSize}");
        }
    }

    private byte[] ReadMetaBody(string metaName)
    {
        long size = Numeric(_block, TarFields.SizeOffset, TarFields.SizeLength, metaName, "size");
        if (size < 0)
        {
            throw Invalid(metaName, $"negative size {size}");
        }

        if (size > _limits.MaxTarHeaderBytes)
        {
            throw new LimitExceededException(metaName, MaxTarHeaderBytesName, _limits.MaxTarHeaderBytes, size);
        }

        byte[] body = new byte[size];
        if (ReadFull(body) < size)
        {
            throw Truncated(metaName, "the archive ends inside a metadata record");
        }

        Skip(Padding(size), metaName);
        return body;
    }

    private static List<KeyValuePair<string, byte[]>> ParsePax(byte[] body, string metaName)
    {
        var records = new List<KeyValuePair<string, byte[]>>();
        ReadOnlySpan<byte> rest = body;
        while (!rest.IsEmpty)
        {
            int space = rest.IndexOf((byte)' ');
            if (space <= 0 || space > 19 || !TarFields.TryParseDecimal(rest[..space], out long length)
                || rest[0] is (byte)'-' or (byte)'+' || length < space + 4 || length > rest.Length)
            {
                throw Invalid(metaName, $"PAX record with a bad length at \"{TarFields.Printable(rest[..Math.Min(rest.Length, 24)])}\"");
            }

            ReadOnlySpan<byte> record = rest[(space + 1)..(int)length];
            if (record[^1] != (byte)'\n')
            {
                throw Invalid(metaName, $"PAX record \"{TarFields.Printable(record)}\" does not end with a newline");
            }

            record = record[..^1];
            int eq = record.IndexOf((byte)'=');
            if (eq <= 0)
            {
                throw Invalid(metaName, $"PAX record \"{TarFields.Printable(record)}\" has no key");
            }

            ReadOnlySpan<byte> key = record[..eq];
            if (key.Contains((byte)0))
            {
                throw Invalid(metaName, $"PAX record key \"{TarFields.Printable(key)}\" contains NUL");
            }

            records.Add(new(TarFields.Utf8(key), record[(eq + 1)..].ToArray()));
            rest = rest[(int)length..];
        }

        return records;
    }

    private void MergeGlobal(List<KeyValuePair<string, byte[]>> records, string metaName)
    {
        foreach (KeyValuePair<string, byte[]> r in records)
        {
            _globalRecords.RemoveAll(g => g.Key == r.Key);
            _globalRecords.Add(r);
        }

        _globalRecordBytes = 0;
        foreach (KeyValuePair<string, byte[]> g in _globalRecords)
        {
            _globalRecordBytes += g.Key.Length + g.Value.Length;
        }

        if (_globalRecordBytes > _limits.MaxTarHeaderBytes)
        {
            throw new LimitExceededException(metaName, MaxTarHeaderBytesName, _limits.MaxTarHeaderBytes, _globalRecordBytes);
        }
    }

    private void VerifyChecksum()
    {
        (long unsignedSum, long signedSum) = TarFields.Checksums(_block);
        ReadOnlySpan<byte> field = _block.AsSpan(TarFields.ChecksumOffset, TarFields.ChecksumLength);
        if (!TarFields.TryParseOctal(field, out long stored) || (stored != unsignedSum && stored != signedSum))
        {
            throw Invalid(null, $"the header block at offset {_position - BlockSize} has a bad checksum (stored \"{TarFields.Printable(field)}\", computed {unsignedSum}); the archive is corrupt or not a tar");
        }
    }

    private string HeaderName() => TarFields.Utf8(TarFields.CString(_block.AsSpan(TarFields.NameOffset, TarFields.NameLength)));

    private static long Numeric(ReadOnlySpan<byte> block, int offset, int length, string entry, string field)
    {
        ReadOnlySpan<byte> bytes = block.Slice(offset, length);
        if (!TarFields.TryParseNumeric(bytes, out long value))
        {
            throw Invalid(entry, $"the {field} field \"{TarFields.Printable(bytes)}\" is not a valid number or overflows");
        }

        return value;
    }

    private static DateTimeOffset? OptionalTime(ReadOnlySpan<byte> block, int offset, string entry, string field)
    {
        if (block[offset] == 0)
        {
            return null;
        }

        long seconds = Numeric(block, offset, TarFields.GnuTimeLength, entry, field);
        return TarFields.FromUnix(seconds) ?? throw Invalid(entry, $"{field} {seconds} is out of range");
    }

    private static long PaxDecimal(byte[] value, string entry, string key)
    {
        if (!TarFields.TryParseDecimal(value, out long n) || value[0] == (byte)'+')
        {
            throw Invalid(entry, $"PAX record {key} has an invalid value \"{TarFields.Printable(value)}\"");
        }

        return n;
    }

    private static DateTimeOffset PaxTime(byte[] value, string entry, string key)
    {
        if (!TarFields.TryParsePaxTime(value, out DateTimeOffset t))
        {
            throw Invalid(entry, $"PAX record {key} has an invalid or out-of-range time \"{TarFields.Printable(value)}\"");
        }

        return t;
    }

    private static byte[] DecodeBase64(byte[] value, string entry, string key)
    {
        // libarchive writes base64 without padding.
        string text = Encoding.ASCII.GetString(value).TrimEnd('=');
        text += (text.Length % 4) switch { 2 => "==", 3 => "=", _ => string.Empty };
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException e)
        {
            throw new InvalidArchiveException(ErrorCodes.InvalidTar, entry, $"PAX record {key} is not valid base64", e);
        }
    }

    private int ReadFull(Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = _stream.Read(buffer[total..]);
            if (n <= 0)
            {
                break;
            }

            total += n;
        }

        _position += total;
        return total;
    }

    private void Skip(long count, string entryName)
    {
        if (count <= 0)
        {
            return;
        }

        if (_canSeek)
        {
            long target = _origin + _position + count;

            // The length last seen, asked again only when the target lies beyond it: asking is a system call on a
            // file, and a layer of small files skips thousands of times.
            if (target > _knownLength && target > (_knownLength = _stream.Length))
            {
                throw Truncated(entryName, $"the archive ends inside the entry's data or padding ({target - _knownLength} bytes missing)");
            }

            _stream.Seek(target, SeekOrigin.Begin);
            _position += count;
            return;
        }

        _skipBuffer ??= new byte[16 * 1024];
        while (count > 0)
        {
            int n = ReadFull(_skipBuffer.AsSpan(0, (int)Math.Min(count, _skipBuffer.Length)));
            if (n == 0)
            {
                throw Truncated(entryName, $"the archive ends inside the entry's data or padding ({count} bytes missing)");
            }

            count -= n;
        }
    }

    private static InvalidArchiveException Invalid(string? entry, string reason) => new(ErrorCodes.InvalidTar, entry, reason);

    private static InvalidArchiveException Truncated(string? entry, string reason) => new(ErrorCodes.InvalidTar, entry, "truncated archive: " + reason);

    /// <summary>An entry's fields while its header block and PAX records are read.</summary>
    private sealed class EntryFields
    {
        public bool IsGnu;
        public bool IsUstar;
        public string Name = string.Empty;
        public string LinkName = string.Empty;
        public long Mode;
        public long Uid;
        public long Gid;
        public long Size;
        public DateTimeOffset ModificationTime;
        public DateTimeOffset? AccessTime;
        public DateTimeOffset? ChangeTime;
        public string UserName = string.Empty;
        public string GroupName = string.Empty;
        public long DevMajor;
        public long DevMinor;
        public byte TypeFlag;
        public List<TarSparseSegment>? Sparse;
        public long RealSize = -1;
        public Dictionary<string, byte[]>? Xattrs;
    }

    /// <summary>The GNU sparse PAX records of one entry (formats 0.0, 0.1 and 1.0).</summary>
    private sealed class PaxSparseRecords
    {
        public byte[]? Major;
        public byte[]? Minor;
        public byte[]? Map;
        public byte[]? Name;
        public long RealSize = -1;
        public List<long>? Offsets;
    }
}
