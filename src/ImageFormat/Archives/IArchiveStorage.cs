namespace ImageFormat.Archives;

/// <summary>One regular file in an archive or layout, after links were followed.</summary>
/// <param name="Name">The clean name of the file the path resolved to.</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="Offset">Where its bytes start in the backing file (tar archives), or 0.</param>
internal readonly record struct ArchiveFile(string Name, long Size, long Offset);

/// <summary>
/// The files of an image archive, whatever holds them (a tar file, a spooled stream, a layout directory).
/// Every path is resolved inside the root: nothing outside can be named, opened or followed.
/// Implementations are safe for concurrent <see cref="Open"/> calls.
/// </summary>
internal interface IArchiveStorage : IDisposable
{
    /// <summary>Human-readable origin, for messages.</summary>
    string Description { get; }

    /// <summary>Whether a path names something (file, directory or link) in the root, without following links.</summary>
    bool Contains(string cleanName);

    /// <summary>
    /// Resolves a path as written in a document to a regular file, following symbolic and hard links inside
    /// the root. Returns <see langword="false"/> with the reason when it does not resolve to a regular file.
    /// </summary>
    bool TryResolve(string path, out ArchiveFile file, out string? problem);

    /// <summary>Opens a resolved file. Each call returns an independent stream.</summary>
    Stream Open(ArchiveFile file);

    /// <summary>Every entry name in the root, clean, in archive order.</summary>
    IEnumerable<string> Names { get; }
}
