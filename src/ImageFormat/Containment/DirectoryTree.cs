using System.Text;
using ImageFormat.Errors;
using Microsoft.Win32.SafeHandles;

namespace ImageFormat.Containment;

/// <summary>
/// A directory tree on disk read through file descriptors, never following a link. The root is opened once; every
/// directory below it is opened relative to its parent's descriptor with <c>O_NOFOLLOW | O_DIRECTORY</c>, every
/// entry is stated relative to its directory without following it (<c>AT_SYMLINK_NOFOLLOW</c>), links are read
/// with <c>readlinkat</c>, and a regular file is opened with <c>O_NOFOLLOW | O_NONBLOCK</c> and checked with
/// <c>fstat</c> to be the file that was listed. So a symbolic link, whatever it points at (<c>/run</c>, <c>.</c>,
/// <c>..</c>), is reported as a link and never entered, and nothing another process renames or replaces while
/// the walk runs can lead it out of the tree: each step starts from a descriptor already inside it.
/// </summary>
/// <remarks>
/// Like Docker's <c>pkg/archive</c> (which walks with <c>lstat</c> and archives whatever is mounted below the
/// root), the walk does not stop at mount points; it refuses a directory that is its own ancestor, which only a
/// bind mount can make, and a tree deeper than <see cref="MaxDepth"/> levels. Entries come in the ordinal order
/// of their full paths, the order layer tars are written in, one directory listing in memory per level.
/// </remarks>
internal sealed class DirectoryTree : IDisposable
{
    /// <summary>The name of the depth limit in errors.</summary>
    public const string MaxDepthLimit = nameof(ImageFormatLimits.MaxWalkDepth);

    private readonly SafeFileHandle _root;
    private readonly List<(string Name, SafeFileHandle Handle)> _found = [];

    private DirectoryTree(string path, SafeFileHandle root, FileStatus status, int maxDepth)
    {
        Path = path;
        _root = root;
        RootStatus = status;
        MaxDepth = maxDepth;
    }

    /// <summary>The root's full path, for messages.</summary>
    public string Path { get; }

    /// <summary>What <c>fstat</c> says about the root.</summary>
    public FileStatus RootStatus { get; }

    /// <summary>The most path components an entry may have.</summary>
    public int MaxDepth { get; }

