using System.Text;
using ImageFormat.Errors;
using Microsoft.Win32.SafeHandles;

namespace ImageFormat.Containment;

/// <summary>
/// The one subtree removal of the library (container rm, the store's tmp/ cleanup, and extraction's whiteouts,
/// opaque whiteouts and replacements through <see cref="DiskTree.RemoveSubtree"/>). It works through descriptors
/// and never follows a link: a symbolic link is unlinked (whatever it points at stays untouched), a directory is
/// opened with <c>O_NOFOLLOW | O_DIRECTORY</c> relative to its parent's descriptor (made owner-searchable first
/// through an <c>O_PATH</c> descriptor when it is not), checked to be the directory just stated, emptied with
/// <c>unlinkat</c> on that descriptor, then removed from its parent. It keeps an explicit stack (no recursion) whose
/// depth is bounded by <see cref="ImageFormatLimits.MaxWalkDepth"/>. A directory below it on another file system (a
/// mount point) is refused (<see cref="ErrorCodes.TreeCrossesMount"/>) rather than emptied; extraction is held to
/// the same rule: an extraction root never holds a mount point in what Docker unpacks (its graph drivers unpack
/// into a fresh directory), so meeting one means someone mounted something there, and emptying it would delete
/// another file system's content.
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
    public static void RemoveSubtree(string parentDirectory, string name, int maxDepth = ImageFormatLimits.DefaultMaxWalkDepth)
    {
        ArgumentNullException.ThrowIfNull(parentDirectory);
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name is "." or ".." || name.Contains('/', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"Not one plain path component: {name}", nameof(name));
        }

        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Removing a tree through descriptors needs Linux.");
        }

        string full = Path.GetFullPath(parentDirectory);
        if (!Directory.Exists(full))
        {
            return;
        }

        using SafeFileHandle root = NativeAt.OpenRootDirectory(full);
        string display = full.TrimEnd('/') + "/" + name;
        byte[] nameBytes = DirectoryTree.NameBytes(name);
        FileStatus? status = NativeAt.StatAt(root, nameBytes, out int errno);
        if (status is null)
        {
            if (errno == NativeAt.ENOENT)
            {
                return;
            }

            throw NativeAt.Error("statx", display, errno);
        }

        RemoveEntry(root, nameBytes, status.Value, display, maxDepth);
    }

    /// <summary>Removes the entry <paramref name="nameZ"/> of the open directory <paramref name="parent"/>, just stated as <paramref name="status"/>, and everything below it.</summary>
    /// <param name="parent">The directory holding it.</param>
    /// <param name="nameZ">One path component, NUL-terminated.</param>
    /// <param name="status">Its status, not following it.</param>
    /// <param name="display">How errors name it.</param>
    /// <param name="maxDepth">The deepest level entered below it.</param>
    public static void RemoveEntry(SafeFileHandle parent, byte[] nameZ, FileStatus status, string display, int maxDepth)
    {
        if (!status.IsDirectory)
        {
            Unlink(parent, nameZ, directory: false, display);
            return;
        }

        (uint Major, uint Minor) device = (status.DevMajor, status.DevMinor);
        var frames = new Stack<Frame>();
        try
        {
            frames.Push(Enter(parent, nameZ, status, display, device));
            while (frames.Count > 0)
            {
                Frame frame = frames.Peek();
                if (frame.Next == frame.Names.Count)
                {
                    frames.Pop();
                    frame.Handle.Dispose();
                    SafeFileHandle holder = frames.Count > 0 ? frames.Peek().Handle : parent;
                    Unlink(holder, frame.Name, directory: true, frame.Display);
                    continue;
                }

                byte[] child = frame.Names[frame.Next++];
                string childDisplay = frame.Display + "/" + Encoding.UTF8.GetString(child, 0, child.Length - 1);
                FileStatus? childStatus = NativeAt.StatAt(frame.Handle, child, out int childErrno);
                if (childStatus is null)
                {
                    if (childErrno == NativeAt.ENOENT)
                    {
                        continue;
                    }

                    throw NativeAt.Error("statx", childDisplay, childErrno);
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

        if ((status.Permissions & 0x1C0) != 0x1C0)
        {
            // Only the owner's rwx matter for emptying it; the directory goes away afterwards. Set through an
            // O_PATH descriptor, so that a directory the owner cannot read can still be opened below.
            int chmodErrno = NativeAt.ChmodAt(parent, name, status.Permissions | 0x1C0);
            if (chmodErrno is not (0 or NativeAt.EPERM))
            {
                throw NativeAt.Error("chmod", display, chmodErrno);
            }
        }

        SafeFileHandle? handle = NativeAt.OpenDirectoryAt(parent, name, out int errno);
        if (handle is null)
        {
            throw errno is NativeAt.ELOOP or NativeAt.ENOTDIR
                ? DirectoryTree.Changed(display, "listed as a directory, no longer one")
                : NativeAt.Error("openat", display, errno);
        }

        try
        {
            FileStatus opened = NativeAt.StatHandle(handle, display);
            if (DirectoryTree.Identity(opened) != DirectoryTree.Identity(status))
            {
                throw DirectoryTree.Changed(display, "replaced by another directory");
            }

            return new Frame(handle, name, display, NativeAt.ReadNames(handle, display));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static void Unlink(SafeFileHandle parent, byte[] name, bool directory, string display)
    {
        int errno = NativeAt.UnlinkAt(parent, name, directory);
        if (errno != 0 && errno != NativeAt.ENOENT)
        {
            throw NativeAt.Error(directory ? "unlinkat(AT_REMOVEDIR)" : "unlinkat", display, errno);
        }
    }

    private sealed record Frame(SafeFileHandle Handle, byte[] Name, string Display, List<byte[]> Names)
    {
        public int Next { get; set; }
    }
}
