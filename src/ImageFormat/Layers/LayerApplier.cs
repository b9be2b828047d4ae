using ImageFormat.Containment;
using ImageFormat.Errors;
using ImageFormat.Tar;
using Microsoft.Win32.SafeHandles;

namespace ImageFormat.Layers;

/// <summary>
/// Applies the entries of one layer to a root directory; see <see cref="LayerExtractor"/> for the rules. Every change
/// is made relative to a directory descriptor the resolver verified (see <see cref="PathResolver{TNode, TAdapter}"/>):
/// nothing is ever done through a host path below the root.
/// </summary>
internal sealed class LayerApplier : IDisposable
{
    private static readonly int O_PATH_NOFOLLOW = NativeAt.O_PATH | NativeAt.O_NOFOLLOW;

    private readonly DiskNode _root;
    private readonly string? _layer;
    private readonly LayerExtractResult _result;
    private readonly int _maxHops;
    private readonly int _maxDepth;
    private readonly bool _chown;
    private readonly PathResolver<DiskNode, DiskAdapter> _resolver;
    private readonly PathResolver<DiskNode, DiskAdapter> _linkResolver;
    private readonly bool _writeBehind;
    private WriteBehind? _writer;

    // Paths this layer wrote (and their ancestors): what an opaque whiteout keeps.
    private readonly HashSet<string> _unpacked = new(StringComparer.Ordinal);
    private readonly List<(string Path, ulong Inode, TarEntryHeader Header)> _directories = [];

    public LayerApplier(string root, string? layer, LayerExtractOptions options, ImageFormatLimits limits, LayerExtractResult result)
    {
        _layer = layer;
        _result = result;
        _maxHops = limits.MaxLinkHops;
        _maxDepth = limits.MaxWalkDepth;
        _chown = options.ApplyOwnership ?? Native.EffectiveUserId == 0;
        _writeBehind = options.WriteBehind ?? Environment.ProcessorCount > 1;
        _root = DiskTree.OpenRoot(root);
        _resolver = DiskTree.Resolver(_root, RootPolicy.Clamp, _maxHops);
        _linkResolver = DiskTree.Resolver(_root, RootPolicy.Clamp, _maxHops);
    }

    /// <summary>The most file bytes read ahead of the writer thread (see <see cref="WriteBehind"/>).</summary>
    internal const long WriteBehindBudget = 8L << 20;

    /// <summary>Component lookups made so far (for tests proving the cost is linear in depth).</summary>
    public long Lookups => _resolver.Lookups + _linkResolver.Lookups;

