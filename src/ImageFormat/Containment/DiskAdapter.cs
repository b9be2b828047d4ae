
namespace ImageFormat.Containment;

/// <summary>A node of a directory tree on disk: a directory descriptor (<c>O_PATH</c>), or -1 with what was seen.</summary>
/// <param name="Fd">For a directory, a descriptor opened <c>O_PATH | O_DIRECTORY | O_NOFOLLOW</c>; otherwise -1.</param>
/// <param name="Status">What <c>statx</c> said when the name was looked up.</param>
internal readonly record struct DiskNode(int Fd, FileStatus Status);

/// <summary>
/// The resolver's adapter for a directory tree on disk (a root being extracted, an OCI layout directory). A lookup is
/// <c>statx(dir, name, AT_SYMLINK_NOFOLLOW)</c> and, for a directory, <c>openat(dir, name, O_PATH | O_DIRECTORY |
/// O_NOFOLLOW)</c>: if the name was swapped for a link in between, the open fails instead of following it. For a
/// link, <c>readlinkat(dir, name)</c>. Every name is looked up in a descriptor, never through a host path.
/// </summary>
internal sealed class DiskAdapter : IFileSystemAdapter<DiskNode>
{
    /// <inheritdoc/>
    public NodeKind Lookup(DiskNode directory, string name, out DiskNode node, out string? linkTarget)
    {
        linkTarget = null;
        FileStatus? status = NativeAt.StatAt(directory.Fd, name);
        if (status is not { } found)
        {
            node = default;
            return NodeKind.Missing;
        }

        if (found.IsSymlink)
        {
            node = new DiskNode(-1, found);
            linkTarget = NativeAt.ReadLinkAt(directory.Fd, name);
            return NodeKind.Symlink;
        }

        if (!found.IsDirectory)
        {
            node = new DiskNode(-1, found);
            return NodeKind.Other;
        }

        int fd = NativeAt.OpenAt(directory.Fd, name, NativeAt.O_PATH | NativeAt.O_DIRECTORY | NativeAt.O_NOFOLLOW);
        if (fd < 0)
        {
            throw NativeAt.Error("openat", name, -fd);
        }

        node = new DiskNode(fd, found);
        return NodeKind.Directory;
    }

    /// <inheritdoc/>
    public void Release(DiskNode node) => NativeAt.Close(node.Fd);
}
