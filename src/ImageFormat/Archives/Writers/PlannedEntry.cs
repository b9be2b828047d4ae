using ImageFormat.Tar;

namespace ImageFormat.Archives.Writers;

/// <summary>One file, directory or symlink the writer will emit, with everything its tar header needs.</summary>
internal sealed class PlannedEntry
{
    private PlannedEntry(string path, TarEntryKind type, long size, DateTimeOffset modificationTime, Func<Stream>? open, string? linkName)
    {
        Path = path;
        Type = type;
        Size = size;
        ModificationTime = modificationTime;
        Open = open;
        LinkName = linkName;
    }

    public string Path { get; }

    public TarEntryKind Type { get; }

    public long Size { get; }

    public DateTimeOffset ModificationTime { get; }

    public Func<Stream>? Open { get; }

    public string? LinkName { get; }

    /// <summary>
    /// For a layer blob: the layer, whose bytes a writer to a file of its own may copy from their file with direct
    /// I/O or in the kernel (<see cref="RangeCopies{TKey}"/>).
    /// <see langword="null"/> for everything else, which is only ever read through <see cref="Open"/>.
    /// </summary>
    public PreparedLayer? Layer { get; private init; }

    public static PlannedEntry File(string path, long size, DateTimeOffset time, Func<Stream> open) =>
        new(path, TarEntryKind.RegularFile, size, time, open, null);

    /// <summary>A layer blob, read through <see cref="PreparedLayer.Open"/> or copied from its file.</summary>
    public static PlannedEntry ForLayer(string path, PreparedLayer layer, DateTimeOffset time) =>
        new(path, TarEntryKind.RegularFile, layer.Size, time, layer.Open, null) { Layer = layer };

    public static PlannedEntry Bytes(string path, ReadOnlyMemory<byte> bytes, DateTimeOffset time) =>
        new(path, TarEntryKind.RegularFile, bytes.Length, time, () => new MemoryStream(bytes.ToArray(), writable: false), null);

    public static PlannedEntry Directory(string path, DateTimeOffset time) =>
        new(path, TarEntryKind.Directory, 0, time, null, null);

    public static PlannedEntry Symlink(string path, string target, DateTimeOffset time) =>
        new(path, TarEntryKind.SymbolicLink, 0, time, null, target);
}
