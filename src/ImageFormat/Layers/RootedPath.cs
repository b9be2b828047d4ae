using ImageFormat.Errors;

namespace ImageFormat.Layers;

/// <summary>
/// Resolves a path inside a root directory on disk component by component, as the kernel would after
/// <c>chroot</c> to the root: each existing component is examined with lstat, a symbolic link is followed with
/// its target read relative to the link's directory (an absolute target from the root), and <c>..</c> never climbs
/// above the root. Links are never rewritten. The result therefore always names a place inside the root.
/// </summary>
internal static class RootedPath
{
    /// <summary>Resolves <paramref name="parts"/> under <paramref name="root"/>.</summary>
    /// <param name="root">The root directory's full path (no trailing separator).</param>
    /// <param name="parts">Cleaned components.</param>
    /// <param name="followFinal">Whether a symbolic link in the last component is followed too.</param>
    /// <param name="maxHops">Most links followed.</param>
    /// <param name="layer">For errors: the layer.</param>
    /// <param name="entry">For errors: the entry name.</param>
    /// <returns>The resolved components (every one but possibly the last a real directory or absent).</returns>
    /// <exception cref="InvalidLayerException">More than <paramref name="maxHops"/> links (code <see cref="ErrorCodes.UnsafePath"/>).</exception>
    public static List<string> Resolve(string root, IReadOnlyList<string> parts, bool followFinal, int maxHops, string? layer, string entry)
    {
        var resolved = new List<string>(parts.Count);
        var pending = new LinkedList<string>(parts);
        int hops = 0;
        bool absent = false;
        while (pending.First is { } node)
        {
            string part = node.Value;
            pending.RemoveFirst();
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (resolved.Count > 0)
                {
                    resolved.RemoveAt(resolved.Count - 1);
                }

                continue;
            }

            bool isFinal = pending.Count == 0;
            if ((isFinal && !followFinal) || absent)
            {
                resolved.Add(part);
                continue;
            }

            string host = HostPath(root, resolved, part);
            FileStatus? status = Native.LStat(host);
            if (status is { IsSymlink: true })
            {
                if (++hops > maxHops)
                {
                    throw new InvalidLayerException(ErrorCodes.UnsafePath, layer, entry, $"more than {maxHops} symbolic links to follow");
                }

                string target = Native.ReadLink(host);
                if (target.StartsWith('/'))
                {
                    resolved.Clear();
                }

                string[] targetParts = target.Split('/');
                for (int i = targetParts.Length - 1; i >= 0; i--)
                {
                    pending.AddFirst(targetParts[i]);
                }

                continue;
            }

            // Below a missing component nothing can be a link, so the rest is taken as written.
            absent = status is null;
            resolved.Add(part);
        }

        return resolved;
    }

    /// <summary>The host path of resolved components under <paramref name="root"/>.</summary>
    public static string HostPath(string root, IReadOnlyList<string> parts) =>
        parts.Count == 0 ? root : root + "/" + string.Join('/', parts);

    private static string HostPath(string root, List<string> resolved, string next) =>
        resolved.Count == 0 ? root + "/" + next : root + "/" + string.Join('/', resolved) + "/" + next;
}