    public void Apply(TarEntryHeader entry, TarEntryReader reader)
    {
        List<string> parts = LayerPath.Split(entry.Name, _layer, entry.Name);
        WhiteoutKind kind = LayerPath.Classify(parts, _layer, entry.Name, out string? target);
        switch (kind)
        {
            case WhiteoutKind.Meta:
                return;
            case WhiteoutKind.Opaque:
                ApplyOpaque(parts[..^1], entry.Name);
                return;
            case WhiteoutKind.File:
                ApplyWhiteout([.. parts[..^1], target!], entry.Name);
                return;
        }

        if (parts.Count == 0)
        {
            if (entry.Type != TarEntryKind.Directory)
            {
                throw Unsafe(entry.Name, "only a directory may stand for the root");
            }

            ApplyAttributes(_root.Fd, pathOnly: true, symlink: false, string.Empty, entry, setTimes: false);
            _directories.Add((string.Empty, _root.Status.Inode, entry));
            return;
        }

        // A regular file is created exclusively, which fails on anything already there: its name is looked up only
        // then (CreateFile), so the common case of a new file costs no lookup of its own.
        bool regular = entry.Type is TarEntryKind.RegularFile or TarEntryKind.ContiguousFile;
        Resolve(_resolver, parts, followFinal: false, entry.Name, lookUpFinal: !regular);
        IReadOnlyList<Frame<DiskNode>> frames = _resolver.Frames;
        if (frames.Count == 1)
        {
            throw Unsafe(entry.Name, "the entry would replace the root");
        }

        EnsureParents(entry.Name);
        int parentFd = frames[^2].Node.Fd;
        Frame<DiskNode> final = frames[^1];
        string name = final.Name;
        string relative = _resolver.Join(frames.Count);

        (int Fd, string? Name, NodeKind Kind) linkSource = default;
        if (entry.Type == TarEntryKind.HardLink)
        {
            // The link shares its target's inode, whose bytes and attributes may still be queued: they land first,
            // so the link's own attributes are applied after them, as in entry order.
            _writer?.Drain();
            linkSource = ResolveHardLinkTarget(entry, relative);
        }

        bool exists = final.Kind != NodeKind.Missing;
        if (exists && !(final.Kind == NodeKind.Directory && entry.Type == TarEntryKind.Directory))
        {
            Remove(parentFd, name, final.Node.Status);
            exists = false;
        }

        switch (entry.Type)
        {
            case TarEntryKind.RegularFile or TarEntryKind.ContiguousFile:
                WriteFile(CreateFile(parts, parentFd, name, relative, entry), relative, entry, reader);
                MarkUnpacked(relative);
                return;
            case TarEntryKind.Directory:
                if (!exists)
                {
                    int rc = NativeAt.MkdirAt(parentFd, name, 0x1C0);
                    if (rc != 0)
                    {
                        throw NativeAt.Error("mkdirat", relative, rc);
                    }
                }

                break;
            case TarEntryKind.SymbolicLink:
                if (entry.LinkName.Length == 0)
                {
                    throw Invalid(entry.Name, "symbolic link with an empty target");
                }

                NativeAt.SymlinkAt(entry.LinkName, parentFd, name);
                break;
            case TarEntryKind.HardLink:
                NativeAt.LinkAt(linkSource.Fd, linkSource.Name!, parentFd, name);
                if (linkSource.Kind == NodeKind.Symlink)
                {
                    // A hard link to a symbolic link shares the link's inode: its attributes are the link's.
                    MarkUnpacked(relative);
                    return;
                }

                break;
            case TarEntryKind.CharacterDevice or TarEntryKind.BlockDevice or TarEntryKind.Fifo:
                int type = entry.Type switch
                {
                    TarEntryKind.CharacterDevice => Native.S_IFCHR,
                    TarEntryKind.BlockDevice => Native.S_IFBLK,
                    _ => Native.S_IFIFO,
                };
                int errno = NativeAt.MknodAt(parentFd, name, type | (entry.Mode & 0xFFF), entry.DevMajor, entry.DevMinor);
                if (errno is NativeAt.EPERM or NativeAt.EACCES)
                {
                    char letter = entry.Type switch { TarEntryKind.CharacterDevice => 'c', TarEntryKind.BlockDevice => 'b', _ => 'p' };
                    _result.DevicesList.Add($"{relative} ({letter} {entry.DevMajor}:{entry.DevMinor})");
                    MarkUnpacked(relative);
                    return;
                }

                if (errno != 0)
                {
                    throw NativeAt.Error("mknodat", relative, errno);
                }

                break;
            default:
                throw Invalid(entry.Name, $"unsupported entry type '{(char)entry.Type}'");
        }

        MarkUnpacked(relative);
        int fd = NativeAt.OpenAtOrThrow(parentFd, name, O_PATH_NOFOLLOW);
        try
        {
            FileStatus status = NativeAt.StatAt(fd, string.Empty)!.Value;
            bool symlink = entry.Type == TarEntryKind.SymbolicLink;
            if (status.IsSymlink != symlink || status.IsDirectory != (entry.Type == TarEntryKind.Directory))
            {
                throw NativeAt.Error("openat", relative + " (changed while extracting)", NativeAt.EINVAL);
            }

            if (entry.Type == TarEntryKind.Directory)
            {
                _directories.Add((relative, status.Inode, entry));
            }

            ApplyAttributes(fd, pathOnly: true, symlink, relative, entry, setTimes: entry.Type != TarEntryKind.Directory);
        }
        finally
        {
            NativeAt.Close(fd);
        }
    }

