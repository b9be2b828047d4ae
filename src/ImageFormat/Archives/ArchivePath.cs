namespace ImageFormat.Archives;

/// <summary>
/// Lexical handling of the slash-separated names inside an archive or layout. Names are compared in their
/// clean form: no leading <c>./</c> or <c>/</c>, no empty or <c>.</c> components, <c>..</c> applied.
/// </summary>
internal static class ArchivePath
{
    /// <summary>
    /// Cleans <paramref name="name"/>. Returns <see langword="null"/> when the name leaves the root through
    /// <c>..</c>, or is empty once cleaned.
    /// </summary>
    public static string? Clean(string name)
    {
        if (name.Length == 0 || name.Contains('\0', StringComparison.Ordinal))
        {
            return null;
        }

        var parts = new List<string>();
        foreach (string part in name.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count == 0)
                {
                    return null;
                }

                parts.RemoveAt(parts.Count - 1);
                continue;
            }

            parts.Add(part);
        }

        return parts.Count == 0 ? null : string.Join('/', parts);
    }

    /// <summary>The directory part of a clean name ("" for a top-level name).</summary>
    public static string Directory(string cleanName)
    {
        int slash = cleanName.LastIndexOf('/');
        return slash < 0 ? string.Empty : cleanName[..slash];
    }

    /// <summary>Joins a directory and a relative name and cleans the result.</summary>
    public static string? Join(string directory, string relative) =>
        Clean(directory.Length == 0 ? relative : directory + "/" + relative);

    /// <summary>
    /// Whether a name referenced by a document (manifest.json, index.json) is acceptable as written: relative,
    /// and not leaving the root. Docker refuses such names in <c>docker load</c>, and so do we.
    /// </summary>
    public static bool IsSafeReference(string name, out string? reason)
    {
        if (name.Length == 0)
        {
            reason = "empty path";
            return false;
        }

        if (name.StartsWith('/') || name.Contains('\\', StringComparison.Ordinal) || (name.Length > 1 && name[1] == ':'))
        {
            reason = "absolute path";
            return false;
        }

        if (name.Contains('\0', StringComparison.Ordinal))
        {
            reason = "path contains a NUL character";
            return false;
        }

        if (Clean(name) is null)
        {
            reason = "path leaves the archive";
            return false;
        }

        reason = null;
        return true;
    }
}
