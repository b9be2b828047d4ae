using System.Text;
using ImageFormat.Errors;
using ImageFormat.Layers;
using Microsoft.Win32.SafeHandles;

namespace ImageFormat.Containment;

/// <summary>
/// Removes a subtree through descriptors, never following a link: a symbolic link is unlinked (whatever it points
/// at stays untouched), a directory is opened with <c>O_NOFOLLOW | O_DIRECTORY</c> relative to its parent's
/// descriptor, emptied with <c>unlinkat</c> on that descriptor, then removed from its parent. A directory on
/// another file system (a mount point) is refused rather than emptied, and depth is bounded as in
/// <see cref="DirectoryTree"/>.
/// </summary>
internal static class TreeRemoval
{
    /// <summary>Removes <paramref name="name"/> inside <paramref name="parentDirectory"/> and everything below it; nothing when it is absent.</summary>
    /// <param name="parentDirectory">The directory holding it (the caller's own path; links in it are followed).</param>
    /// <param name="name">One path component.</param>
    /// <param name="maxDepth">The deepest level entered below it.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not one plain component.</exception>
    /// <exception cref="ImageFormatException">A mount point below it (<see cref="ErrorCodes.TreeCrossesMount"/>), or something changed while it was removed (<see cref="ErrorCodes.TreeChanged"/>).</exception>
    /// <exception cref="LimitExceededException">It is deeper than <paramref name="maxDepth"/>.</exception>
    /// <exception cref="PlatformNotSupportedException">Not running on Linux.</exception>
    /// <exception cref="IOException">A system call failed.</exception>
    public static void RemoveSubtree(string parentDirectory, string name, int maxDepth = DirectoryTree.DefaultMaxDepth)
    {
        ArgumentNullException.ThrowIfNull(parentDirectory);
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name is "." or ".." || name.Contains('/', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"Not one plain path component: {name}", nameof(name));
        }

        if (!Native.IsSupported)
        {
            throw new PlatformNotSupportedException("Removing a tree through descriptors needs Linux.");
        }

        string full = Path.GetFullPath(parentDirectory);
        if (!Directory.Exists(full))
        {
            return;
        }

        using SafeFileHandle root = Native.Walk.OpenRootDirectory(full);
        string display = full.TrimEnd('/') + "/" + name;
        byte[] nameBytes = DirectoryTree.NameBytes(name);
        FileStatus? status = Native.Walk.StatAt(root, nameBytes, out int errno);
        if (status is null)
        {
            if (errno == Native.ENOENT)
            {
                return;
            }

            throw Native.Walk.Failure("statx", display, errno);
        }

        if (!status.Value.IsDirectory)
        {
            Unlink(root, nameBytes, directory: false, display);
            return;
        }

        (uint Major, uint Minor) device = (status.Value.DevMajor, status.Value.DevMinor);
        var frames = new Stack<Frame>();
        try
        {
            frames.Push(Enter(root, nameBytes, status.Value, display, device));
            while (frames.Count > 0)
            {
                Frame frame = frames.Peek();
                if (frame.Next == frame.Names.Count)
                {
                    frames.Pop();
                    frame.Handle.Dispose();
                    SafeFileHandle holder = frames.Count > 0 ? frames.Peek().Handle : root;
                    Unlink(holder, frame.Name, directory: true, frame.Display);
                    continue;
                }

                byte[] child = frame.Names[frame.Next++];
                string childDisplay = frame.Display + "/" + Encoding.UTF8.GetString(child, 0, child.Length - 1);
                FileStatus? childStatus = Native.Walk.StatAt(frame.Handle, child, out int childErrno);
                if (childStatus is null)
                {
                    if (childErrno == Native.ENOENT)
                    {
                        continue;
                    }

                    throw Native.Walk.Failure("statx", childDisplay, childErrno);
                }

                if (!childStatus.Value.IsDirectory)
                {
                    Unlink(frame.Handle, child, directory: false, childDisplay);
                    continue;
                }

                if (frames.Count + 1 > maxDepth)
                {
                    throw new LimitExceededException(childDisplay, DirectoryTree.MaxDepthLimit, maxDepth, frames.Count + 1);
                }

                frames.Push(Enter(frame.Handle, child, childStatus.Value, childDisplay, device));
            }
        }
        finally
        {
            while (frames.Count > 0)
            {
                frames.Pop().Handle.Dispose();
            }
        }
    }

    private static Frame Enter(SafeFileHandle parent, byte[] name, FileStatus status, string display, (uint Major, uint Minor) device)
    {
        if ((status.DevMajor, status.DevMinor) != device)
        {
            throw new ImageFormatException(ErrorCodes.TreeCrossesMount, $"{display}: another file system is mounted here; unmount it, then remove again (nothing below it was touched)");
        }

        SafeFileHandle? handle = Native.Walk.OpenDirectoryAt(parent, name, out int errno);
        if (handle is null)
        {
            throw errno is Native.Walk.ELOOP or Native.Walk.ENOTDIR
                ? DirectoryTree.Changed(display, "listed as a directory, no longer one")
                : Native.Walk.Failure("openat", display, errno);
        }

        try
        {
            FileStatus opened = Native.Walk.StatHandle(handle, display);
            if (DirectoryTree.Identity(opened) != DirectoryTree.Identity(status))
            {
                throw DirectoryTree.Changed(display, "replaced by another directory");
            }

            if ((opened.Permissions & 0x1C0) != 0x1C0)
            {
                // Only the owner's rwx matter for emptying it; the directory goes away afterwards.
                int chmodErrno = Native.Walk.ChmodHandle(handle, opened.Permissions | 0x1C0);
                if (chmodErrno != 0 && chmodErrno != Native.EPERM)
                {
                    throw Native.Walk.Failure("fchmod", display, chmodErrno);
                }
            }

            return new Frame(handle, name, display, Native.Walk.ReadNames(handle, display));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static void Unlink(SafeFileHandle parent, byte[] name, bool directory, string display)
    {
        int errno = Native.Walk.UnlinkAt(parent, name, directory);
        if (errno != 0 && errno != Native.ENOENT)
        {
            throw Native.Walk.Failure(directory ? "unlinkat(AT_REMOVEDIR)" : "unlinkat", display, errno);
        }
    }

    private sealed record Frame(SafeFileHandle Handle, byte[] Name, string Display, List<byte[]> Names)
    {
        public int Next { get; set; }
    }
}
