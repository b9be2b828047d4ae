using System.IO.Hashing;
using ImageFormat.Containment;
using ImageFormat.Tar;

namespace ImageFormat.Layers;

/// <summary>
/// Changes between a base tree (an image's merged tree, or a directory) and a directory: the <c>diff</c> step of
/// a container store, with the rules of moby's <c>pkg/archive</c> changes: a path on both sides is changed (<c>C</c>)
/// when its type and permission bits, owner, device number, or (not for directories) size or modification time
/// differ, or its <c>security.capability</c> attribute or link target differs; times match when the seconds are
/// equal and the nanoseconds are equal or either is zero (tar keeps whole seconds). A directory with any change
/// below it is itself reported changed unless it was added or changed. A new file over an old directory hides
/// the directory's children (no <c>D</c> for them). The list is sorted by path (ordinal). Directories are read
/// through descriptors and no link is ever followed: a symbolic link is compared as a link, whatever it points at.
/// </summary>
public static class LayerDiff
{
    private const string CapabilityXattr = "security.capability";

    /// <summary>Changes from an image's merged tree to <paramref name="directory"/>.</summary>
    /// <param name="baseTree">The image's merged tree.</param>
    /// <param name="directory">The changed directory (a container root made by <see cref="LayerExtractor"/>).</param>
    /// <param name="options">Options; <see cref="LayerDiffOptions.Default"/> when <see langword="null"/>.</param>
    /// <returns>The changes, sorted by path.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="DirectoryNotFoundException"><paramref name="directory"/> does not exist.</exception>
    /// <exception cref="PlatformNotSupportedException">Not running on Linux.</exception>
    /// <exception cref="Errors.ImageFormatException">The directory changed while it was read (<see cref="Errors.ErrorCodes.TreeChanged"/>), or is deeper than the walk allows (<see cref="Errors.LimitExceededException"/>).</exception>
    public static IReadOnlyList<LayerChange> Compute(MergedTree baseTree, string directory, LayerDiffOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(baseTree);
        return Compute(() => baseTree, directory, options);
    }

    /// <summary>
    /// <see cref="Compute(MergedTree, string, LayerDiffOptions?)"/> with the base tree built by <paramref name="buildBase"/>
    /// on a pool thread while this one walks <paramref name="directory"/>: the two are independent, and each is
    /// mostly system calls (the walk's <c>statx</c> and attribute reads; the layer headers' reads).
    /// </summary>
    /// <remarks>This returns only once <paramref name="buildBase"/> has returned or thrown, so the caller may
    /// dispose what it reads from. A failure of the walk is reported before one of the base.</remarks>
    internal static IReadOnlyList<LayerChange> Compute(Func<MergedTree> buildBase, string directory, LayerDiffOptions? options = null) =>
        DiffWithBaseOnPool(
            () =>
            {
                MergedTree tree = buildBase();
                return new BaseSide(FsNode.FromTree(tree), tree, null);
            },
            CheckDirectory(directory),
            options ?? LayerDiffOptions.Default);

    /// <summary>Changes from <paramref name="baseDirectory"/> to <paramref name="directory"/>.</summary>
    /// <param name="baseDirectory">The base directory.</param>
    /// <param name="directory">The changed directory.</param>
    /// <param name="options">Options; <see cref="LayerDiffOptions.Default"/> when <see langword="null"/>.</param>
    /// <returns>The changes, sorted by path.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="DirectoryNotFoundException">A directory does not exist.</exception>
    /// <exception cref="PlatformNotSupportedException">Not running on Linux.</exception>
    /// <exception cref="Errors.ImageFormatException">A directory changed while it was read (<see cref="Errors.ErrorCodes.TreeChanged"/>), or is deeper than the walk allows (<see cref="Errors.LimitExceededException"/>).</exception>
    public static IReadOnlyList<LayerChange> ComputeDirectories(string baseDirectory, string directory, LayerDiffOptions? options = null)
    {
        options ??= LayerDiffOptions.Default;
        int maxDepth = options.Limits.MaxWalkDepth;
        string oldFull = CheckDirectory(baseDirectory);
        string newFull = CheckDirectory(directory);
        return DiffWithBaseOnPool(
            () =>
            {
                // Open until the comparison ends (DiffWithBaseOnPool disposes it): content comparison reads changed
                // files again through it.
                DirectoryTree oldTree = DirectoryTree.Open(oldFull, maxDepth);
                try
                {
                    return new BaseSide(FsNode.FromDirectory(oldTree), null, oldTree);
                }
                catch
                {
                    oldTree.Dispose();
                    throw;
                }
            },
            newFull,
            options);
    }

