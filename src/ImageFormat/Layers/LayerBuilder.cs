using System.Globalization;
using ImageFormat.Compression;
using ImageFormat.Containment;
using ImageFormat.Digests;
using ImageFormat.Progress;
using ImageFormat.Tar;

namespace ImageFormat.Layers;

/// <summary>How <see cref="LayerBuilder"/> writes a layer.</summary>
public sealed record LayerBuildOptions
{
    /// <summary>The defaults: gzip at level 6, modification times as on disk.</summary>
    public static LayerBuildOptions Default { get; } = new();

    /// <summary>How the layer blob is compressed: gzip (the default), zstd or none.</summary>
    public CompressionFormat Compression { get; init; } = CompressionFormat.Gzip;

    /// <summary>The compression level, or <see langword="null"/> for the format's default.</summary>
    public int? CompressionLevel { get; init; }

    /// <summary>
    /// When set, modification times later than this are clamped to it, and whiteouts carry it (the
    /// <c>SOURCE_DATE_EPOCH</c> convention; see <see cref="LayerBuilder.SourceDateEpochFromEnvironment"/>).
    /// Whiteouts carry the Unix epoch when it is not set.
    /// </summary>
    public DateTimeOffset? SourceDateEpoch { get; init; }

    /// <summary>Limits of the walk over the directory; <see cref="ImageFormatLimits.MaxWalkDepth"/> bounds its depth.</summary>
    public ImageFormatLimits Limits { get; init; } = ImageFormatLimits.Default;
}

/// <summary>The identities of a layer just written.</summary>
/// <param name="DiffId">The digest of the uncompressed tar.</param>
/// <param name="Digest">The digest of the blob as written (equal to <paramref name="DiffId"/> when uncompressed).</param>
/// <param name="Size">The blob's size in bytes.</param>
/// <param name="UncompressedSize">The tar's size in bytes.</param>
/// <param name="Entries">How many tar entries were written.</param>
public sealed record LayerBuildResult(Digest DiffId, Digest Digest, long Size, long UncompressedSize, int Entries);

/// <summary>
/// Writes a layer from a list of changes and the directory they describe: the <c>commit</c> step of a container
/// store. Entries are written in path order; a deleted path becomes a <c>.wh.&lt;name&gt;</c> whiteout; files
/// sharing an inode become hard links to the first path written; uid, gid, mode, times (nanoseconds kept in a PAX
/// record), link targets, device numbers and every extended attribute come from disk. Nothing comes from the
/// clock, the process or enumeration order, so the same tree gives the same bytes. The diffID and the blob digest
/// are computed while writing. Each changed path is looked up one component at a time through directory
/// descriptors opened with <c>O_NOFOLLOW</c>: a path that passes through a symbolic link is not there, and a link is
/// written as a link, never followed.
/// </summary>
public static partial class LayerBuilder
{
    /// <summary>Reads <c>SOURCE_DATE_EPOCH</c> (decimal seconds since the epoch) from the environment.</summary>
    /// <returns>The time, or <see langword="null"/> when unset or not a number.</returns>
    public static DateTimeOffset? SourceDateEpochFromEnvironment() =>
        long.TryParse(Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH"), NumberStyles.None, CultureInfo.InvariantCulture, out long seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    /// <summary>Writes the layer for <paramref name="changes"/> of <paramref name="directory"/> to <paramref name="output"/>.</summary>
    /// <param name="directory">The changed tree (the container root).</param>
    /// <param name="changes">The changes, as <see cref="LayerDiff"/> computes them; any order.</param>
    /// <param name="output">Where the blob goes (left open).</param>
    /// <param name="options">Options; <see cref="LayerBuildOptions.Default"/> when <see langword="null"/>.</param>
    /// <returns>The layer's digests and sizes.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A change's path is not absolute or climbs out of the tree.</exception>
    /// <exception cref="PlatformNotSupportedException">Not running on Linux.</exception>
    /// <exception cref="FileNotFoundException">A changed path is not there (or only through a symbolic link).</exception>
    /// <exception cref="Errors.ImageFormatException">A file changed while it was read (<see cref="Errors.ErrorCodes.TreeChanged"/>).</exception>
    /// <exception cref="IOException">A changed path cannot be read.</exception>
    public static LayerBuildResult Write(string directory, IEnumerable<LayerChange> changes, Stream output, LayerBuildOptions? options = null)
    {
        List<(LayerChange Change, string Name)> sorted = CheckWrite(directory, changes, output);
        return WriteCore(directory, sorted, output, options, CancellationToken.None);
    }

    /// <summary>
    /// Writes the layer for <paramref name="changes"/> of <paramref name="directory"/> to <paramref name="output"/>,
    /// as <see cref="Write"/> does (the same core, the same bytes). The directory is read through descriptors
    /// (<c>openat</c>, <c>statx</c>), which have no asynchronous form: the core runs on a thread-pool thread and
    /// observes the token on every write; <paramref name="output"/> then holds an incomplete blob.
    /// </summary>
    /// <param name="directory">The changed tree (the container root).</param>
    /// <param name="changes">The changes, as <see cref="LayerDiff"/> computes them; any order.</param>
    /// <param name="output">Where the blob goes (left open).</param>
    /// <param name="options">Options; <see cref="LayerBuildOptions.Default"/> when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops the build.</param>
    /// <returns>The layer's digests and sizes.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A change's path is not absolute or climbs out of the tree.</exception>
    /// <exception cref="PlatformNotSupportedException">Not running on Linux.</exception>
    /// <exception cref="FileNotFoundException">A changed path is not there (or only through a symbolic link).</exception>
    /// <exception cref="Errors.ImageFormatException">A file changed while it was read (<see cref="Errors.ErrorCodes.TreeChanged"/>).</exception>
    /// <exception cref="IOException">A changed path cannot be read.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static Task<LayerBuildResult> WriteAsync(string directory, IEnumerable<LayerChange> changes, Stream output, LayerBuildOptions? options = null, CancellationToken cancellationToken = default)
    {
        List<(LayerChange Change, string Name)> sorted = CheckWrite(directory, changes, output);
        return SyncCore.Offload(() => WriteCore(directory, sorted, ProgressStream.WrapWrite(output, null, cancellationToken), options, cancellationToken), cancellationToken);
    }

    private static List<(LayerChange Change, string Name)> CheckWrite(string directory, IEnumerable<LayerChange> changes, Stream output)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(output);
        if (!Native.IsSupported)
        {
            throw new PlatformNotSupportedException("Building layers from a directory needs Linux (statx, llistxattr).");
        }

        return [.. changes.Select(c => (Change: c, Name: EntryName(c.Path))).OrderBy(c => c.Name, StringComparer.Ordinal)];
    }

