using System.Runtime.InteropServices;

namespace ImageFormat.IO;

/// <summary>
/// Flushes a directory's entries to disk after a rename, so a committed file survives a power loss, not only a
/// killed process. .NET has no API for it (a read-only <see cref="FileStream"/> skips fsync), so this calls
/// <c>fsync(2)</c> on Linux and macOS; elsewhere renames are already durable or cannot be flushed this way.
/// </summary>
internal static partial class DirectorySync
{
    private static bool s_unavailable;

    public static void Flush(string directory)
    {
        if (s_unavailable || !(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()))
        {
            return;
        }

        try
        {
            int fd = NativeMethods.Open(directory, 0);
            if (fd < 0)
            {
                return;
            }

            try
            {
                _ = NativeMethods.FSync(fd);
            }
            finally
            {
                _ = NativeMethods.Close(fd);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            s_unavailable = true;
        }
    }

    private static class NativeMethods
    {
        private const string LibC = "libc";

        [DllImport(LibC, EntryPoint = "open", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Open(string path, int flags);

        [DllImport(LibC, EntryPoint = "fsync", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int FSync(int fd);

        [DllImport(LibC, EntryPoint = "close", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Close(int fd);
    }
}