    /// <summary>Opens the tree at <paramref name="directory"/> (links in that path itself are followed: the caller names its root).</summary>
    /// <exception cref="PlatformNotSupportedException">Not running on Linux.</exception>
    /// <exception cref="DirectoryNotFoundException">There is no directory there.</exception>
    public static DirectoryTree Open(string directory, int maxDepth = ImageFormatLimits.DefaultMaxWalkDepth)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDepth, 1);
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Reading a directory tree through descriptors needs Linux.");
        }

        string full = System.IO.Path.GetFullPath(directory);
        full = full.Length > 1 ? full.TrimEnd('/') : full;
        SafeFileHandle root = NativeAt.OpenRootDirectory(full);
        try
        {
            return new DirectoryTree(full, root, NativeAt.StatHandle(root, full), maxDepth);
        }
        catch
        {
            root.Dispose();
            throw;
        }
    }

    /// <summary>Opens the tree whose root is the directory <paramref name="rootFd"/> already refers to (any descriptor, <c>O_PATH</c> included; the caller keeps it).</summary>
    /// <param name="rootFd">The root's descriptor.</param>
    /// <param name="display">How messages name the root.</param>
    /// <param name="maxDepth">The most path components an entry may have.</param>
    public static DirectoryTree OpenAt(int rootFd, string display, int maxDepth)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDepth, 1);
        var root = new SafeFileHandle(NativeAt.OpenAtOrThrow(rootFd, ".", NativeAt.O_RDONLY | NativeAt.O_DIRECTORY), ownsHandle: true);
        try
        {
            return new DirectoryTree(display, root, NativeAt.StatHandle(root, display), maxDepth);
        }
        catch
        {
            root.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Every entry below the root (the root itself left out), in the ordinal order of their paths. An entry is
    /// valid until the enumeration moves on. Entries that vanish while the walk runs are left out.
    /// </summary>
    /// <exception cref="LimitExceededException">An entry is deeper than <see cref="MaxDepth"/>.</exception>
    /// <exception cref="ImageFormatException">A directory changed while being read (<see cref="ErrorCodes.TreeChanged"/>) or is its own ancestor (<see cref="ErrorCodes.TreeLoop"/>).</exception>
    /// <exception cref="IOException">A system call failed.</exception>
    public IEnumerable<TreeEntry> Walk()
    {
        var frames = new Stack<Frame>();
        var ancestors = new HashSet<(uint, uint, ulong)> { Identity(RootStatus) };
        frames.Push(new Frame(_root, Owned: false, "", 0, Identity(RootStatus), ReadItems(_root, "", 0)));
        try
        {
            while (frames.Count > 0)
            {
                Frame frame = frames.Peek();
                if (frame.Next == frame.Items.Count)
                {
                    frames.Pop();
                    ancestors.Remove(frame.Identity);
                    if (frame.Owned)
                    {
                        frame.Handle.Dispose();
                    }

                    continue;
                }

                Item item = frame.Items[frame.Next++];
                string path = frame.Path.Length == 0 ? item.Text : frame.Path + "/" + item.Text;
                if (!item.Descend)
                {
                    yield return new TreeEntry(frame.Handle, item.Name, path, item.Text, item.Status);
                    continue;
                }

                SafeFileHandle? child = OpenListedDirectory(frame.Handle, item, path);
                if (child is null)
                {
                    continue;
                }

                (uint, uint, ulong) identity = Identity(item.Status);
                if (!ancestors.Add(identity))
                {
                    child.Dispose();
                    throw new ImageFormatException(ErrorCodes.TreeLoop, $"{Display(path)}: the directory is its own ancestor (a bind mount loop); the walk stops here");
                }

                try
                {
                    frames.Push(new Frame(child, Owned: true, path, frame.Depth + 1, identity, ReadItems(child, path, frame.Depth + 1)));
                }
                catch
                {
                    ancestors.Remove(identity);
                    child.Dispose();
                    throw;
                }
            }
        }
        finally
        {
            while (frames.Count > 0)
            {
                Frame frame = frames.Pop();
                if (frame.Owned)
                {
                    frame.Handle.Dispose();
                }
            }
        }
    }

    /// <summary>
    /// The entry at <paramref name="relativePath"/> (components separated by <c>/</c>), reached one component at a
    /// time from the root, each directory opened with <c>O_NOFOLLOW</c>: a path through a symbolic link is not
    /// there. The entry is valid until the next call. Descriptors of the last path's directories are kept, so
    /// looking up paths in sorted order opens each directory once.
    /// </summary>
    /// <returns>The entry, or <see langword="null"/> when nothing is there or a parent is not a directory.</returns>
    /// <exception cref="ArgumentException">A component is empty, <c>.</c> or <c>..</c>.</exception>
    public TreeEntry? Find(string relativePath)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        string[] parts = relativePath.Split('/');
        foreach (string part in parts)
        {
            if (part.Length == 0 || part == "." || part == ".." || part.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException($"Not a path of plain components inside the tree: {relativePath}", nameof(relativePath));
            }
        }

        if (parts.Length > MaxDepth)
        {
            throw new LimitExceededException(Display(relativePath), MaxDepthLimit, MaxDepth, parts.Length);
        }

        int common = 0;
        while (common < _found.Count && common < parts.Length - 1 && string.Equals(_found[common].Name, parts[common], StringComparison.Ordinal))
        {
            common++;
        }

        CloseFound(common);
        SafeFileHandle parent = common == 0 ? _root : _found[common - 1].Handle;
        for (int i = common; i < parts.Length - 1; i++)
        {
            SafeFileHandle? next = NativeAt.OpenDirectoryAt(parent, NameBytes(parts[i]), out int errno);
            if (next is null)
            {
                if (errno is NativeAt.ENOENT or NativeAt.ENOTDIR or NativeAt.ELOOP)
                {
                    return null;
                }

                throw NativeAt.Error("openat", Display(string.Join('/', parts[..(i + 1)])), errno);
            }

            _found.Add((parts[i], next));
            parent = next;
        }

        byte[] name = NameBytes(parts[^1]);
        FileStatus? status = NativeAt.StatAt(parent, name, out int statErrno);
        if (status is null)
        {
            return statErrno is NativeAt.ENOENT or NativeAt.ENOTDIR ? null : throw NativeAt.Error("statx", Display(relativePath), statErrno);
        }

        return new TreeEntry(parent, name, string.Join('/', parts), parts[^1], status.Value);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        CloseFound(0);
        _root.Dispose();
    }

    /// <summary>A name as the NUL-terminated bytes the kernel takes.</summary>
    internal static byte[] NameBytes(string name)
    {
        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(name) + 1];
        Encoding.UTF8.GetBytes(name, bytes);
        return bytes;
    }

    internal static (uint, uint, ulong) Identity(FileStatus status) => (status.DevMajor, status.DevMinor, status.Inode);

    internal static ImageFormatException Changed(string what, string how) =>
        new(ErrorCodes.TreeChanged, $"{what}: changed while being read ({how}); nothing was followed, read it again once it is left alone");

    private string Display(string relativePath) => (Path == "/" ? "" : Path) + "/" + relativePath;

    private void CloseFound(int keep)
    {
        for (int i = _found.Count - 1; i >= keep; i--)
        {
            _found[i].Handle.Dispose();
            _found.RemoveAt(i);
        }
    }

    private SafeFileHandle? OpenListedDirectory(SafeFileHandle parent, Item item, string path)
    {
        SafeFileHandle? child = NativeAt.OpenDirectoryAt(parent, item.Name, out int errno);
        if (child is null)
        {
            return errno switch
            {
                NativeAt.ENOENT => null,
                NativeAt.ELOOP or NativeAt.ENOTDIR => throw Changed(Display(path), "listed as a directory, no longer one"),
                _ => throw NativeAt.Error("openat", Display(path), errno),
            };
        }

        FileStatus opened = NativeAt.StatHandle(child, Display(path));
        if (Identity(opened) != Identity(item.Status))
        {
            child.Dispose();
            throw Changed(Display(path), "replaced by another directory");
        }

        return child;
    }

    private List<Item> ReadItems(SafeFileHandle directory, string path, int depth)
    {
        string display = path.Length == 0 ? Path : Display(path);
        List<byte[]> names = NativeAt.ReadNames(directory, display);
        if (names.Count > 0 && depth + 1 > MaxDepth)
        {
            throw new LimitExceededException(display, MaxDepthLimit, MaxDepth, depth + 1);
        }

        var items = new List<Item>(names.Count);
        foreach (byte[] name in names)
        {
            FileStatus? status = NativeAt.StatAt(directory, name, out int errno);
            if (status is null)
            {
                if (errno == NativeAt.ENOENT)
                {
                    continue;
                }

                throw NativeAt.Error("statx", display + "/" + Encoding.UTF8.GetString(name, 0, name.Length - 1), errno);
            }

            string text = Encoding.UTF8.GetString(name, 0, name.Length - 1);
            items.Add(new Item(text, text, name, status.Value, Descend: false));
            if (status.Value.IsDirectory)
            {
                // A directory's children sort after the directory itself and after siblings whose names extend
                // its name with a character below '/', exactly as the ordinal order of full paths puts them.
                items.Add(new Item(text + "/", text, name, status.Value, Descend: true));
            }
        }

        items.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return items;
    }

    private readonly record struct Item(string Key, string Text, byte[] Name, FileStatus Status, bool Descend);

    private sealed record Frame(SafeFileHandle Handle, bool Owned, string Path, int Depth, (uint, uint, ulong) Identity, List<Item> Items)
    {
        public int Next { get; set; }
    }
}
