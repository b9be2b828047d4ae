using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace ImageFormat.Layers;

internal static partial class Native
{
    /// <summary>
    /// The calls the descriptor-based tree walker needs: every one works relative to an open directory descriptor
    /// and never follows a symbolic link in the name it is given (each name is one component, never a path).
    /// Names are raw bytes, terminated by a NUL, as the kernel returns them.
    /// </summary>
    internal static partial class Walk
    {
        private const int ORdOnly = 0;
        private const int ONonBlock = 0x800;
        private const int ODirectory = 0x10000;
        private const int ONoFollow = 0x20000;
        private const int OCloExec = 0x80000;
        private const int AtSymlinkNoFollowFlag = 0x100;
        private const int AtRemoveDirFlag = 0x200;
        private const int AtEmptyPath = 0x1000;
        private const uint StatxBasic = 0x7ff;
        private const int StatxSize = 256;

        public const int ENOTDIR = 20;
        public const int EACCES = 13;
        public const int ELOOP = 40;
        public const int ENOTEMPTY = 39;

        /// <summary>Opens a directory named by a path the caller chose (links in it are followed: the caller names its own root).</summary>
        public static SafeFileHandle OpenRootDirectory(string path)
        {
            int fd = open(path, ORdOnly | ODirectory | OCloExec);
            if (fd < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno is ENOENT or ENOTDIR)
                {
                    throw new DirectoryNotFoundException($"No such directory: {path}");
                }

                throw Error("open", path, errno);
            }

            return new SafeFileHandle(fd, ownsHandle: true);
        }

        /// <summary>
        /// Opens the directory <paramref name="name"/> inside <paramref name="parent"/>, refusing a symbolic link
        /// (<c>O_NOFOLLOW | O_DIRECTORY</c>).
        /// </summary>
        /// <returns>The descriptor, or <see langword="null"/> with <paramref name="errno"/> set when it cannot be opened.</returns>
        public static SafeFileHandle? OpenDirectoryAt(SafeFileHandle parent, ReadOnlySpan<byte> name, out int errno)
        {
            int fd = openat(parent, ref MemoryMarshal.GetReference(name), ORdOnly | ODirectory | ONoFollow | OCloExec);
            if (fd < 0)
            {
                errno = Marshal.GetLastPInvokeError();
                return null;
            }

            errno = 0;
            return new SafeFileHandle(fd, ownsHandle: true);
        }

        /// <summary>
        /// Opens the file <paramref name="name"/> inside <paramref name="parent"/> for reading, refusing a symbolic
        /// link, and without blocking on a FIFO (<c>O_NOFOLLOW | O_NONBLOCK</c>).
        /// </summary>
        /// <returns>The descriptor, or <see langword="null"/> with <paramref name="errno"/> set when it cannot be opened.</returns>
        public static SafeFileHandle? OpenFileAt(SafeFileHandle parent, ReadOnlySpan<byte> name, out int errno)
        {
            int fd = openat(parent, ref MemoryMarshal.GetReference(name), ORdOnly | ONoFollow | ONonBlock | OCloExec);
            if (fd < 0)
            {
                errno = Marshal.GetLastPInvokeError();
                return null;
            }

            errno = 0;
            return new SafeFileHandle(fd, ownsHandle: true);
        }

        /// <summary>Stats <paramref name="name"/> inside <paramref name="parent"/> itself (a link is not followed).</summary>
        /// <returns>The status, or <see langword="null"/> with <paramref name="errno"/> set when it cannot be stated.</returns>
        public static FileStatus? StatAt(SafeFileHandle parent, ReadOnlySpan<byte> name, out int errno)
        {
            Span<byte> buffer = stackalloc byte[StatxSize];
            buffer.Clear();
            if (statx(parent, ref MemoryMarshal.GetReference(name), AtSymlinkNoFollowFlag, StatxBasic, ref MemoryMarshal.GetReference(buffer)) != 0)
            {
                errno = Marshal.GetLastPInvokeError();
                return null;
            }

            errno = 0;
            return Parse(buffer);
        }

        /// <summary>Stats an open descriptor.</summary>
        public static FileStatus StatHandle(SafeFileHandle handle, string what)
        {
            Span<byte> buffer = stackalloc byte[StatxSize];
            buffer.Clear();
            ReadOnlySpan<byte> empty = [0];
            if (statx(handle, ref MemoryMarshal.GetReference(empty), AtEmptyPath | AtSymlinkNoFollowFlag, StatxBasic, ref MemoryMarshal.GetReference(buffer)) != 0)
            {
                throw Error("statx", what, Marshal.GetLastPInvokeError());
            }

            return Parse(buffer);
        }

