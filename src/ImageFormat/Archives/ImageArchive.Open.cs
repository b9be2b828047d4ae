using ImageFormat.Errors;

namespace ImageFormat.Archives;

/// <summary>Opening: an archive file or stream (<see cref="TarArchiveStorage"/>) or a layout directory
/// (<see cref="LayoutDirectoryStorage"/>), then reading its documents.</summary>
public sealed partial class ImageArchive
{
    /// <summary>Opens an archive file, or an OCI layout when <paramref name="path"/> is a directory.</summary>
    /// <param name="path">A tar file (plain, gzip, bzip2 or zstd) or a layout directory.</param>
    /// <param name="options">Limits and spooling; defaults when <see langword="null"/>.</param>
    /// <returns>The opened archive; dispose it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="NotFoundException">Nothing exists at <paramref name="path"/>.</exception>
    /// <exception cref="ImageFormatException">The archive is not a readable image archive; the message says why and where.</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
    /// <exception cref="IOException">Reading the file failed.</exception>
    public static ImageArchive OpenFile(string path, ImageArchiveOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= ImageArchiveOptions.Default;
        if (Directory.Exists(path))
        {
            return OpenLayout(path, options);
        }

        if (!File.Exists(path))
        {
            throw new NotFoundException(path, $"no such file: {path}");
        }

        return Load(TarArchiveStorage.OpenFile(path, options), options);
    }

    /// <summary>
    /// Opens an archive from a stream, such as standard input. A seekable, uncompressed <see cref="FileStream"/> is
    /// read in place; anything else is decompressed once into an anonymous temporary file
    /// (<see cref="ImageArchiveOptions.SpoolDirectory"/>).
    /// </summary>
    /// <param name="stream">The archive's bytes, from the current position.</param>
    /// <param name="leaveOpen">Whether to leave <paramref name="stream"/> open when the archive is disposed.</param>
    /// <param name="options">Limits and spooling; defaults when <see langword="null"/>.</param>
    /// <returns>The opened archive; dispose it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="ImageFormatException">The archive is not a readable image archive.</exception>
    /// <exception cref="IOException">The stream cannot be read, or the spool file cannot be written.</exception>
    public static ImageArchive OpenStream(Stream stream, bool leaveOpen, ImageArchiveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= ImageArchiveOptions.Default;
        string description = stream is FileStream fs ? fs.Name : "stream";
        return Load(TarArchiveStorage.Open(stream, ownsStream: !leaveOpen, description, options), options);
    }

    /// <summary>Opens an OCI image layout directory.</summary>
    /// <param name="directory">The directory holding <c>oci-layout</c>, <c>index.json</c> and <c>blobs/</c>.</param>
    /// <param name="options">Limits; defaults when <see langword="null"/>.</param>
    /// <returns>The opened layout; dispose it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="directory"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="directory"/> is empty.</exception>
    /// <exception cref="NotFoundException">The directory does not exist.</exception>
    /// <exception cref="ImageFormatException">The directory is not a readable image layout.</exception>
    public static ImageArchive OpenLayout(string directory, ImageArchiveOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        options ??= ImageArchiveOptions.Default;
        return Load(new LayoutDirectoryStorage(directory, options.Limits), options);
    }

    private static ImageArchive Load(IArchiveStorage storage, ImageArchiveOptions options)
    {
        var archive = new ImageArchive(storage, options);
        try
        {
            archive.Read();
            return archive;
        }
        catch
        {
            archive.Dispose();
            throw;
        }
    }
}