    public void Finish()
    {
        _writer?.Drain();

        // Children change their directory's times, so directories get theirs last, deepest first. Each is found
        // again inside the root (openat2 where the kernel has it, else the resolver: the stored path holds no link,
        // so both apply the same rules) and must still be the very directory written (same inode), or it is left alone.
        _resolver.Invalidate();
        for (int i = _directories.Count - 1; i >= 0; i--)
        {
            (string path, ulong inode, TarEntryHeader header) = _directories[i];
            DateTimeOffset atime = header.AccessTime ?? header.ModificationTime;
            if (path.Length == 0)
            {
                NativeAt.SetTimesFd(_root.Fd, atime, header.ModificationTime, pathOnly: true);
                continue;
            }

            int fd = DiskTree.OpenInRoot(_root, path, NativeAt.O_PATH | NativeAt.O_DIRECTORY | NativeAt.O_NOFOLLOW, RootPolicy.Clamp);
            if (fd != -NativeAt.ENOSYS)
            {
                if (fd >= 0)
                {
                    try
                    {
                        FileStatus status = NativeAt.StatAt(fd, string.Empty)!.Value;
                        if (status.IsDirectory && status.Inode == inode && status.DevMajor == _root.Status.DevMajor && status.DevMinor == _root.Status.DevMinor)
                        {
                            NativeAt.SetTimesFd(fd, atime, header.ModificationTime, pathOnly: true);
                        }
                    }
                    finally
                    {
                        NativeAt.Close(fd);
                    }
                }

                continue;
            }

            if (_resolver.Resolve(path.Split('/'), followFinal: false) != ResolveStatus.Ok)
            {
                continue;
            }

            Frame<DiskNode> final = _resolver.Frames[^1];
            if (final.Kind == NodeKind.Directory && final.Node.Status.Inode == inode && final.Node.Status.DevMajor == _root.Status.DevMajor && final.Node.Status.DevMinor == _root.Status.DevMinor)
            {
                NativeAt.SetTimesFd(final.Node.Fd, atime, header.ModificationTime, pathOnly: true);
            }
        }
    }

    public void Dispose()
    {
        _writer?.Dispose();
        _resolver.Dispose();
        _linkResolver.Dispose();
        NativeAt.Close(_root.Fd);
    }

    private void Resolve(PathResolver<DiskNode, DiskAdapter> resolver, IReadOnlyList<string> parts, bool followFinal, string name, bool lookUpFinal = true)
    {
        if (resolver.Resolve(parts, followFinal, lookUpFinal) != ResolveStatus.Ok)
        {
            throw Unsafe(name, $"more than {_maxHops} symbolic links to follow");
        }
    }

    /// <summary>
    /// Creates the regular file <paramref name="name"/> in <paramref name="parentFd"/>, which the resolver found without
    /// looking the name itself up. Whatever is there already (a lower layer's file, a link, a directory) makes the
    /// exclusive create fail: then the name is resolved again with its lookup, what it is removed as for any other
    /// entry, and the file created again.
    /// </summary>
    /// <returns>The new file's descriptor, open for writing whatever the entry's permission bits (which it gets at
    /// creation, less the umask: they apply to later opens).</returns>
    private int CreateFile(List<string> parts, int parentFd, string name, string relative, TarEntryHeader entry)
    {
        int flags = NativeAt.O_CREAT | NativeAt.O_EXCL | NativeAt.O_NOFOLLOW | NativeAt.O_WRONLY;
        int mode = entry.Mode & 0x1FF;
        int fd = NativeAt.OpenAt(parentFd, name, flags, mode);
        if (fd == -NativeAt.EEXIST)
        {
            Resolve(_resolver, parts, followFinal: false, entry.Name);
            IReadOnlyList<Frame<DiskNode>> frames = _resolver.Frames;
            parentFd = frames[^2].Node.Fd;
            if (frames[^1].Kind != NodeKind.Missing)
            {
                Remove(parentFd, name, frames[^1].Node.Status);
            }

            fd = NativeAt.OpenAt(parentFd, name, flags, mode);
        }

        return fd >= 0 ? fd : throw NativeAt.Error("openat", relative, -fd);
    }

    private void WriteFile(int fd, string relative, TarEntryHeader entry, TarEntryReader reader)
    {
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (!_writeBehind || entry.IsSparse)
        {
            using (handle)
            {
                SparseFileCopy.Copy(reader, entry, handle);
                ApplyAttributes(fd, pathOnly: false, symlink: false, relative, entry, setTimes: true, created: true);
            }

            return;
        }

        // Read here, write on the writer thread: the descriptor is already open inside the root, so the writer
        // needs no path, and the next entries are read while this file's bytes go to the kernel.
        // One lane fewer than cores: the applier and the hashing thread keep one busy between them.
        _writer ??= new WriteBehind(WriteBehindBudget, Math.Max(1, Environment.ProcessorCount - 1));
        bool handed = false;
        int lane = _writer.NextLane();
        try
        {
            if (entry.Size > 0)
            {
                using Stream data = reader.OpenEntryData();
                long position = 0;
                if (data is IO.IBlockLender { CanLend: true } lender)
                {
                    // The bytes go to the writer where the reader holds them: no copy, and no budget to wait for
                    // (the reader lends from a fixed set of chunks).
                    ReadOnlyMemory<byte> lent;
                    while (!(lent = lender.Lend(WriteBehind.ChunkSize, out IDisposable? lease)).IsEmpty)
                    {
                        _writer.Write(lane, handle, lent, lease!, position);
                        position += lent.Length;
                    }
                }
                else
                {
                    while (position < entry.Size)
                    {
                        byte[] buffer = _writer.Rent();
                        int want = (int)Math.Min(entry.Size - position, WriteBehind.ChunkSize);
                        int n = data.ReadAtLeast(buffer.AsSpan(0, want), want, throwOnEndOfStream: false);
                        if (n == 0)
                        {
                            _writer.Return(buffer);
                            break;
                        }

                        _writer.Write(lane, handle, buffer, n, position);
                        position += n;
                    }
                }
            }

            if (!_chown)
            {
                _result.OwnershipList.Add(new LayerOwnership(relative, entry.Uid, entry.Gid));
            }

            _writer.Finish(lane, handle, fileFd => ApplyAttributes(fileFd, pathOnly: false, symlink: false, relative, entry, setTimes: true, ownershipListed: true, created: true));
            handed = true;
        }
        finally
        {
            if (!handed)
            {
                _writer.Close(lane, handle);
            }
        }
    }