        /// <summary>Reads every entry name of an open directory from its start (<c>.</c> and <c>..</c> left out), each NUL-terminated.</summary>
        public static List<byte[]> ReadNames(SafeFileHandle directory, string what)
        {
            if (lseek(directory, 0, 0 /* SEEK_SET */) < 0)
            {
                throw Error("lseek", what, Marshal.GetLastPInvokeError());
            }

            var names = new List<byte[]>();
            byte[] buffer = new byte[32 * 1024];
            while (true)
            {
                nint read = getdents64(directory, ref buffer[0], (nuint)buffer.Length);
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
                    if (name.SequenceEqual("."u8) || name.SequenceEqual(".."u8))
                    {
                        continue;
                    }

                    byte[] copy = new byte[name.Length + 1];
                    name.CopyTo(copy);
                    names.Add(copy);
                }
            }
        }

        /// <summary>Reads the target of the symbolic link <paramref name="name"/> inside <paramref name="parent"/>, exactly as stored.</summary>
        public static string ReadLinkAt(SafeFileHandle parent, ReadOnlySpan<byte> name, string what)
        {
            byte[] buffer = new byte[4096];
            while (true)
            {
                nint length = readlinkat(parent, ref MemoryMarshal.GetReference(name), ref buffer[0], (nuint)buffer.Length);
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

        /// <summary>Removes <paramref name="name"/> inside <paramref name="parent"/> (an empty directory with <paramref name="directory"/>); never follows a link.</summary>
        /// <returns>0, or the errno.</returns>
        public static int UnlinkAt(SafeFileHandle parent, ReadOnlySpan<byte> name, bool directory) =>
            unlinkat(parent, ref MemoryMarshal.GetReference(name), directory ? AtRemoveDirFlag : 0) == 0 ? 0 : Marshal.GetLastPInvokeError();

        /// <summary>Sets the permission bits of an open descriptor.</summary>
        /// <returns>0, or the errno.</returns>
        public static int ChmodHandle(SafeFileHandle handle, int mode) =>
            fchmod(handle, (uint)(mode & 0xFFF)) == 0 ? 0 : Marshal.GetLastPInvokeError();

        /// <summary>
        /// The path that names <paramref name="name"/> inside the already-open <paramref name="parent"/> through
        /// <c>/proc/self/fd</c>: the kernel resolves the descriptor's magic link to exactly the directory opened, so
        /// only the last component is looked up, and the <c>l*xattr</c> calls never follow it.
        /// </summary>
        public static byte[] ProcPath(SafeFileHandle parent, ReadOnlySpan<byte> name)
        {
            string prefix = "/proc/self/fd/" + parent.DangerousGetHandle().ToInt32().ToString(CultureInfo.InvariantCulture) + "/";
            byte[] path = new byte[prefix.Length + name.Length];
            Encoding.ASCII.GetBytes(prefix, path);
            name.CopyTo(path.AsSpan(prefix.Length));
            return path;
        }

        /// <summary>Reads one extended attribute of <paramref name="pathZ"/> itself (see <see cref="ProcPath"/>).</summary>
        /// <returns>The value, or <see langword="null"/> when it is absent or the file system has none.</returns>
        public static byte[]? GetXattr(byte[] pathZ, string attribute, string what)
        {
            byte[] value = new byte[256];
            while (true)
            {
                nint got = lgetxattr(ref pathZ[0], attribute, ref value[0], (nuint)value.Length);
                if (got >= 0)
                {
                    return value[..(int)got];
                }

                int errno = Marshal.GetLastPInvokeError();
                if (errno == ERANGE)
                {
                    value = new byte[value.Length * 16];
                    continue;
                }

                if (errno is ENODATA or EOPNOTSUPP)
                {
                    return null;
                }

                throw Error("lgetxattr", what, errno);
            }
        }

        /// <summary>Lists and reads every extended attribute of <paramref name="pathZ"/> itself, sorted by name.</summary>
        public static SortedDictionary<string, byte[]> GetXattrs(byte[] pathZ, string what)
        {
            var result = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
            byte[] names = new byte[1024];
            nint length;
            while (true)
            {
                length = llistxattr(ref pathZ[0], ref names[0], (nuint)names.Length);
                if (length >= 0)
                {
                    break;
                }

                int errno = Marshal.GetLastPInvokeError();
                if (errno == ERANGE)
                {
                    names = new byte[names.Length * 4];
                    continue;
                }

                if (errno == EOPNOTSUPP)
                {
                    return result;
                }

                throw Error("llistxattr", what, errno);
            }

            int start = 0;
            for (int i = 0; i < length; i++)
            {
                if (names[i] == 0)
                {
                    string name = Encoding.UTF8.GetString(names, start, i - start);
                    start = i + 1;
                    if (GetXattr(pathZ, name, what) is { } value)
                    {
                        result[name] = value;
                    }
                }
            }

            return result;
        }

        /// <summary>The <c>IOException</c> for a failed call, with the errno as its HResult.</summary>
        public static IOException Failure(string call, string what, int errno) => Error(call, what, errno);

        private static FileStatus Parse(ReadOnlySpan<byte> buffer) => new(
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

        [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        private static partial int open(string path, int flags);

        [LibraryImport("libc", SetLastError = true)]
        private static partial int openat(SafeFileHandle dirfd, ref byte name, int flags);

        [LibraryImport("libc", SetLastError = true)]
        private static partial int statx(SafeFileHandle dirfd, ref byte name, int flags, uint mask, ref byte buffer);

        [LibraryImport("libc", SetLastError = true)]
        private static partial long lseek(SafeFileHandle fd, long offset, int whence);

        [LibraryImport("libc", SetLastError = true)]
        private static partial nint getdents64(SafeFileHandle fd, ref byte buffer, nuint count);

        [LibraryImport("libc", SetLastError = true)]
        private static partial nint readlinkat(SafeFileHandle dirfd, ref byte name, ref byte buffer, nuint size);

        [LibraryImport("libc", SetLastError = true)]
        private static partial int unlinkat(SafeFileHandle dirfd, ref byte name, int flags);

        [LibraryImport("libc", SetLastError = true)]
        private static partial int fchmod(SafeFileHandle fd, uint mode);

        [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        private static partial nint lgetxattr(ref byte path, string name, ref byte value, nuint size);

        [LibraryImport("libc", SetLastError = true)]
        private static partial nint llistxattr(ref byte path, ref byte list, nuint size);
    }
}
