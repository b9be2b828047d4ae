using System.Runtime.InteropServices;
using ImageFormat.Containment;

namespace ImageFormat.Layers;

/// <summary>
/// The few libc calls the managed file APIs lack: operations that must not follow a final symbolic link
/// (lchown, utimensat with AT_SYMLINK_NOFOLLOW, lsetxattr), device nodes, hard links, and a stat that reports
/// owner, device and nanosecond times. Linux only; callers check <see cref="IsSupported"/> first.
/// </summary>
internal static partial class Native
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;

    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EEXIST = 17;
    public const int ENODATA = 61;
    public const int EOPNOTSUPP = 95;
    public const int ERANGE = 34;

    public const int S_IFMT = FileModes.S_IFMT;
    public const int S_IFIFO = FileModes.S_IFIFO;
    public const int S_IFCHR = FileModes.S_IFCHR;
    public const int S_IFDIR = FileModes.S_IFDIR;
    public const int S_IFBLK = FileModes.S_IFBLK;
    public const int S_IFREG = FileModes.S_IFREG;
    public const int S_IFLNK = FileModes.S_IFLNK;
    public const int S_IFSOCK = FileModes.S_IFSOCK;

    /// <summary>Whether these calls are available (Linux).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>The effective user ID, to decide whether ownership can be applied.</summary>
    public static uint EffectiveUserId => geteuid();

    /// <summary>Stats <paramref name="path"/> without following a final symbolic link.</summary>
    /// <returns>The status, or <see langword="null"/> when nothing exists there.</returns>
    /// <exception cref="IOException">The call failed for another reason than a missing path.</exception>
    public static FileStatus? LStat(string path) => Containment.NativeAt.StatAt(AtFdCwd, path);

    /// <summary>Changes the owner of <paramref name="path"/> itself, never of what a symbolic link points at.</summary>
    public static void LChown(string path, long uid, long gid)
    {
        if (lchown(path, (uint)uid, (uint)gid) != 0)
        {
            throw Error("lchown", path, Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>Sets access and modification times of <paramref name="path"/> itself (symbolic links included).</summary>
    public static void LSetTimes(string path, DateTimeOffset accessTime, DateTimeOffset modificationTime)
    {
        Span<long> times = stackalloc long[4];
        (times[0], times[1]) = Containment.NativeAt.ToTimespec(accessTime);
        (times[2], times[3]) = Containment.NativeAt.ToTimespec(modificationTime);
        if (utimensat(AtFdCwd, path, ref MemoryMarshal.GetReference(times), AtSymlinkNoFollow) != 0)
        {
            throw Error("utimensat", path, Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>Sets an extended attribute on <paramref name="path"/> itself.</summary>
    /// <returns>0, or the errno when the file system or privileges refuse it (EPERM, EOPNOTSUPP).</returns>
    public static int LSetXattr(string path, string name, ReadOnlySpan<byte> value)
    {
        if (lsetxattr(path, name, ref MemoryMarshal.GetReference(value.IsEmpty ? [0] : value), (nuint)value.Length, 0) == 0)
        {
            return 0;
        }

        int errno = Marshal.GetLastPInvokeError();
        if (errno is EPERM or EOPNOTSUPP or 13 /* EACCES */)
        {
            return errno;
        }

        throw Error("lsetxattr", path, errno);
    }

    /// <summary>Lists and reads the extended attributes of <paramref name="path"/> itself, sorted by name.</summary>
    public static SortedDictionary<string, byte[]> LGetXattrs(string path) =>
        Containment.NativeAt.GetXattrs(path);

    /// <summary>Creates a device node or fifo.</summary>
    /// <returns>0, or EPERM when the process may not create device nodes.</returns>
    public static int MkNod(string path, int type, int permissions, int major, int minor)
    {
        ulong dev = Containment.NativeAt.MakeDev((uint)major, (uint)minor);
        if (mknod(path, (uint)(type | (permissions & 0xFFF)), dev) == 0)
        {
            return 0;
        }

        int errno = Marshal.GetLastPInvokeError();
        if (errno is EPERM or 13)
        {
            return errno;
        }

        throw Error("mknod", path, errno);
    }

    /// <summary>Creates a hard link without following a symbolic link at <paramref name="existing"/>.</summary>
    public static void Link(string existing, string newPath) => Containment.NativeAt.LinkAt(AtFdCwd, existing, AtFdCwd, newPath);

    /// <summary>Creates a symbolic link holding exactly <paramref name="target"/>.</summary>
    public static void Symlink(string target, string path)
    {
        if (symlink(target, path) != 0)
        {
            throw Error("symlink", path, Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>Removes a file, link or empty directory (never following a link).</summary>
    public static void Remove(string path, bool directory) => Containment.NativeAt.UnlinkAt(AtFdCwd, path, directory);

    /// <summary>Creates a directory with the given permissions (the umask applies; callers chmod afterwards).</summary>
    /// <returns>Whether it was created (false when something already exists there).</returns>
    public static bool MkDir(string path, int permissions)
    {
        if (mkdir(path, (uint)permissions) == 0)
        {
            return true;
        }

        int errno = Marshal.GetLastPInvokeError();
        if (errno == EEXIST)
        {
            return false;
        }

        throw Error("mkdir", path, errno);
    }

    /// <summary>Sets the permission bits (setuid, setgid and sticky included) of a file that is not a symbolic link.</summary>
    public static void Chmod(string path, int mode)
    {
        if (fchmodat(AtFdCwd, path, (uint)(mode & 0xFFF), 0) != 0)
        {
            throw Error("chmod", path, Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>Reads a symbolic link's target exactly as stored.</summary>
    public static string ReadLink(string path) => Containment.NativeAt.ReadLinkAt(AtFdCwd, path);

    private static IOException Error(string call, string path, int errno) => Containment.NativeAt.Error(call, path, errno);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lchown(string path, uint uid, uint gid);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int utimensat(int dirfd, string path, ref long times, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lsetxattr(string path, string name, ref byte value, nuint size, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mknod(string path, uint mode, ulong dev);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int symlink(string target, string linkpath);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mkdir(string path, uint mode);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int fchmodat(int dirfd, string path, uint mode, int flags);

    [LibraryImport("libc")]
    private static partial uint geteuid();
}
