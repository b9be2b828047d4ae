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

    public static PlannedEntry File(string path, long size, DateTimeOffset time, Func<Stream> open) =>
        new(path, TarEntryKind.RegularFile, size, time, open, null);

    public static PlannedEntry Bytes(string path, ReadOnlyMemory<byte> bytes, DateTimeOffset time) =>
        new(path, TarEntryKind.RegularFile, bytes.Length, time, () => new MemoryStream(bytes.ToArray(), writable: false), null);

    public static PlannedEntry Directory(string path, DateTimeOffset time) =>
        new(path, TarEntryKind.Directory, 0, time, null, null);

    public static PlannedEntry Symlink(string path, string target, DateTimeOffset time) =>
        new(path, TarEntryKind.SymbolicLink, 0, time, null, target);
}
