namespace ImageFormat.Tar;

/// <summary>
/// Slash-separated path operations with the semantics of Go's <c>path</c> package (Clean, Dir, Base, Join), so
/// that names derived by <see cref="TarEntryWriter"/> match what Go's archive/tar derives.
/// </summary>
internal static class GoPath
{
    public static string Clean(string path)
    {
        if (path.Length == 0)
        {
            return ".";
        }

        bool rooted = path[0] == '/';
        var parts = new List<string>();
        foreach (string part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count > 0 && parts[^1] != "..")
                {
                    parts.RemoveAt(parts.Count - 1);
                }
                else if (!rooted)
                {
                    parts.Add(part);
                }

                continue;
            }

            parts.Add(part);
        }

        string joined = string.Join('/', parts);
        return rooted ? "/" + joined : joined.Length == 0 ? "." : joined;
    }

    public static string Dir(string path) => Clean(path[..(path.LastIndexOf('/') + 1)]);

    public static string Base(string path)
    {
        if (path.Length == 0)
        {
            return ".";
        }

        string trimmed = path.TrimEnd('/');
        if (trimmed.Length == 0)
        {
            return "/";
        }

        return trimmed[(trimmed.LastIndexOf('/') + 1)..];
    }

    public static string Join(params string[] elements)
    {
        string joined = string.Join('/', elements.Where(e => e.Length > 0));
        return joined.Length == 0 ? string.Empty : Clean(joined);
    }
}
