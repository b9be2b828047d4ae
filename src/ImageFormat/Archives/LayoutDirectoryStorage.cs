using ImageFormat.Errors;

namespace ImageFormat.Archives;

/// <summary>
/// The files of an OCI image layout directory (<c>oci:DIR</c>). Paths are resolved component by component
/// inside the directory; a symbolic link is followed only while it stays inside.
/// </summary>
internal sealed class LayoutDirectoryStorage : IArchiveStorage
{
    private readonly string _root;
    private readonly ImageFormatLimits _limits;

    public LayoutDirectoryStorage(string directory, ImageFormatLimits limits)
    {
        if (!Directory.Exists(directory))
        {
            throw new NotFoundException(directory, $"no such directory: {directory}");
        }

        _root = Path.GetFullPath(directory);
        _limits = limits;
        Description = directory;
    }

    public string Description { get; }

    public IEnumerable<string> Names =>
        Directory.EnumerateFileSystemEntries(_root, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(_root, p).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);

    public bool Contains(string cleanName)
    {
        string full = Path.Combine(_root, cleanName);
        return File.Exists(full) || Directory.Exists(full) || new FileInfo(full).LinkTarget is not null;
    }

    public bool TryResolve(string path, out ArchiveFile file, out string? problem)
    {
        file = default;
        if (!ArchivePath.IsSafeReference(path, out problem))
        {
            return false;
        }

        var pending = new Stack<string>(ArchivePath.Clean(path)!.Split('/').Reverse());
        var resolved = new List<string>();
        int hops = 0;
        while (pending.Count > 0)
        {
            string part = pending.Pop();
            if (part == "..")
            {
                if (resolved.Count == 0)
                {
                    problem = "a link leads outside the layout";
                    return false;
                }

                resolved.RemoveAt(resolved.Count - 1);
                continue;
            }

            if (part is "." or "")
            {
                continue;
            }

            string full = Path.Combine(_root, Path.Combine([.. resolved, part]));
            var info = new FileInfo(full);
            if (info.LinkTarget is { } target)
            {
                if (++hops > _limits.MaxLinkHops)
                {
                    problem = $"too many levels of links (more than {_limits.MaxLinkHops})";
                    return false;
                }

                if (Path.IsPathRooted(target))
                {
                    problem = $"\"{string.Join('/', [.. resolved, part])}\" links to the absolute path \"{target}\", outside the layout";
                    return false;
                }

                foreach (string t in target.Split('/').Reverse())
                {
                    pending.Push(t);
                }

                continue;
            }

            resolved.Add(part);
        }

        string name = string.Join('/', resolved);
        string final = Path.Combine(_root, name);
        if (Directory.Exists(final))
        {
            problem = "is a directory, not a file";
            return false;
        }

        if (!File.Exists(final))
        {
            problem = "no such file in the layout";
            return false;
        }

        file = new ArchiveFile(name, new FileInfo(final).Length, 0);
        problem = null;
        return true;
    }

    public Stream Open(ArchiveFile file) =>
        new FileStream(Path.Combine(_root, file.Name), FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);

    public void Dispose()
    {
    }
}
