using ImageFormat.Errors;

namespace ImageFormat.Layers;

/// <summary>Entry names of a layer: lexical cleaning, containment and whiteout recognition.</summary>
internal static class LayerPath
{
    public const string WhiteoutPrefix = ".wh.";
    public const string WhiteoutMetaPrefix = ".wh..wh.";
    public const string OpaqueWhiteout = ".wh..wh..opq";

    /// <summary>
    /// Cleans an entry name into path components below the root (empty for the root itself). <c>./</c> prefixes,
    /// empty and <c>.</c> components go; <c>..</c> removes the previous component.
    /// </summary>
    /// <exception cref="InvalidLayerException">The name is absolute, or <c>..</c> climbs above the root (code <see cref="ErrorCodes.UnsafePath"/>).</exception>
    public static List<string> Split(string name, string? layer, string entry)
    {
        if (name.StartsWith('/'))
        {
            throw new InvalidLayerException(ErrorCodes.UnsafePath, layer, entry, "absolute path names are refused");
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
                    throw new InvalidLayerException(ErrorCodes.UnsafePath, layer, entry, "the path climbs out of the root");
                }

                parts.RemoveAt(parts.Count - 1);
                continue;
            }

            parts.Add(part);
        }

        return parts;
    }

    /// <summary>Joins components with <c>/</c>: the path relative to the root, empty for the root.</summary>
    public static string Join(IReadOnlyList<string> parts) => string.Join('/', parts);

    /// <summary>What a cleaned name denotes.</summary>
    public static WhiteoutKind Classify(IReadOnlyList<string> parts, string? layer, string entry, out string? target)
    {
        target = null;
        if (parts.Count == 0)
        {
            return WhiteoutKind.None;
        }

        string last = parts[^1];
        if (!last.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
        {
            return WhiteoutKind.None;
        }

        if (last == OpaqueWhiteout)
        {
            return WhiteoutKind.Opaque;
        }

        if (last.StartsWith(WhiteoutMetaPrefix, StringComparison.Ordinal))
        {
            // aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs): Docker skips these, and so do we.
            return WhiteoutKind.Meta;
        }

        target = last[WhiteoutPrefix.Length..];
        if (target.Length == 0 || target == "." || target == "..")
        {
            throw new InvalidLayerException(ErrorCodes.InvalidLayer, layer, entry, $"whiteout \"{last}\" names no file");
        }

        return WhiteoutKind.File;
    }
}

/// <summary>Whether an entry is a whiteout, and which kind.</summary>
internal enum WhiteoutKind
{
    None,
    File,
    Opaque,
    Meta,
}
