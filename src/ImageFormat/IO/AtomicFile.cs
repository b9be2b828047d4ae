using System.Security.Cryptography;

namespace ImageFormat.IO;

/// <summary>
/// The library's one way to create or replace a file so that a crash leaves the old file or the new one, never a
/// part: the content goes to a temporary file, which is flushed to disk (<c>fsync</c>), renamed over the target
/// (<c>rename(2)</c> is atomic within a file system), and then the target's directory is flushed so that the rename
/// itself survives a power loss. Disposing without <see cref="Commit"/> deletes the temporary file.
/// </summary>
internal sealed class AtomicFile : IDisposable
{
    private readonly string _temp;
    private FileStream? _stream;
    private bool _committed;

    private AtomicFile(string temp, int bufferSize, bool asynchronous = false)
    {
        _temp = temp;
        _stream = new FileStream(temp, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = bufferSize,
            Options = asynchronous ? FileOptions.Asynchronous : FileOptions.None,
        });
    }

    /// <summary>The temporary file, open for writing.</summary>
    public FileStream Stream => _stream ?? throw new ObjectDisposedException(nameof(AtomicFile));

    /// <summary>Creates a temporary file beside <paramref name="target"/> (a hidden name in its directory, which must
    /// exist), opened for asynchronous writes when <paramref name="asynchronous"/> is set.</summary>
    public static AtomicFile Beside(string target, int bufferSize = 1 << 20, bool asynchronous = false)
    {
        string full = Path.GetFullPath(target);
        string directory = Path.GetDirectoryName(full) ?? ".";
        return new AtomicFile(Path.Combine(directory, $".{Path.GetFileName(full)}.{RandomName()}.tmp"), bufferSize, asynchronous);
    }

    /// <summary>Creates a temporary file in <paramref name="directory"/>, for a target named only once the content
    /// is known (a blob named by its digest). The directory must be on the target's file system.</summary>
    public static AtomicFile In(string directory, int bufferSize = 1 << 16) =>
        new(Path.Combine(directory, RandomName()), bufferSize);

    /// <summary>Writes <paramref name="target"/> atomically with what <paramref name="write"/> puts in the stream.</summary>
    public static void Write(string target, Action<Stream> write, int bufferSize = 1 << 20)
    {
        using AtomicFile file = Beside(target, bufferSize);
        write(file.Stream);
        file.Commit(target);
    }

    /// <summary>Flushes the content to disk, renames it to <paramref name="target"/> (replacing any file there,
    /// creating the directory if needed) and flushes the directory.</summary>
    /// <param name="target">The final name.</param>
    /// <param name="lastWriteTimeUtc">A modification time to give the file before it is renamed, if any.</param>
    public void Commit(string target, DateTime? lastWriteTimeUtc = null)
    {
        FileStream stream = Stream;
        stream.Flush(flushToDisk: true);
        stream.Dispose();
        _stream = null;
        if (lastWriteTimeUtc is { } time)
        {
            File.SetLastWriteTimeUtc(_temp, time);
        }

        string directory = Path.GetDirectoryName(Path.GetFullPath(target)) ?? ".";
        Directory.CreateDirectory(directory);
        File.Move(_temp, target, overwrite: true);
        _committed = true;
        DirectorySync.Flush(directory);
    }

    /// <summary>Closes the temporary file and deletes it unless it was committed.</summary>
    public void Dispose()
    {
        _stream?.Dispose();
        _stream = null;
        if (!_committed)
        {
            File.Delete(_temp);
        }
    }

    private static string RandomName() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
}
