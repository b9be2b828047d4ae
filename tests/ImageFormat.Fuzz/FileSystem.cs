using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace ImageFormat.Fuzz;

/// <summary>What the file-system harnesses need beyond System.IO: lstat-like snapshots, hard links, FIFOs, owners, and deleting without following links.</summary>
public static partial class FileSystem
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;

    /// <summary>One path's metadata as <c>statx(AT_SYMLINK_NOFOLLOW)</c> gives it, and its content or link target.</summary>
    /// <param name="Mode">Type and permission bits.</param>
    /// <param name="Uid">Owner.</param>
    /// <param name="Gid">Group.</param>
    /// <param name="Links">Hard link count.</param>
    /// <param name="Size">Size.</param>
    /// <param name="Modified">Modification time, nanoseconds since the epoch.</param>
    /// <param name="Changed">Status change time, nanoseconds since the epoch.</param>
    /// <param name="Content">SHA-256 of a regular file's bytes, a symbolic link's target, or empty.</param>
    public sealed record Metadata(uint Mode, uint Uid, uint Gid, uint Links, long Size, long Modified, long Changed, string Content);

    /// <summary>The metadata of <paramref name="path"/>, never following a final symbolic link.</summary>
    /// <param name="path">The path.</param>
    /// <returns>The metadata, or <see langword="null"/> when nothing is there.</returns>
    public static Metadata? Stat(string path)
    {
        byte[] buffer = new byte[256];
        if (statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, ref buffer[0]) != 0)
        {
            return null;
        }

        uint mode = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(28));
        uint type = mode & 0xF000;
        string content = type switch
        {
            0x8000 => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))),
            0xA000 => new FileInfo(path).LinkTarget ?? string.Empty,
            _ => string.Empty,
        };
        return new Metadata(
            mode,
            BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(20)),
            BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(24)),
            BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(16)),
            BinaryPrimitives.ReadInt64LittleEndian(buffer.AsSpan(40)),
            Time(buffer, 112),
            Time(buffer, 96),
            content);
    }

    private static long Time(byte[] buffer, int offset) =>
        (BinaryPrimitives.ReadInt64LittleEndian(buffer.AsSpan(offset)) * 1_000_000_000L) + BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(offset + 8));

    /// <summary>Whether <paramref name="path"/> is a directory and not a symbolic link.</summary>
    /// <param name="path">The path.</param>
    /// <returns>Whether it is a real directory.</returns>
    public static bool IsRealDirectory(string path) => Stat(path) is { } m && (m.Mode & 0xF000) == 0x4000;

    /// <summary>Whether anything (a dangling symbolic link included) is at <paramref name="path"/>.</summary>
    /// <param name="path">The path.</param>
    /// <returns>Whether it exists.</returns>
    public static bool Exists(string path) => Stat(path) is not null;

    /// <summary>Every path under <paramref name="root"/> (itself included, as "."), with its metadata, never entering links.</summary>
    /// <param name="root">The directory.</param>
    /// <param name="skip">A name directly under <paramref name="root"/> to leave out.</param>
    /// <returns>Relative path → metadata, sorted.</returns>
    public static SortedDictionary<string, Metadata> Snapshot(string root, string? skip = null)
    {
        var result = new SortedDictionary<string, Metadata>(StringComparer.Ordinal);
        Walk(root, ".", skip, result);
        return result;
    }

    private static void Walk(string path, string relative, string? skip, SortedDictionary<string, Metadata> result)
    {
        if (Stat(path) is not { } metadata)
        {
            return;
        }

        result[relative] = metadata;
        if ((metadata.Mode & 0xF000) == 0x4000)
        {
            foreach (string child in Directory.GetFileSystemEntries(path).Order(StringComparer.Ordinal))
            {
                string name = Path.GetFileName(child);
                if (relative == "." && name == skip)
                {
                    continue;
                }

                Walk(child, relative == "." ? name : relative + "/" + name, null, result);
            }
        }
    }

    /// <summary>Describes how two snapshots differ, or returns <see langword="null"/> when they are equal.</summary>
    /// <param name="before">The first.</param>
    /// <param name="after">The second.</param>
    /// <returns>One line per difference, or <see langword="null"/>.</returns>
    public static string? Compare(SortedDictionary<string, Metadata> before, SortedDictionary<string, Metadata> after)
    {
        var lines = new StringBuilder();
        foreach ((string path, Metadata old) in before)
        {
            if (!after.TryGetValue(path, out Metadata? now))
            {
                lines.AppendLine($"  removed: {path} ({old})");
            }
            else if (now != old)
            {
                lines.AppendLine($"  changed: {path}\n    before {old}\n    after  {now}");
            }
        }

        foreach ((string path, Metadata now) in after)
        {
            if (!before.ContainsKey(path))
            {
                lines.AppendLine($"  created: {path} ({now})");
            }
        }

        return lines.Length == 0 ? null : lines.ToString();
    }

    /// <summary>Deletes <paramref name="path"/> and, for a real directory, everything under it, never following a link.</summary>
    /// <param name="path">The path.</param>
    public static void DeleteTree(string path)
    {
        if (Stat(path) is not { } metadata)
        {
            return;
        }

        if ((metadata.Mode & 0xF000) != 0x4000)
        {
            File.Delete(path);
            return;
        }

        // A directory the layer made unreadable or unwritable must still be emptied.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        foreach (string child in Directory.GetFileSystemEntries(path))
        {
            DeleteTree(child);
        }

        Directory.Delete(path);
    }

    /// <summary>Makes a hard link.</summary>
    /// <param name="existing">The existing file.</param>
    /// <param name="path">The new name.</param>
    /// <returns>Whether it was made.</returns>
    public static bool HardLink(string existing, string path) => link(existing, path) == 0;

    /// <summary>Makes a FIFO.</summary>
    /// <param name="path">The path.</param>
    /// <returns>Whether it was made.</returns>
    public static bool MakeFifo(string path) => mkfifo(path, 0x1A4) == 0;

    /// <summary>Sets the owner of <paramref name="path"/> (not of a link's target); false when not permitted.</summary>
    /// <param name="path">The path.</param>
    /// <param name="uid">The owner.</param>
    /// <param name="gid">The group.</param>
    /// <returns>Whether it was set.</returns>
    public static bool SetOwner(string path, uint uid, uint gid) => lchown(path, uid, gid) == 0;

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string path, int flags, uint mask, ref byte buffer);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int link(string existing, string path);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mkfifo(string path, uint mode);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lchown(string path, uint uid, uint gid);
}