    // Runs on the writer thread for regular files (see WriteFile): it touches only the descriptor and, under a lock,
    // the list of refused extended attributes. ownershipListed: the caller already listed the unapplied owner.
    // created: fd is a regular file CreateFile just made, whose owner and permission bits are asked first, so that
    // a change that would change nothing (the common case: root's file, the entry's bits) costs no inode update.
    private void ApplyAttributes(int fd, bool pathOnly, bool symlink, string relative, TarEntryHeader entry, bool setTimes, bool ownershipListed = false, bool created = false)
    {
        FileStatus? now = created ? NativeAt.StatAt(fd, string.Empty) : null;
        if (_chown)
        {
            if (now is not { } owned || owned.Uid != entry.Uid || owned.Gid != entry.Gid)
            {
                NativeAt.ChownFd(fd, entry.Uid, entry.Gid);
            }
        }
        else if (!ownershipListed)
        {
            _result.OwnershipList.Add(new LayerOwnership(relative, entry.Uid, entry.Gid));
        }

        if (entry.Xattrs.Count > 0)
        {
            foreach (KeyValuePair<string, byte[]> xattr in entry.Xattrs.OrderBy(x => x.Key, StringComparer.Ordinal))
            {
                if (NativeAt.SetXattrFd(fd, xattr.Key, xattr.Value, pathOnly) != 0)
                {
                    lock (_result.XattrsList)
                    {
                        _result.XattrsList.Add($"{relative}: {xattr.Key}");
                    }
                }
            }
        }

        if (!symlink && (now is not { } made || made.Permissions != (entry.Mode & 0xFFF)))
        {
            // After chown, which clears setuid and setgid.
            NativeAt.ChmodFd(fd, entry.Mode, pathOnly);
        }

        if (setTimes)
        {
            NativeAt.SetTimesFd(fd, entry.AccessTime ?? entry.ModificationTime, entry.ModificationTime, pathOnly);
        }
    }

    private (int Fd, string Name, NodeKind Kind) ResolveHardLinkTarget(TarEntryHeader entry, string relative)
    {
        if (entry.LinkName.Length == 0)
        {
            throw Invalid(entry.Name, "hard link with an empty target");
        }

        List<string> targetParts = LayerPath.Split(entry.LinkName, _layer, entry.Name);
        Resolve(_linkResolver, targetParts, followFinal: false, entry.Name);
        IReadOnlyList<Frame<DiskNode>> frames = _linkResolver.Frames;
        if (frames.Count == 1)
        {
            throw Invalid(entry.Name, "hard link to the root directory");
        }

        Frame<DiskNode> final = frames[^1];
        if (final.Kind == NodeKind.Missing)
        {
            throw Invalid(entry.Name, $"hard link target \"{entry.LinkName}\" does not exist");
        }

        if (final.Kind == NodeKind.Directory)
        {
            throw Invalid(entry.Name, $"hard link target \"{entry.LinkName}\" is a directory");
        }

        if (_linkResolver.Join(frames.Count) == relative)
        {
            throw Invalid(entry.Name, "hard link to itself");
        }

        return (frames[^2].Node.Fd, final.Name, final.Kind);
    }

