namespace ImageFormat.Tests.TestSupport;

/// <summary>A fresh directory under the system temp directory, deleted with everything in it on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    /// <summary>Creates the directory.</summary>
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"imagefmt-test-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    /// <summary>The directory's full path.</summary>
    public string Path { get; }

    /// <summary>A path inside the directory (not created).</summary>
    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Writes a file inside the directory, creating its parents, and returns its path.</summary>
    public string WriteFile(string relativePath, ReadOnlySpan<byte> content)
    {
        string path = Combine(relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    /// <summary>Deletes the directory, first making read-only files and directories writable.</summary>
    public void Dispose()
    {
        if (!Directory.Exists(Path))
        {
            return;
        }

        MakeWritable(new DirectoryInfo(Path));
        Directory.Delete(Path, recursive: true);
    }

    // Symbolic links are left alone: their targets may lie outside the directory.
    private static void MakeWritable(DirectoryInfo dir)
    {
        if (!OperatingSystem.IsWindows())
        {
            dir.UnixFileMode |= UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        }

        foreach (FileSystemInfo entry in dir.EnumerateFileSystemInfos())
        {
            if (entry.LinkTarget is not null)
            {
                continue;
            }

            if (entry is DirectoryInfo sub)
            {
                MakeWritable(sub);
            }
            else
            {
                entry.Attributes &= ~FileAttributes.ReadOnly;
            }
        }
    }
}