    /// <summary>
    /// Reads the base side with <paramref name="readBase"/> on a pool thread while this one walks
    /// <paramref name="directory"/>, then compares them: the two are independent, and each is mostly system calls
    /// (a walk's <c>statx</c> and attribute reads; layer headers' reads). Returns only once <paramref name="readBase"/>
    /// has returned or thrown, so callers may dispose what it reads from; a failure of the walk is reported before
    /// one of the base; what the base side owns is disposed after the comparison.
    /// </summary>
    private static List<LayerChange> DiffWithBaseOnPool(Func<BaseSide> readBase, string directory, LayerDiffOptions options)
    {
        Task<BaseSide> reading = Task.Run(readBase);
        try
        {
            // Open until the comparison ends: content comparison reads changed files again through it.
            using DirectoryTree newTree = DirectoryTree.Open(directory, options.Limits.MaxWalkDepth);
            FsNode newRoot = FsNode.FromDirectory(newTree);
            BaseSide old = reading.GetAwaiter().GetResult();
            return Diff(old.Root, newRoot, options, old.Tree);
        }
        finally
        {
            try
            {
                reading.Wait();
            }
            catch (AggregateException)
            {
                // Read by GetResult above when the walk succeeded; otherwise the walk's failure is the one reported.
            }

            if (reading.IsCompletedSuccessfully)
            {
                reading.Result.Owner?.Dispose();
            }
        }
    }

    private static string CheckDirectory(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Native.IsSupported)
        {
            throw new PlatformNotSupportedException("Comparing trees needs Linux (statx, llistxattr).");
        }

        string full = Path.GetFullPath(directory).TrimEnd('/');
        if (!Directory.Exists(full))
        {
            throw new DirectoryNotFoundException($"No such directory: {directory}");
        }

