using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace ImageFormat.Containment;

/// <summary>
/// The descriptor-relative libc calls containment is built on (Linux): every name is looked up in a directory
/// descriptor obtained by a verified walk, never as a host path. See the man pages openat(2), openat2(2), statx(2),
/// mkdirat(2), symlinkat(2), linkat(2), mknodat(2), unlinkat(2), fchownat(2), utimensat(2), getdents64(2).
/// </summary>
internal static partial class NativeAt
{
    public const int O_RDONLY = 0;
    public const int O_WRONLY = 1;
    public const int O_CREAT = 0x40;
    public const int O_EXCL = 0x80;
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;
    public const int O_PATH = 0x200000;

    // Two of the open flags used here differ between Linux architectures (asm-generic/fcntl.h against the arm and
    // powerpc headers); the others above are the same on all of them. With x86's values on arm64, "O_NOFOLLOW" is
    // O_LARGEFILE there and a final symbolic link would be followed.
    private static readonly Architecture s_architecture = RuntimeInformation.ProcessArchitecture;

    /// <summary>Fail unless the name is a directory.</summary>
    public static readonly int O_DIRECTORY = s_architecture is Architecture.Arm64 or Architecture.Arm or Architecture.Ppc64le ? 0x4000 : 0x10000;

    /// <summary>Fail (<c>ELOOP</c>) when the last component is a symbolic link.</summary>
    public static readonly int O_NOFOLLOW = s_architecture is Architecture.Arm64 or Architecture.Arm or Architecture.Ppc64le ? 0x8000 : 0x20000;

    public const int AT_FDCWD = -100;
    public const int AT_SYMLINK_NOFOLLOW = 0x100;
    public const int AT_REMOVEDIR = 0x200;
    public const int AT_EMPTY_PATH = 0x1000;

    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EACCES = 13;
    public const int EEXIST = 17;
    public const int ENOTDIR = 20;
    public const int EINVAL = 22;
    public const int ENAMETOOLONG = 36;
    public const int ELOOP = 40;
    public const int ENOSYS = 38;
    public const int EOPNOTSUPP = 95;
    public const int EXDEV = 18;
    public const int EAGAIN = 11;
    public const int ERANGE = 34;
    public const int ENOTEMPTY = 39;
    public const int ENODATA = 61;

    public const ulong RESOLVE_NO_XDEV = 0x01;
    public const ulong RESOLVE_NO_MAGICLINKS = 0x02;
    public const ulong RESOLVE_NO_SYMLINKS = 0x04;
    public const ulong RESOLVE_BENEATH = 0x08;
    public const ulong RESOLVE_IN_ROOT = 0x10;

    private const uint StatxBasicStats = 0x7ff;
    private const int StatxBufferSize = 256;

    // 0: not probed yet, 1: openat2 works, -1: the kernel lacks it (ENOSYS), probed once per process.
    private static int s_openat2;

    // 0: getxattrat and listxattrat are tried; -1: one was refused (XattrAtRefused), so the /proc paths are used.
    private static int s_xattrAt;

    /// <summary>Opens <paramref name="path"/> relative to <paramref name="dirfd"/>.</summary>
    /// <returns>The descriptor, or -errno.</returns>
    public static int OpenAt(int dirfd, string path, int flags, int mode = 0)
    {
        byte[] name = Utf8Z(path);
        int fd = openat(dirfd, ref name[0], flags | O_CLOEXEC, (uint)mode);
        return fd >= 0 ? fd : -Marshal.GetLastPInvokeError();
    }

    /// <summary>Opens like <see cref="OpenAt"/> and throws on failure.</summary>
    public static int OpenAtOrThrow(int dirfd, string path, int flags, int mode = 0)
    {
        int fd = OpenAt(dirfd, path, flags, mode);
        return fd >= 0 ? fd : throw Error("openat", path, -fd);
    }

