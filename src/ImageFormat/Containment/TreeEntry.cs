using Microsoft.Win32.SafeHandles;

namespace ImageFormat.Containment;

/// <summary>
/// One entry of a <see cref="DirectoryTree"/>: its path, what <c>statx</c> said about it without following it,
/// and the reads that go through its directory's descriptor. Valid while the walk or lookup that produced it is on it.
/// </summary>
internal sealed class TreeEntry
{
    private readonly SafeFileHandle _parent;
    private readonly byte[] _name;

    internal TreeEntry(SafeFileHandle parent, byte[] name, string path, string text, FileStatus status)
    {
        _parent = parent;
        _name = name;
        Path = path;
        Name = text;
        Status = status;
    }

    /// <summary>The path below the root, components separated by <c>/</c>, no leading or trailing slash.</summary>
    public string Path { get; }

    /// <summary>The last component of <see cref="Path"/>: the entry's name in its directory.</summary>
    public string Name { get; }

    /// <summary>The entry itself (for a link, the link).</summary>
    public FileStatus Status { get; }

    /// <summary>The target of a symbolic link, exactly as stored (never resolved).</summary>
    public string ReadLink() => NativeAt.ReadLinkAt(_parent, _name, Path);

    /// <summary>One extended attribute of the entry itself, or <see langword="null"/> when it has none by that name.</summary>
    public byte[]? ReadXattr(string attribute) => NativeAt.GetXattrAt(_parent, _name, attribute, Path);

    /// <summary>Every extended attribute of the entry itself, sorted by name.</summary>
    public SortedDictionary<string, byte[]> ReadXattrs() => NativeAt.GetXattrsAt(_parent, _name, Path);

    /// <summary>
    /// Opens a regular file's content: <c>O_NOFOLLOW | O_NONBLOCK</c> relative to its directory, then <c>fstat</c>
    /// proves it is the regular file that was listed (same device and inode), so neither a link nor a FIFO put
    /// there since is ever read.
    /// </summary>
    /// <exception cref="Errors.ImageFormatException">It is no longer that regular file (<see cref="Errors.ErrorCodes.TreeChanged"/>).</exception>
    /// <exception cref="IOException">It cannot be opened.</exception>
    public FileStream OpenRead()
    {
        SafeFileHandle? handle = NativeAt.OpenFileAt(_parent, _name, out int errno);
        if (handle is null)
        {
            throw errno is NativeAt.ELOOP or NativeAt.ENOENT
                ? DirectoryTree.Changed(Path, errno == NativeAt.ENOENT ? "it vanished" : "it became a symbolic link")
                : NativeAt.Error("openat", Path, errno);
        }

        try
        {
            FileStatus opened = NativeAt.StatHandle(handle, Path);
            if (opened.Type != FileModes.S_IFREG || DirectoryTree.Identity(opened) != DirectoryTree.Identity(Status))
            {
                throw DirectoryTree.Changed(Path, "it is no longer the regular file listed");
            }

            return new FileStream(handle, FileAccess.Read, bufferSize: 0);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }
}