        return full;
    }

    private static List<LayerChange> Diff(FsNode oldRoot, FsNode newRoot, LayerDiffOptions options, MergedTree? tree)
    {
        var changes = new List<LayerChange>();
        AddChanges(newRoot, oldRoot, "", changes, options, tree);
        changes.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return changes;
    }

    private static void AddChanges(FsNode node, FsNode? old, string path, List<LayerChange> changes, LayerDiffOptions options, MergedTree? tree)
    {
        int before = changes.Count;
        bool marked = false;
        if (old is null)
        {
            changes.Add(new LayerChange(LayerChangeKind.Added, path));
            marked = true;
        }

        // A new file over an old directory hides the directory's children: only a directory compares children.
        Dictionary<string, FsNode>? oldChildren = old is not null && node.IsDirectory ? old.Children : null;
        int kept = 0;
        if (node.Children is { } children)
        {
            foreach ((string name, FsNode child) in children)
            {
                FsNode? oldChild = null;
                if (oldChildren is not null && oldChildren.TryGetValue(name, out oldChild))
                {
                    kept++;
                }

                bool changed = oldChild is not null && Different(oldChild, child, options, tree, path, name);
                if (changed)
                {
                    changes.Add(new LayerChange(LayerChangeKind.Changed, path + "/" + name));
                }

                // Below a file that was there before, nothing more can change: its path is built only when needed.
                if (oldChild is null || child.IsDirectory)
                {
                    child.Marked = changed;
                    AddChanges(child, oldChild, path + "/" + name, changes, options, tree);
                }
            }
        }

        if (oldChildren is not null && kept < oldChildren.Count)
        {
            foreach (string name in oldChildren.Keys)
            {
                if (node.Children is null || !node.Children.ContainsKey(name))
                {
                    changes.Add(new LayerChange(LayerChangeKind.Deleted, path + "/" + name));
                }
            }
        }

        if (changes.Count > before && node.IsDirectory && !marked && !node.Marked && path.Length > 0)
        {
            changes.Add(new LayerChange(LayerChangeKind.Changed, path));
        }
    }

    private static bool Different(FsNode old, FsNode now, LayerDiffOptions options, MergedTree? tree, string parentPath, string name)
    {
        if (old.Mode != now.Mode || old.Uid != now.Uid || old.Gid != now.Gid || old.Rdev != now.Rdev)
        {
            return true;
        }

        if (!now.IsDirectory && (old.Size != now.Size || !SameTime(old, now)))
        {
            return true;
        }

        if (!string.Equals(old.LinkTarget, now.LinkTarget, StringComparison.Ordinal) || !old.Capability.AsSpan().SequenceEqual(now.Capability))
        {
            return true;
        }

        if (options.CompareContent && (now.Mode & Native.S_IFMT) == Native.S_IFREG)
        {
            string path = parentPath + "/" + name;
            return !Hash(old, tree, path).SequenceEqual(Hash(now, tree, path));
        }

        return false;
    }

    private static bool SameTime(FsNode a, FsNode b) =>
        a.MtimeSeconds == b.MtimeSeconds && (a.MtimeNanoseconds == b.MtimeNanoseconds || a.MtimeNanoseconds == 0 || b.MtimeNanoseconds == 0);

    private static byte[] Hash(FsNode node, MergedTree? tree, string path)
    {
        using Stream content = node.Source is { } source
            ? (source.Find(path.TrimStart('/')) ?? throw new FileNotFoundException($"Changed path vanished: {source.Path}{path}", source.Path + path)).OpenRead()
            : tree!.OpenFile(path);
        var hash = new XxHash128();
        hash.Append(content);
        return hash.GetCurrentHash();
    }

    /// <summary>The base side of a comparison: its nodes, the image tree content is read from (if any), and what to dispose after.</summary>
    private readonly record struct BaseSide(FsNode Root, MergedTree? Tree, IDisposable? Owner);

    /// <summary>What the comparison needs to know of one path, from a stat or from a tar header.</summary>
    private sealed class FsNode
    {
        public int Mode { get; init; }

        public long Uid { get; init; }

        public long Gid { get; init; }

        public ulong Rdev { get; init; }

        public long Size { get; init; }

        public long MtimeSeconds { get; init; }

        public long MtimeNanoseconds { get; init; }

        public string? LinkTarget { get; init; }

        public byte[]? Capability { get; init; }

        /// <summary>For a regular file on disk, the tree it was read from (its content is opened again from there).</summary>
        public DirectoryTree? Source { get; init; }

        public Dictionary<string, FsNode>? Children { get; set; }

        public bool Marked { get; set; }

        public bool IsDirectory => (Mode & Native.S_IFMT) == Native.S_IFDIR;

        /// <summary>
        /// The tree as the walker sees it: links are recorded as links and never entered. Entries come in path
        /// order, so a directory is always met before its children.
        /// </summary>
        public static FsNode FromDirectory(DirectoryTree tree)
        {
            FsNode root = FromStatus(tree.RootStatus, linkTarget: null, capability: null, source: null);
            root.Children = new Dictionary<string, FsNode>(StringComparer.Ordinal);
            var directories = new Dictionary<string, FsNode>(StringComparer.Ordinal) { [""] = root };
            Dictionary<string, FsNode>.AlternateLookup<ReadOnlySpan<char>> byPath = directories.GetAlternateLookup<ReadOnlySpan<char>>();
            foreach (TreeEntry entry in tree.Walk())
            {
                FileStatus status = entry.Status;
                int slash = entry.Path.LastIndexOf('/');
                FsNode parent = byPath[slash < 0 ? "" : entry.Path.AsSpan(0, slash)];
                FsNode node = FromStatus(
                    status,
                    status.IsSymlink ? entry.ReadLink() : null,
                    status.IsSymlink ? null : entry.ReadXattr(CapabilityXattr),
                    status.Type == Native.S_IFREG ? tree : null);
                parent.Children![entry.Name] = node;
                if (status.IsDirectory)
                {
                    node.Children = new Dictionary<string, FsNode>(StringComparer.Ordinal);
                    directories[entry.Path] = node;
                }
            }

            return root;
        }

        private static FsNode FromStatus(FileStatus status, string? linkTarget, byte[]? capability, DirectoryTree? source) => new()
        {
            Mode = status.Mode,
            Uid = status.Uid,
            Gid = status.Gid,
            Rdev = ((ulong)status.RdevMajor << 32) | status.RdevMinor,
            Size = status.IsSymlink || status.IsDirectory ? 0 : status.Size,
            MtimeSeconds = status.MtimeSeconds,
            MtimeNanoseconds = status.MtimeNanoseconds,
            LinkTarget = linkTarget,
            Capability = capability,
            Source = source,
        };

        public static FsNode FromTree(MergedTree tree)
        {
            var root = new FsNode { Mode = Native.S_IFDIR | 0x1ED, Children = new Dictionary<string, FsNode>(StringComparer.Ordinal) };
            foreach (MergedEntry entry in tree.Enumerate())
            {
                if (entry.Path.Length == 0)
                {
                    continue;
                }

                // Parents are looked up by the components' spans: only a component that makes a node becomes a string.
                FsNode parent = root;
                ReadOnlySpan<char> rest = entry.Path;
                for (int slash = rest.IndexOf('/'); slash >= 0; slash = rest.IndexOf('/'))
                {
                    ReadOnlySpan<char> part = rest[..slash];
                    parent.Children ??= new Dictionary<string, FsNode>(StringComparer.Ordinal);
                    if (!parent.Children.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(part, out FsNode? next))
                    {
                        next = new FsNode { Mode = Native.S_IFDIR | 0x1ED };
                        parent.Children[part.ToString()] = next;
                    }

                    parent = next;
                    rest = rest[(slash + 1)..];
                }

                parent.Children ??= new Dictionary<string, FsNode>(StringComparer.Ordinal);
                string name = rest.ToString();
                parent.Children[name] = FromHeader(entry, parent.Children.GetValueOrDefault(name)?.Children);
            }

            return root;
        }

        private static FsNode FromHeader(MergedEntry entry, Dictionary<string, FsNode>? children)
        {
            TarEntryHeader header = entry.Header;
            int type = header.Type switch
            {
                TarEntryKind.Directory => Native.S_IFDIR,
                TarEntryKind.SymbolicLink => Native.S_IFLNK,
                TarEntryKind.CharacterDevice => Native.S_IFCHR,
                TarEntryKind.BlockDevice => Native.S_IFBLK,
                TarEntryKind.Fifo => Native.S_IFIFO,
                _ => Native.S_IFREG,
            };
            TarEntryHeader times = entry.Type == TarEntryKind.HardLink && entry.ContentHeader is { } content ? content : header;
            long ticks = times.ModificationTime.UtcTicks - DateTime.UnixEpoch.Ticks;
            long seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long remainder);
            if (remainder < 0)
            {
                seconds--;
                remainder += TimeSpan.TicksPerSecond;
            }

            bool device = header.Type is TarEntryKind.CharacterDevice or TarEntryKind.BlockDevice;
            return new FsNode
            {
                Mode = type | header.Mode,
                Uid = header.Uid,
                Gid = header.Gid,
                Rdev = device ? ((ulong)(uint)header.DevMajor << 32) | (uint)header.DevMinor : 0,
                Size = entry.Size,
                MtimeSeconds = seconds,
                MtimeNanoseconds = remainder * 100,
                LinkTarget = header.Type == TarEntryKind.SymbolicLink ? header.LinkName : null,
                Capability = header.Xattrs.GetValueOrDefault(CapabilityXattr),
                Children = type == Native.S_IFDIR ? children : null,
            };
        }
    }
}