    /// <summary>The one core of <see cref="Write"/> and <see cref="WriteAsync"/>.</summary>
    private static LayerBuildResult WriteCore(string directory, List<(LayerChange Change, string Name)> sorted, Stream output, LayerBuildOptions? options, CancellationToken cancellationToken)
    {
        using DirectoryTree tree = DirectoryTree.Open(directory, (options ?? LayerBuildOptions.Default).Limits.MaxWalkDepth);
        return WriteLayer(output, options ?? LayerBuildOptions.Default, (writer, options, seenInodes) =>
        {
            int entries = 0;
            foreach ((LayerChange change, string name) in sorted)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (change.Kind == LayerChangeKind.Deleted)
                {
                    int slash = name.LastIndexOf('/');
                    string whiteout = slash < 0 ? LayerPath.WhiteoutPrefix + name : name[..(slash + 1)] + LayerPath.WhiteoutPrefix + name[(slash + 1)..];
                    writer.WriteEntry(new TarEntryHeader { Name = whiteout, ModificationTime = options.SourceDateEpoch ?? DateTimeOffset.UnixEpoch }, null);
                    entries++;
                    continue;
                }

                TreeEntry entry = tree.Find(name) ?? throw new FileNotFoundException($"Changed path vanished: {tree.Path}/{name}", $"{tree.Path}/{name}");
                if (WriteFromDisk(writer, entry, name, options, seenInodes))
                {
                    entries++;
                }
            }

            return entries;
        });
    }

    /// <summary>
    /// Writes every entry below <paramref name="directory"/> (the root itself left out) as one tar, in path order,
    /// as <c>docker export</c> does: a symbolic link is written as a link and never entered, whatever it points at.
    /// </summary>
    /// <param name="directory">The tree.</param>
    /// <param name="output">Where the blob goes (left open).</param>
    /// <param name="options">Options; <see cref="LayerBuildOptions.Default"/> when <see langword="null"/>.</param>
    /// <returns>The tar's digests and sizes.</returns>
    internal static LayerBuildResult WriteTree(string directory, Stream output, LayerBuildOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(output);
        using DirectoryTree tree = DirectoryTree.Open(directory, (options ?? LayerBuildOptions.Default).Limits.MaxWalkDepth);
        return WriteLayer(output, options ?? LayerBuildOptions.Default, (writer, options, seenInodes) =>
        {
            int entries = 0;
            foreach (TreeEntry entry in tree.Walk())
            {
                if (WriteFromDisk(writer, entry, entry.Path, options, seenInodes))
                {
                    entries++;
                }
            }

            return entries;
        });
    }

    private static LayerBuildResult WriteLayer(Stream output, LayerBuildOptions options, Func<TarEntryWriter, LayerBuildOptions, Dictionary<(uint, uint, ulong), string>, int> writeEntries)
    {
        var blobHash = new HashingWriteStream(output, DigestAlgorithm.Sha256, leaveOpen: true);
        Stream compressor = Compressor.Open(blobHash, options.Compression, options.CompressionLevel, leaveOpen: true);
        var tarHash = new HashingWriteStream(compressor, DigestAlgorithm.Sha256, leaveOpen: true);
        var seenInodes = new Dictionary<(uint, uint, ulong), string>();
        int entries;
        using (var writer = new TarEntryWriter(tarHash, leaveOpen: true))
        {
            entries = writeEntries(writer, options, seenInodes);
            writer.Finish();
        }

        tarHash.Dispose();
        compressor.Dispose();
        blobHash.Dispose();
        return new LayerBuildResult(tarHash.GetDigest(), blobHash.GetDigest(), blobHash.BytesWritten, tarHash.BytesWritten, entries);
    }

    private static string EntryName(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!path.StartsWith('/'))
        {
            throw new ArgumentException($"Change paths are absolute inside the tree: {path}", nameof(path));
        }

        List<string> parts;
        try
        {
            parts = LayerPath.Split(path[1..], null, path);
        }
        catch (Errors.InvalidLayerException ex)
        {
            throw new ArgumentException($"Change path {path}: {ex.Reason}", nameof(path), ex);
        }

        if (parts.Count == 0)
        {
            throw new ArgumentException("A change cannot name the root.", nameof(path));
        }

        return LayerPath.Join(parts);
    }

    private static bool WriteFromDisk(TarEntryWriter writer, TreeEntry entry, string name, LayerBuildOptions options, Dictionary<(uint, uint, ulong), string> seenInodes)
    {
        FileStatus status = entry.Status;
        DateTimeOffset mtime = status.ModificationTime;
        if (options.SourceDateEpoch is { } epoch && mtime > epoch)
        {
            mtime = epoch;
        }

        IReadOnlyDictionary<string, byte[]> xattrs = status.IsSymlink || status.Type == Native.S_IFSOCK ? new Dictionary<string, byte[]>() : entry.ReadXattrs();
        var header = new TarEntryHeader
        {
            Name = status.IsDirectory ? name + "/" : name,
            Mode = status.Permissions,
            Uid = status.Uid,
            Gid = status.Gid,
            ModificationTime = mtime,
            Xattrs = xattrs,
        };
        switch (status.Type)
        {
            case Native.S_IFDIR:
                writer.WriteEntry(CopyWith(header, TarEntryKind.Directory), null);
                return true;
            case Native.S_IFLNK:
                writer.WriteEntry(CopyWith(header, TarEntryKind.SymbolicLink, linkName: entry.ReadLink()), null);
                return true;
            case Native.S_IFCHR or Native.S_IFBLK:
                writer.WriteEntry(CopyWith(header, status.Type == Native.S_IFCHR ? TarEntryKind.CharacterDevice : TarEntryKind.BlockDevice, major: (int)status.RdevMajor, minor: (int)status.RdevMinor), null);
                return true;
            case Native.S_IFIFO:
                writer.WriteEntry(CopyWith(header, TarEntryKind.Fifo), null);
                return true;
            case Native.S_IFREG:
                if (status.Nlink > 1)
                {
                    var key = (status.DevMajor, status.DevMinor, status.Inode);
                    if (seenInodes.TryGetValue(key, out string? first))
                    {
                        writer.WriteEntry(CopyWith(header, TarEntryKind.HardLink, linkName: first), null);
                        return true;
                    }

                    seenInodes[key] = name;
                }

                using (FileStream data = entry.OpenRead())
                {
                    writer.WriteEntry(CopyWith(header, TarEntryKind.RegularFile, size: data.Length), data);
                }

                return true;
            default:
                // Sockets cannot be archived; Docker skips them too.
                return false;
        }
    }

    private static TarEntryHeader CopyWith(TarEntryHeader h, TarEntryKind type, string linkName = "", long size = 0, int major = 0, int minor = 0) => new()
    {
        Name = h.Name,
        Type = type,
        Mode = h.Mode,
        Uid = h.Uid,
        Gid = h.Gid,
        ModificationTime = h.ModificationTime,
        Xattrs = h.Xattrs,
        LinkName = linkName,
        Size = size,
        DevMajor = major,
        DevMinor = minor,
    };
}
