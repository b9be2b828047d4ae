using ImageFormat.Containment;
using ImageFormat.Errors;
using ImageFormat.Layers;
using Microsoft.Win32.SafeHandles;

namespace ImageFormat.Archives;

/// <summary>
/// The files of an OCI image layout directory (<c>oci:DIR</c>). Every path is resolved by the library's one resolver
/// on directory descriptors, with the refuse policy: a symbolic link is followed only while it stays inside, an
/// absolute target or a climb above the directory is refused. Only regular files are opened (<c>O_NOFOLLOW |
/// O_NONBLOCK</c>, then checked with fstat): a FIFO, device or socket is a typed error
/// (<see cref="ErrorCodes.NotRegularFile"/>). Enumeration is <see cref="DirectoryTree"/>'s walk, which never follows
/// a link, so link loops end.
/// </summary>
internal sealed class LayoutDirectoryStorage : IArchiveStorage
{
    private readonly DiskNode _root;
    private readonly ImageFormatLimits _limits;

    public LayoutDirectoryStorage(string directory, ImageFormatLimits limits)
    {
        if (!Directory.Exists(directory))
        {
            throw new NotFoundException(directory, $"no such directory: {directory}");
        }

        if (!Native.IsSupported)
        {
            throw new PlatformNotSupportedException("Reading an OCI layout directory needs Linux (openat, statx).");
        }

        _root = DiskTree.OpenRoot(Path.GetFullPath(directory));
        _limits = limits;
        Description = directory;
    }

    public string Description { get; }

    public IEnumerable<string> Names
    {
        get
        {
            // The one tree walk: links are listed, never entered, so link loops end; a bind-mount loop is refused.
            using DirectoryTree tree = DirectoryTree.OpenAt(_root.Fd, Description, _limits.MaxWalkDepth);
            var names = tree.Walk().Select(entry => entry.Path).ToList();
            names.Sort(StringComparer.Ordinal);
            return names;
        }
    }

    public bool Contains(string cleanName)
    {
        using PathResolver<DiskNode, DiskAdapter> resolver = DiskTree.Resolver(_root, RootPolicy.Refuse, _limits.MaxLinkHops);
        return resolver.Resolve(cleanName.Split('/'), followFinal: false) == ResolveStatus.Ok
            && resolver.Frames.Count > 1 && resolver.Frames[^1].Kind != NodeKind.Missing;
    }

    public bool TryResolve(string path, out ArchiveFile file, out string? problem)
    {
        file = default;
        if (!ArchivePath.IsSafeReference(path, out problem))
        {
            return false;
        }

        using PathResolver<DiskNode, DiskAdapter> resolver = DiskTree.Resolver(_root, RootPolicy.Refuse, _limits.MaxLinkHops);
        int fd = OpenRegular(resolver, ArchivePath.Clean(path)!, out string name, out problem);
        if (fd < 0)
        {
            return false;
        }

        try
        {
            file = new ArchiveFile(name, NativeAt.StatAt(fd, string.Empty)!.Value.Size, 0);
            return true;
        }
        finally
        {
            NativeAt.Close(fd);
        }
    }

    public Stream Open(ArchiveFile file)
    {
        // Found again through descriptors: whatever changed since TryResolve, only a regular file inside is opened
        // (its type is checked before the open, so a device swapped in is never opened).
        using PathResolver<DiskNode, DiskAdapter> resolver = DiskTree.Resolver(_root, RootPolicy.Refuse, _limits.MaxLinkHops);
        int fd = OpenRegular(resolver, file.Name, out _, out string? problem);
        if (fd < 0)
        {
            throw new InvalidArchiveException(ErrorCodes.InvalidArchive, file.Name, $"{file.Name}: {problem}");
        }

        return new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Read, 1);
    }

    public void Dispose() => NativeAt.Close(_root.Fd);

    private InvalidArchiveException NotRegular(string name, FileStatus status)
    {
        string what = status.Type switch
        {
            Native.S_IFIFO => "a FIFO",
            Native.S_IFCHR => "a character device",
            Native.S_IFBLK => "a block device",
            Native.S_IFSOCK => "a socket",
            _ => "something else",
        };
        return new InvalidArchiveException(ErrorCodes.NotRegularFile, name, $"{name} in {Description} is {what}, not a regular file; every file of a layout must be a regular file");
    }

    // Resolves a clean path and opens the regular file it leads to; returns -1 with the problem otherwise.
    private int OpenRegular(PathResolver<DiskNode, DiskAdapter> resolver, string clean, out string name, out string? problem)
    {
        name = clean;
        switch (resolver.Resolve(clean.Split('/'), followFinal: true))
        {
            case ResolveStatus.TooManyLinks:
                problem = $"too many levels of links (more than {_limits.MaxLinkHops}) from \"{resolver.LastLink}\"";
                return -1;
            case ResolveStatus.Escapes:
                problem = resolver.LastLinkTarget is null ? "path leaves the layout"
                    : resolver.LastLinkTarget.StartsWith('/') ? $"\"{resolver.LastLink}\" links to the absolute path \"{resolver.LastLinkTarget}\", outside the layout"
                    : $"\"{resolver.LastLink}\" links to \"{resolver.LastLinkTarget}\", outside the layout";
                return -1;
        }

        IReadOnlyList<Frame<DiskNode>> frames = resolver.Frames;
        Frame<DiskNode> final = frames[^1];
        switch (final.Kind)
        {
            case NodeKind.Missing:
                problem = "no such file in the layout";
                return -1;
            case NodeKind.Directory:
                problem = "is a directory, not a file";
                return -1;
        }

        name = resolver.Join(frames.Count);
        if (final.Node.Status.Type != Native.S_IFREG)
        {
            throw NotRegular(name, final.Node.Status);
        }

        int fd = NativeAt.OpenAt(frames[^2].Node.Fd, final.Name, NativeAt.O_RDONLY | NativeAt.O_NOFOLLOW | NativeAt.O_NONBLOCK);
        if (fd < 0)
        {
            // Swapped for a link since the lookup, or unreadable.
            problem = $"cannot be opened: {NativeAt.Error("openat", name, -fd).Message}";
            return -1;
        }

        FileStatus status = NativeAt.StatAt(fd, string.Empty)!.Value;
        if (status.Type != Native.S_IFREG)
        {
            NativeAt.Close(fd);
            throw NotRegular(name, status);
        }

        problem = null;
        return fd;
    }
}