    /// <summary>Whether the kernel has <c>openat2</c> (probed once: ENOSYS means no).</summary>
    public static bool HasOpenat2
    {
        get
        {
            if (s_openat2 == 0)
            {
                int fd = OpenAt2(AT_FDCWD, "/", O_PATH, RESOLVE_NO_MAGICLINKS);
                s_openat2 = fd == -ENOSYS ? -1 : 1;
                if (fd >= 0)
                {
                    Close(fd);
                }
            }

            return s_openat2 > 0;
        }
    }

    /// <summary><c>openat2(dirfd, path, {flags, 0, resolve})</c>.</summary>
    /// <returns>The descriptor, or -errno.</returns>
    public static int OpenAt2(int dirfd, string path, int flags, ulong resolve)
    {
        Span<ulong> how = [(ulong)(flags | O_CLOEXEC), 0, resolve];
        byte[] name = Utf8Z(path);
        long fd = syscall_openat2(Openat2SyscallNumber, dirfd, ref name[0], ref MemoryMarshal.GetReference(how), 24);
        return fd >= 0 ? (int)fd : -Marshal.GetLastPInvokeError();
    }

    /// <summary>Closes a descriptor (errors ignored: nothing can be done about them).</summary>
    public static void Close(int fd)
    {
        if (fd >= 0)
        {
            _ = close(fd);
        }
    }

    /// <summary>Stats <paramref name="name"/> in <paramref name="dirfd"/> without following it; with an empty name, the descriptor itself.</summary>
    /// <returns>The status, or <see langword="null"/> when nothing exists there.</returns>
    /// <remarks>A name longer than the file system allows (<c>ENAMETOOLONG</c>) cannot exist, so it is absent too.</remarks>
    public static FileStatus? StatAt(int dirfd, string name)
    {
        FileStatus? status = Statx(dirfd, Utf8Z(name), out int errno);
        return status is not null || errno is ENOENT or ENOTDIR or ENAMETOOLONG ? status : throw Error("statx", name, errno);
    }

