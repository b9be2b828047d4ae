namespace ImageFormat.Containment;

/// <summary>The file type bits of a Linux <c>st_mode</c> (<c>inode(7)</c>).</summary>
internal static class FileModes
{
    public const int S_IFMT = 0xF000;

    public const int S_IFIFO = 0x1000;

    public const int S_IFCHR = 0x2000;

    public const int S_IFDIR = 0x4000;

    public const int S_IFBLK = 0x6000;

    public const int S_IFREG = 0x8000;

    public const int S_IFLNK = 0xA000;

    public const int S_IFSOCK = 0xC000;
}

/// <summary>What <c>statx</c> says about one path (the link itself for a symbolic link).</summary>
internal readonly record struct FileStatus(
    uint Nlink, uint Uid, uint Gid, int Mode, ulong Inode, long Size, long MtimeSeconds, uint MtimeNanoseconds,
    uint RdevMajor, uint RdevMinor, uint DevMajor, uint DevMinor)
{
    public int Type => Mode & FileModes.S_IFMT;

    public int Permissions => Mode & 0xFFF;

    public bool IsDirectory => Type == FileModes.S_IFDIR;

    public bool IsSymlink => Type == FileModes.S_IFLNK;

    public DateTimeOffset ModificationTime =>
        DateTimeOffset.FromUnixTimeSeconds(MtimeSeconds).AddTicks(MtimeNanoseconds / 100);
}
