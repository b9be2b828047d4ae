namespace ImageFormat.Tar;

/// <summary>
/// Everything the headers of one tar entry say, with every extension (PAX records, GNU long names, sparse maps)
/// already applied. <see cref="TarEntryReader"/> produces immutable instances; build one with an object initialiser to
/// give to <see cref="TarEntryWriter"/>.
/// </summary>
public sealed class TarEntryHeader
{
    /// <summary>The empty attributes every header without any shares.</summary>
    internal static readonly IReadOnlyDictionary<string, byte[]> NoXattrs = new Dictionary<string, byte[]>(StringComparer.Ordinal);

    /// <summary>The entry's path as written (UTF-8 decoded), after PAX <c>path</c>, GNU <c>L</c> and ustar prefix are applied.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>The target of a hard or symbolic link, after PAX <c>linkpath</c> and GNU <c>K</c>; empty otherwise.</summary>
    public string LinkName { get; init; } = string.Empty;

    /// <summary>The entry's type.</summary>
    public TarEntryKind Type { get; init; } = TarEntryKind.RegularFile;

    /// <summary>
    /// The dialect of the headers read: <see cref="TarFormat.Pax"/> when any PAX record (local or global) applied,
    /// otherwise what the magic says. <see cref="TarEntryWriter"/> ignores it and chooses the format itself.
    /// </summary>
    public TarFormat Format { get; init; } = TarFormat.Ustar;

    /// <summary>
    /// The logical size of the content: for a sparse file the expanded size. Always 0 for links, devices,
    /// directories and fifos, whatever their header declares (as Go's archive/tar, which wrote most layers, treats them).
    /// </summary>
    public long Size { get; init; }

    /// <summary>
    /// How many bytes of data the archive stores for this entry after its headers (for a sparse file, the data
    /// segments only: the sparse map of PAX format 1.0 is counted as header, not data). Padding is not included.
    /// The writer ignores this value.
    /// </summary>
    public long StoredSize { get; init; }

    /// <summary>The permission bits, including setuid, setgid and sticky (masked to <c>07777</c>).</summary>
    public int Mode { get; init; }

    /// <summary>The owner's numeric user ID.</summary>
    public long Uid { get; init; }

    /// <summary>The owner's numeric group ID.</summary>
    public long Gid { get; init; }

    /// <summary>The owner's user name, empty when absent (V7).</summary>
    public string UserName { get; init; } = string.Empty;

    /// <summary>The owner's group name, empty when absent (V7).</summary>
    public string GroupName { get; init; } = string.Empty;

    /// <summary>
    /// The modification time. PAX <c>mtime</c> records give sub-second precision (kept to 100 ns, the resolution of
    /// <see cref="DateTimeOffset"/>; further digits are truncated). <see langword="default"/> is written as the Unix epoch.
    /// </summary>
    public DateTimeOffset ModificationTime { get; init; }

    /// <summary>The access time, when a PAX <c>atime</c> record or a GNU/star header field gives one.</summary>
    public DateTimeOffset? AccessTime { get; init; }

    /// <summary>The status change time, when a PAX <c>ctime</c> record or a GNU/star header field gives one.</summary>
    public DateTimeOffset? ChangeTime { get; init; }

    /// <summary>The device major number (meaningful for character and block devices).</summary>
    public int DevMajor { get; init; }

    /// <summary>The device minor number (meaningful for character and block devices).</summary>
    public int DevMinor { get; init; }

    /// <summary>
    /// Every PAX record that applied to this entry, values as raw bytes: first the global (<c>g</c>) records in
    /// force, in the order they were read, then this entry's own (<c>x</c>) records in file order. Keys may repeat;
    /// the last occurrence is the one that took effect. The writer copies records whose keys are not basic header
    /// fields or <c>GNU.sparse.*</c>, as Go does.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, byte[]>> PaxRecords { get; init; } = [];

    /// <summary>
    /// Extended attributes from <c>SCHILY.xattr.NAME</c> records (raw bytes), and from libarchive's
    /// <c>LIBARCHIVE.xattr.NAME</c> records (URL-encoded name, base64 value) where no SCHILY record names the same attribute.
    /// </summary>
    public IReadOnlyDictionary<string, byte[]> Xattrs { get; init; } = NoXattrs;

    /// <summary>
    /// The offset, counted from where the reader started in the stream, of the first header block of this entry
    /// (its PAX or GNU metadata headers included). Ignored by the writer.
    /// </summary>
    public long HeaderOffset { get; init; }

    /// <summary>The offset, counted from where the reader started, of the entry's stored data. Ignored by the writer.</summary>
    public long DataOffset { get; init; }

    /// <summary>Whether the entry is a sparse file (old GNU <c>S</c>, or GNU PAX sparse format 0.0, 0.1 or 1.0).</summary>
    public bool IsSparse { get; init; }

    /// <summary>The data segments of a sparse file, sorted and non-overlapping; <see langword="null"/> when not sparse.</summary>
    public IReadOnlyList<TarSparseSegment>? SparseMap { get; init; }
}