    /// <summary>Stats <paramref name="nameZ"/> (NUL-terminated) in <paramref name="dirfd"/> without following it; an empty name (a lone NUL) stats the descriptor itself.</summary>
    /// <returns>The status, or <see langword="null"/> with <paramref name="errno"/> set.</returns>
    private static FileStatus? Statx(int dirfd, ReadOnlySpan<byte> nameZ, out int errno)
    {
        Span<byte> buffer = stackalloc byte[StatxBufferSize];
        buffer.Clear();
        int flags = AT_SYMLINK_NOFOLLOW | (nameZ[0] == 0 ? AT_EMPTY_PATH : 0);
        if (statx(dirfd, ref MemoryMarshal.GetReference(nameZ), flags, StatxBasicStats, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return null;
        }

        errno = 0;
        return new FileStatus(
            Nlink: BinaryPrimitives.ReadUInt32LittleEndian(buffer[16..]),
            Uid: BinaryPrimitives.ReadUInt32LittleEndian(buffer[20..]),
            Gid: BinaryPrimitives.ReadUInt32LittleEndian(buffer[24..]),
            Mode: BinaryPrimitives.ReadUInt16LittleEndian(buffer[28..]),
            Inode: BinaryPrimitives.ReadUInt64LittleEndian(buffer[32..]),
            Size: BinaryPrimitives.ReadInt64LittleEndian(buffer[40..]),
            MtimeSeconds: BinaryPrimitives.ReadInt64LittleEndian(buffer[112..]),
            MtimeNanoseconds: BinaryPrimitives.ReadUInt32LittleEndian(buffer[120..]),
            RdevMajor: BinaryPrimitives.ReadUInt32LittleEndian(buffer[128..]),
            RdevMinor: BinaryPrimitives.ReadUInt32LittleEndian(buffer[132..]),
            DevMajor: BinaryPrimitives.ReadUInt32LittleEndian(buffer[136..]),
            DevMinor: BinaryPrimitives.ReadUInt32LittleEndian(buffer[140..]));
    }

    /// <summary>Reads the target of the symbolic link <paramref name="name"/> in <paramref name="dirfd"/> (empty name: the descriptor itself).</summary>
    public static string ReadLinkAt(int dirfd, string name) => ReadLinkAt(dirfd, Utf8Z(name), name);

    private static string ReadLinkAt(int dirfd, ReadOnlySpan<byte> nameZ, string what)
    {
        byte[] buffer = new byte[256];
        while (true)
        {
            nint length = readlinkat(dirfd, ref MemoryMarshal.GetReference(nameZ), ref buffer[0], (nuint)buffer.Length);
            if (length < 0)
            {
                throw Error("readlinkat", what, Marshal.GetLastPInvokeError());
            }

            if (length < buffer.Length)
            {
                return Encoding.UTF8.GetString(buffer, 0, (int)length);
            }

            buffer = new byte[buffer.Length * 4];
        }
    }

    /// <summary><c>mkdirat</c>.</summary>
    /// <returns>0 or the errno.</returns>
    public static int MkdirAt(int dirfd, string name, int mode) =>
        mkdirat(dirfd, name, (uint)mode) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary><c>symlinkat</c>.</summary>
    public static void SymlinkAt(string target, int dirfd, string name)
    {
        if (symlinkat(target, dirfd, name) != 0)
        {
            throw Error("symlinkat", name, Marshal.GetLastPInvokeError());
        }
    }

    /// <summary><c>linkat</c> without following a symbolic link at the source.</summary>
    public static void LinkAt(int olddirfd, string oldname, int newdirfd, string newname)
    {
        if (linkat(olddirfd, oldname, newdirfd, newname, 0) != 0)
        {
            throw Error("linkat", newname, Marshal.GetLastPInvokeError());
        }
    }

    /// <summary><c>mknodat</c>.</summary>
    /// <returns>0 or the errno.</returns>
    public static int MknodAt(int dirfd, string name, int mode, int major, int minor)
    {
        return mknodat(dirfd, name, (uint)mode, MakeDev((uint)major, (uint)minor)) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary><c>unlinkat</c>; a missing name is not an error.</summary>
    public static void UnlinkAt(int dirfd, string name, bool directory)
    {
        int errno = Unlink(dirfd, Utf8Z(name), directory);
        if (errno is not (0 or ENOENT))
        {
            throw Error("unlinkat", name, errno);
        }
    }

    private static int Unlink(int dirfd, ReadOnlySpan<byte> nameZ, bool directory) =>
        unlinkat(dirfd, ref MemoryMarshal.GetReference(nameZ), directory ? AT_REMOVEDIR : 0) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>Changes the owner of what <paramref name="fd"/> (any descriptor, <c>O_PATH</c> included) refers to, never following a link.</summary>
    public static void ChownFd(int fd, long uid, long gid)
    {
        if (fchownat(fd, string.Empty, (uint)uid, (uint)gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0)
        {
            throw Error("fchownat", "(descriptor)", Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>Sets the permission bits of the object <paramref name="fd"/> refers to (not a symbolic link).</summary>
    /// <param name="fd">A descriptor; an <c>O_PATH</c> one goes through <c>/proc/self/fd</c>, which names the object itself.</param>
    /// <param name="mode">The bits (setuid, setgid and sticky included).</param>
    /// <param name="pathOnly">Whether <paramref name="fd"/> was opened with <c>O_PATH</c>.</param>
    public static void ChmodFd(int fd, int mode, bool pathOnly)
    {
        int rc = pathOnly ? chmod(ProcFd(fd), (uint)(mode & 0xFFF)) : fchmod(fd, (uint)(mode & 0xFFF));
        if (rc != 0)
        {
            throw Error("chmod", "(descriptor)", Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>Sets access and modification times of the object <paramref name="fd"/> refers to (a symbolic link itself included).</summary>
    public static void SetTimesFd(int fd, DateTimeOffset accessTime, DateTimeOffset modificationTime, bool pathOnly)
    {
        Span<long> times = stackalloc long[4];
        (times[0], times[1]) = ToTimespec(accessTime);
        (times[2], times[3]) = ToTimespec(modificationTime);
        int rc = pathOnly
            ? utimensat(AT_FDCWD, ProcFd(fd), ref MemoryMarshal.GetReference(times), 0)
            : futimens(fd, ref MemoryMarshal.GetReference(times));
        if (rc != 0)
        {
            throw Error("utimensat", "(descriptor)", Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>Sets an extended attribute on the object <paramref name="fd"/> refers to.</summary>
    /// <returns>0, or the errno when the file system or privileges refuse it (EPERM, EOPNOTSUPP, EACCES).</returns>
    public static int SetXattrFd(int fd, string name, ReadOnlySpan<byte> value, bool pathOnly)
    {
        ref byte data = ref MemoryMarshal.GetReference(value.IsEmpty ? [0] : value);
        int rc = pathOnly
            ? setxattr(ProcFd(fd), name, ref data, (nuint)value.Length, 0)
            : fsetxattr(fd, name, ref data, (nuint)value.Length, 0);
        if (rc == 0)
        {
            return 0;
        }

        int errno = Marshal.GetLastPInvokeError();
        return errno is EPERM or EOPNOTSUPP or EACCES ? errno : throw Error("setxattr", name, errno);
    }

    /// <summary>The names in the directory <paramref name="dirfd"/> (opened for reading), without <c>.</c> and <c>..</c>, in the order the file system gives.</summary>
    public static List<string> ReadDirectory(int dirfd) =>
        ReadNamesZ(dirfd, "(directory)").ConvertAll(name => Encoding.UTF8.GetString(name, 0, name.Length - 1));

    // The one getdents64 reader: every name from the directory's current offset, each NUL-terminated.
    private static List<byte[]> ReadNamesZ(int dirfd, string what)
    {
        var names = new List<byte[]>();
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(32 * 1024);
        try
        {
            while (true)
            {
                nint read = getdents64(dirfd, ref buffer[0], (nuint)buffer.Length);
                if (read < 0)
                {
                    throw Error("getdents64", what, Marshal.GetLastPInvokeError());
                }

                if (read == 0)
                {
                    return names;
                }

                int offset = 0;
                while (offset < read)
                {
                    // struct linux_dirent64: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, char d_name[].
                    int length = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(offset + 16));
                    ReadOnlySpan<byte> name = buffer.AsSpan(offset + 19, length - 19);
                    name = name[..name.IndexOf((byte)0)];
                    offset += length;
                    if (!(name.SequenceEqual("."u8) || name.SequenceEqual(".."u8)))
                    {
                        byte[] copy = new byte[name.Length + 1];
                        name.CopyTo(copy);
                        names.Add(copy);
                    }
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // The handle-based forms below are what the tree walker (DirectoryTree, TreeEntry, TreeRemoval) uses: names are
    // one NUL-terminated component, as the kernel returns them, and each call goes through the same system call
    // as the descriptor forms above. A handle is kept alive (AddRef) for the length of the call.

    /// <summary>Opens a directory named by a path the caller chose (links in it are followed: the caller names its own root).</summary>
    /// <exception cref="DirectoryNotFoundException">Nothing, or no directory, is there.</exception>
    public static SafeFileHandle OpenRootDirectory(string path)
    {
        int fd = OpenAt(AT_FDCWD, path, O_RDONLY | O_DIRECTORY);
        if (fd < 0)
        {
            throw -fd is ENOENT or ENOTDIR
                ? new DirectoryNotFoundException($"No such directory: {path}")
                : Error("open", path, -fd);
        }

        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>Opens the directory <paramref name="nameZ"/> inside <paramref name="parent"/>, refusing a symbolic link (<c>O_NOFOLLOW | O_DIRECTORY</c>).</summary>
    /// <returns>The handle, or <see langword="null"/> with <paramref name="errno"/> set.</returns>
    public static SafeFileHandle? OpenDirectoryAt(SafeFileHandle parent, ReadOnlySpan<byte> nameZ, out int errno) =>
        OpenHandleAt(parent, nameZ, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, out errno);

    /// <summary>Opens the file <paramref name="nameZ"/> inside <paramref name="parent"/> for reading, refusing a symbolic link and never blocking on a FIFO (<c>O_NOFOLLOW | O_NONBLOCK</c>).</summary>
    /// <returns>The handle, or <see langword="null"/> with <paramref name="errno"/> set.</returns>
    public static SafeFileHandle? OpenFileAt(SafeFileHandle parent, ReadOnlySpan<byte> nameZ, out int errno) =>
        OpenHandleAt(parent, nameZ, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, out errno);

    /// <summary>Stats <paramref name="nameZ"/> inside <paramref name="parent"/> itself (a link is not followed).</summary>
    /// <returns>The status, or <see langword="null"/> with <paramref name="errno"/> set.</returns>
    public static FileStatus? StatAt(SafeFileHandle parent, ReadOnlySpan<byte> nameZ, out int errno)
    {
        using var lease = new Lease(parent);
        return Statx(lease.Fd, nameZ, out errno);
    }

    /// <summary>Stats an open handle.</summary>
    public static FileStatus StatHandle(SafeFileHandle handle, string what)
    {
        using var lease = new Lease(handle);
        return Statx(lease.Fd, [0], out int errno) ?? throw Error("statx", what, errno);
    }

    /// <summary>Reads every entry name of an open directory from its start (<c>.</c> and <c>..</c> left out), each NUL-terminated.</summary>
    public static List<byte[]> ReadNames(SafeFileHandle directory, string what)
    {
        using var lease = new Lease(directory);
        if (lseek(lease.Fd, 0, 0 /* SEEK_SET */) < 0)
        {
            throw Error("lseek", what, Marshal.GetLastPInvokeError());
        }

        return ReadNamesZ(lease.Fd, what);
    }

    /// <summary>Reads the target of the symbolic link <paramref name="nameZ"/> inside <paramref name="parent"/>, exactly as stored.</summary>
    public static string ReadLinkAt(SafeFileHandle parent, ReadOnlySpan<byte> nameZ, string what)
    {
        using var lease = new Lease(parent);
        return ReadLinkAt(lease.Fd, nameZ, what);
    }

    /// <summary>Removes <paramref name="nameZ"/> inside <paramref name="parent"/> (an empty directory with <paramref name="directory"/>); never follows a link.</summary>
    /// <returns>0, or the errno.</returns>
    public static int UnlinkAt(SafeFileHandle parent, ReadOnlySpan<byte> nameZ, bool directory)
    {
        using var lease = new Lease(parent);
        return Unlink(lease.Fd, nameZ, directory);
    }

    /// <summary>
    /// Reads one extended attribute of <paramref name="nameZ"/> inside <paramref name="parent"/> itself, never
    /// following it (see <see cref="GetXattr(int, ReadOnlySpan{byte}, string, string, bool)"/>).
    /// </summary>
    /// <returns>The value, or <see langword="null"/> when it is absent or the file system has none.</returns>
    public static byte[]? GetXattrAt(SafeFileHandle parent, ReadOnlySpan<byte> nameZ, string attribute, string what)
    {
        using var lease = new Lease(parent);
        return GetXattr(lease.Fd, nameZ, attribute, what, XattrAtCalls);
    }

    /// <summary>Lists and reads every extended attribute of <paramref name="nameZ"/> inside <paramref name="parent"/> itself, sorted by name.</summary>
    public static SortedDictionary<string, byte[]> GetXattrsAt(SafeFileHandle parent, ReadOnlySpan<byte> nameZ, string what)
    {
        using var lease = new Lease(parent);
        return GetXattrs(lease.Fd, nameZ, what, XattrAtCalls);
    }

    /// <summary>Lists and reads every extended attribute of the host path <paramref name="path"/> itself (a link is not followed), sorted by name.</summary>
    public static SortedDictionary<string, byte[]> GetXattrs(string path) => GetXattrs(AT_FDCWD, Utf8Z(path), path, XattrAtCalls);

    /// <summary>
    /// Reads one extended attribute of <paramref name="nameZ"/> inside <paramref name="dirfd"/> itself, never
    /// following it: with <c>getxattrat(AT_SYMLINK_NOFOLLOW)</c> (Linux 6.13), which looks up only that name in the
    /// descriptor, when <paramref name="atCall"/> is set and the call is not refused (<see cref="XattrAtRefused"/>);
    /// else with <c>lgetxattr</c> on the descriptor's <c>/proc/self/fd</c> path (<see cref="ProcPath"/>), which the
    /// kernel resolves to exactly the directory opened. An absent attribute, the common case, allocates nothing.
    /// </summary>
    /// <returns>The value, or <see langword="null"/> when it is absent or the file system has none.</returns>
    internal static byte[]? GetXattr(int dirfd, ReadOnlySpan<byte> nameZ, string attribute, string what, bool atCall)
    {
        var target = new XattrTarget(dirfd, nameZ, atCall);
        return target.Get(attribute, what);
    }

    /// <summary>
    /// Lists and reads every extended attribute of <paramref name="nameZ"/> inside <paramref name="dirfd"/> itself,
    /// sorted by name, through the same calls as <see cref="GetXattr(int, ReadOnlySpan{byte}, string, string, bool)"/>
    /// (<c>listxattrat</c>, else <c>llistxattr</c>).
    /// </summary>
    internal static SortedDictionary<string, byte[]> GetXattrs(int dirfd, ReadOnlySpan<byte> nameZ, string what, bool atCall)
    {
        var target = new XattrTarget(dirfd, nameZ, atCall);
        return target.GetAll(what);
    }

    /// <summary>Whether to try the <c>*xattrat</c> calls: until one was refused (<see cref="XattrAtRefused"/>).</summary>
    private static bool XattrAtCalls => Volatile.Read(ref s_xattrAt) >= 0;

    /// <summary>
    /// Whether an <c>*xattrat</c> call failed because the call itself is unavailable: <c>ENOSYS</c> from a kernel
    /// before 6.13, or <c>EPERM</c> from a seccomp filter that predates the call (a container runtime's default
    /// profile can answer so for a call it does not list, while the kernel's own checks refuse a read with
    /// <c>ENODATA</c> or <c>EACCES</c>). The <c>/proc</c> path then does the work, and reports any real refusal.
    /// </summary>
    private static bool XattrAtRefused(int errno) => errno is ENOSYS or EPERM;

    /// <summary>
    /// The path that names <paramref name="nameZ"/> inside the open directory <paramref name="dirfd"/> through
    /// <c>/proc/self/fd</c>: the kernel resolves the descriptor's magic link to exactly the directory opened, so
    /// only the last component is looked up, and the <c>l*xattr</c> calls never follow it. With
    /// <see cref="AT_FDCWD"/>, <paramref name="nameZ"/> is the path itself.
    /// </summary>
    private static byte[] ProcPath(int dirfd, ReadOnlySpan<byte> nameZ)
    {
        if (dirfd == AT_FDCWD)
        {
            return nameZ.ToArray();
        }

        string prefix = ProcFd(dirfd) + "/";
        byte[] path = new byte[prefix.Length + nameZ.Length];
        Encoding.ASCII.GetBytes(prefix, path);
        nameZ.CopyTo(path.AsSpan(prefix.Length));
        return path;
    }

    /// <summary><c>getxattrat(dirfd, nameZ, AT_SYMLINK_NOFOLLOW, attribute, {value}, sizeof)</c>.</summary>
    /// <returns>The value's length, or -1 with the errno set.</returns>
    private static unsafe nint GetXattrAtCall(int dirfd, ReadOnlySpan<byte> nameZ, string attribute, Span<byte> value)
    {
        fixed (byte* buffer = value)
        {
            var args = new XattrArgs { Value = (ulong)buffer, Size = (uint)value.Length };
            return (nint)syscall_getxattrat(GetxattratSyscallNumber, dirfd, ref MemoryMarshal.GetReference(nameZ), AT_SYMLINK_NOFOLLOW, attribute, ref args, (nuint)sizeof(XattrArgs));
        }
    }

    /// <summary>
    /// One entry whose extended attributes are read: with <c>getxattrat</c>/<c>listxattrat</c> relative to its
    /// directory while those calls are not refused (<see cref="XattrAtRefused"/>), else with
    /// <c>lgetxattr</c>/<c>llistxattr</c> on its <see cref="ProcPath"/>, built once for all the attributes of the entry.
    /// </summary>
    private ref struct XattrTarget
    {
        private readonly int _dirfd;
        private readonly ReadOnlySpan<byte> _nameZ;
        private bool _atCall;
        private byte[]? _procPath;

        public XattrTarget(int dirfd, ReadOnlySpan<byte> nameZ, bool atCall)
        {
            _dirfd = dirfd;
            _nameZ = nameZ;
            _atCall = atCall;
        }

        /// <summary>The value of <paramref name="attribute"/>, or <see langword="null"/> when it is absent or the file system has none. An absent attribute allocates nothing.</summary>
        public byte[]? Get(string attribute, string what)
        {
            Span<byte> first = stackalloc byte[256];
            byte[]? larger = null;
            while (true)
            {
                Span<byte> value = larger ?? first;
                nint got = Call(attribute, value);
                if (got >= 0)
                {
                    return value[..(int)got].ToArray();
                }

                int errno = Marshal.GetLastPInvokeError();
                if (errno == ERANGE)
                {
                    larger = new byte[value.Length * 16];
                    continue;
                }

                return errno is ENODATA or EOPNOTSUPP ? null : throw Error(_atCall ? "getxattrat" : "lgetxattr", what, errno);
            }
        }

        /// <summary>Every attribute and its value, sorted by name.</summary>
        public SortedDictionary<string, byte[]> GetAll(string what)
        {
            var result = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
            byte[] names = new byte[1024];
            nint length;
            while ((length = Call(null, names)) < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno != ERANGE)
                {
                    return errno == EOPNOTSUPP ? result : throw Error(_atCall ? "listxattrat" : "llistxattr", what, errno);
                }

                names = new byte[names.Length * 4];
            }

            int start = 0;
            for (int i = 0; i < length; i++)
            {
                if (names[i] == 0)
                {
                    string name = Encoding.UTF8.GetString(names, start, i - start);
                    start = i + 1;
                    if (Get(name, what) is { } value)
                    {
                        result[name] = value;
                    }
                }
            }

            return result;
        }

        /// <summary>Reads <paramref name="attribute"/>'s value, or the list of names when it is <see langword="null"/>, into <paramref name="buffer"/>.</summary>
        /// <returns>The length, or -1 with the errno set.</returns>
        private nint Call(string? attribute, scoped Span<byte> buffer)
        {
            if (_atCall)
            {
                nint got = attribute is null
                    ? (nint)syscall_listxattrat(ListxattratSyscallNumber, _dirfd, ref MemoryMarshal.GetReference(_nameZ), AT_SYMLINK_NOFOLLOW, ref MemoryMarshal.GetReference(buffer), (nuint)buffer.Length)
                    : GetXattrAtCall(_dirfd, _nameZ, attribute, buffer);
                if (got >= 0 || !XattrAtRefused(Marshal.GetLastPInvokeError()))
                {
                    return got;
                }

                Volatile.Write(ref s_xattrAt, -1);
                _atCall = false;
            }

            _procPath ??= ProcPath(_dirfd, _nameZ);
            return attribute is null
                ? llistxattr(ref _procPath[0], ref MemoryMarshal.GetReference(buffer), (nuint)buffer.Length)
                : lgetxattr(ref _procPath[0], attribute, ref MemoryMarshal.GetReference(buffer), (nuint)buffer.Length);
        }
    }

    /// <summary>The kernel's <c>struct xattr_args</c> (its first version, 16 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct XattrArgs
    {
        public ulong Value;
        public uint Size;
        public uint Flags;
    }

    /// <summary>Sets the permission bits of <paramref name="nameZ"/> inside <paramref name="parent"/> through an <c>O_PATH | O_NOFOLLOW</c> descriptor (a symbolic link is refused, ELOOP).</summary>
    /// <returns>0, or the errno.</returns>
    public static int ChmodAt(SafeFileHandle parent, ReadOnlySpan<byte> nameZ, int mode)
    {
        using SafeFileHandle? path = OpenHandleAt(parent, nameZ, O_PATH | O_NOFOLLOW, out int errno);
        if (path is null)
        {
            return errno;
        }

        using var lease = new Lease(path);
        return chmod(ProcFd(lease.Fd), (uint)(mode & 0xFFF)) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    private static SafeFileHandle? OpenHandleAt(SafeFileHandle parent, ReadOnlySpan<byte> nameZ, int flags, out int errno)
    {
        using var lease = new Lease(parent);
        int fd = openat(lease.Fd, ref MemoryMarshal.GetReference(nameZ), flags | O_CLOEXEC, 0);
        if (fd < 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return null;
        }

        errno = 0;
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>Keeps a handle from being closed (and its number reused) while a call uses its descriptor.</summary>
    internal readonly ref struct Lease
    {
        private readonly SafeFileHandle _handle;
        private readonly bool _added;

        public Lease(SafeFileHandle handle)
        {
            _handle = handle;
            handle.DangerousAddRef(ref _added);
            Fd = (int)handle.DangerousGetHandle();
        }

        public int Fd { get; }

        public void Dispose()
        {
            if (_added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    /// <summary>An I/O error naming the call, the name and the errno.</summary>
    public static IOException Error(string call, string name, int errno) =>
        new($"{call} {name}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno);

    private static string ProcFd(int fd) => "/proc/self/fd/" + fd.ToString(CultureInfo.InvariantCulture);

    private static byte[] Utf8Z(string s)
    {
        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }

    /// <summary>A device number from its major and minor (glibc's <c>gnu_dev_makedev</c> encoding).</summary>
    public static ulong MakeDev(uint major, uint minor) =>
        ((ulong)(major & 0xfffff000) << 32) | ((ulong)(major & 0xfff) << 8) | ((ulong)(minor & 0xffffff00) << 12) | (minor & 0xff);

    private static long Openat2SyscallNumber => 437; // the same on x86-64 and arm64 (new syscalls share numbers)

    private static long GetxattratSyscallNumber => 464; // Linux 6.13; shared numbers, as above

    private static long ListxattratSyscallNumber => 465;

    /// <summary>A time as a <c>struct timespec</c> (seconds and nanoseconds since the Unix epoch).</summary>
    public static (long Seconds, long Nanoseconds) ToTimespec(DateTimeOffset time)
    {
        long ticks = time.UtcTicks - DateTime.UnixEpoch.Ticks;
        long seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long remainder);
        if (remainder < 0)
        {
            seconds--;
            remainder += TimeSpan.TicksPerSecond;
        }

        return (seconds, remainder * 100);
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int openat(int dirfd, ref byte path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long syscall_openat2(long number, int dirfd, ref byte path, ref ulong how, nuint size);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial long syscall_getxattrat(long number, int dirfd, ref byte path, int atFlags, string name, ref XattrArgs args, nuint size);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long syscall_listxattrat(long number, int dirfd, ref byte path, int atFlags, ref byte list, nuint size);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int statx(int dirfd, ref byte path, int flags, uint mask, ref byte buffer);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint readlinkat(int dirfd, ref byte path, ref byte buffer, nuint size);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mkdirat(int dirfd, string path, uint mode);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int symlinkat(string target, int newdirfd, string linkpath);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int linkat(int olddirfd, string oldpath, int newdirfd, string newpath, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mknodat(int dirfd, string path, uint mode, ulong dev);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int unlinkat(int dirfd, ref byte path, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int fchownat(int dirfd, string path, uint uid, uint gid, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int chmod(string path, uint mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fchmod(int fd, uint mode);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int utimensat(int dirfd, string path, ref long times, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int futimens(int fd, ref long times);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setxattr(string path, string name, ref byte value, nuint size, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int fsetxattr(int fd, string name, ref byte value, nuint size, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint getdents64(int fd, ref byte buffer, nuint size);

    [LibraryImport("libc", SetLastError = true)]
    private static partial long lseek(int fd, long offset, int whence);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint lgetxattr(ref byte path, string name, ref byte value, nuint size);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint llistxattr(ref byte path, ref byte list, nuint size);
}