    private void ApplyWhiteout(List<string> parts, string name)
    {
        Resolve(_resolver, parts, followFinal: false, name);
        IReadOnlyList<Frame<DiskNode>> frames = _resolver.Frames;
        if (frames.Count == 1)
        {
            throw Unsafe(name, "whiteout of the root");
        }

        Frame<DiskNode> final = frames[^1];
        if (final.Kind != NodeKind.Missing && frames[^2].Kind == NodeKind.Directory)
        {
            Remove(frames[^2].Node.Fd, final.Name, final.Node.Status);
        }
    }

    private void ApplyOpaque(List<string> directory, string name)
    {
        Resolve(_resolver, directory, followFinal: true, name);
        IReadOnlyList<Frame<DiskNode>> frames = _resolver.Frames;
        if (frames[^1].Kind != NodeKind.Directory)
        {
            return;
        }

        string relative = _resolver.Join(frames.Count);
        MarkUnpacked(relative);
        int fd = NativeAt.OpenAtOrThrow(frames[^1].Node.Fd, ".", NativeAt.O_RDONLY | NativeAt.O_DIRECTORY);
        RemoveLower(fd, relative);
    }

    // Removes what this layer did not write below the directory fd (which it closes), depth first, without recursion.
    private void RemoveLower(int directoryFd, string relative)
    {
        var stack = new Stack<(int Fd, string Relative, List<string> Names, int Next)>();
        stack.Push((directoryFd, relative, [], -1));
        try
        {
            while (stack.Count > 0)
            {
                (int fd, string path, List<string> names, int next) = stack.Pop();
                bool kept = false;
                try
                {
                    if (next < 0)
                    {
                        names = NativeAt.ReadDirectory(fd);
                        names.Sort(StringComparer.Ordinal);
                        next = 0;
                    }

                    while (next < names.Count && !kept)
                    {
                        string child = names[next++];
                        string childRelative = path.Length == 0 ? child : path + "/" + child;
                        if (NativeAt.StatAt(fd, child) is not { } status)
                        {
                            continue;
                        }

                        if (!_unpacked.Contains(childRelative))
                        {
                            Remove(fd, child, status);
                        }
                        else if (status.IsDirectory)
                        {
                            int childFd = NativeAt.OpenAtOrThrow(fd, child, NativeAt.O_RDONLY | NativeAt.O_DIRECTORY | NativeAt.O_NOFOLLOW);
                            stack.Push((fd, path, names, next));
                            stack.Push((childFd, childRelative, [], -1));
                            kept = true;
                        }
                    }
                }
                finally
                {
                    if (!kept)
                    {
                        NativeAt.Close(fd);
                    }
                }
            }
        }
        finally
        {
            while (stack.Count > 0)
            {
                NativeAt.Close(stack.Pop().Fd);
            }
        }
    }

    private void EnsureParents(string name)
    {
        IReadOnlyList<Frame<DiskNode>> frames = _resolver.Frames;
        for (int i = 1; i < frames.Count - 1; i++)
        {
            Frame<DiskNode> frame = frames[i];
            if (frame.Kind == NodeKind.Directory)
            {
                continue;
            }

            if (frame.Kind != NodeKind.Missing)
            {
                throw Invalid(name, $"parent \"{_resolver.Join(i + 1)}\" is not a directory");
            }

            int parentFd = frames[i - 1].Node.Fd;
            int rc = NativeAt.MkdirAt(parentFd, frame.Name, 0x1ED);
            if (rc != 0)
            {
                throw NativeAt.Error("mkdirat", _resolver.Join(i + 1), rc);
            }

            int fd = NativeAt.OpenAtOrThrow(parentFd, frame.Name, NativeAt.O_PATH | NativeAt.O_DIRECTORY | NativeAt.O_NOFOLLOW);
            _resolver.Materialize(i, new DiskNode(fd, NativeAt.StatAt(fd, string.Empty)!.Value));
            NativeAt.ChmodFd(fd, 0x1ED, pathOnly: true);
        }
    }

    private void Remove(int parentFd, string name, FileStatus status)
    {
        DiskTree.RemoveEntry(parentFd, name, status, _maxDepth);
        _resolver.Invalidate();
        _linkResolver.Invalidate();
    }

    private void MarkUnpacked(string relative)
    {
        string path = relative;
        while (_unpacked.Add(path))
        {
            int slash = path.LastIndexOf('/');
            if (slash < 0)
            {
                break;
            }

            path = path[..slash];
        }
    }

    private InvalidLayerException Unsafe(string name, string reason) => new(ErrorCodes.UnsafePath, _layer, name, reason);

    private InvalidLayerException Invalid(string name, string reason) => new(ErrorCodes.InvalidLayer, _layer, name, reason);
}
