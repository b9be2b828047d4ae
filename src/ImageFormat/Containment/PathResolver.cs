namespace ImageFormat.Containment;

/// <summary>What resolution does when a path climbs above the root (<c>..</c> at the root, or an absolute link target).</summary>
internal enum RootPolicy
{
    /// <summary>The path is refused: readers of archives and layout directories.</summary>
    Refuse,

    /// <summary>The root is its own parent and absolute targets start at it, as after <c>chroot</c>: extraction and the merged tree.</summary>
    Clamp,
}

/// <summary>What one name in a directory is, seen without following it.</summary>
internal enum NodeKind : byte
{
    /// <summary>Nothing exists there (or the parent itself is missing).</summary>
    Missing,

    /// <summary>A directory.</summary>
    Directory,

    /// <summary>A symbolic link.</summary>
    Symlink,

    /// <summary>Anything else: a file, device, fifo, socket, hard link entry.</summary>
    Other,
}

/// <summary>How one resolution ended.</summary>
internal enum ResolveStatus
{
    /// <summary>The path resolved; <see cref="PathResolver{TNode, TAdapter}.Frames"/> holds it.</summary>
    Ok,

    /// <summary>More than the hop limit of symbolic links were followed.</summary>
    TooManyLinks,

    /// <summary>Under <see cref="RootPolicy.Refuse"/>: the path or a link's target climbs above the root or is absolute.</summary>
    Escapes,
}

/// <summary>
/// One file system as the resolver sees it: a lookup of one name in one directory that never follows a link.
/// Each call is one component lookup; the resolver makes at most one per component it visits.
/// </summary>
/// <typeparam name="TNode">A directory (or, for a final component, any object) of this file system.</typeparam>
internal interface IFileSystemAdapter<TNode>
{
    /// <summary>Looks up <paramref name="name"/> in <paramref name="directory"/> without following it.</summary>
    /// <param name="directory">A directory node the resolver obtained from this adapter (or the root).</param>
    /// <param name="name">One component: never empty, <c>.</c> or <c>..</c>.</param>
    /// <param name="node">For a directory, its node (owned by the resolver, which releases it); otherwise whatever
    /// the adapter reports about the object (may be a default).</param>
    /// <param name="linkTarget">For a symbolic link, its target exactly as stored.</param>
    /// <returns>What the name is.</returns>
    NodeKind Lookup(TNode directory, string name, out TNode node, out string? linkTarget);

    /// <summary>Releases a node the resolver no longer needs (closes a descriptor on disk).</summary>
    void Release(TNode node);
}

/// <summary>One resolved component: its name as it exists, its node and what it is.</summary>
/// <typeparam name="TNode">The adapter's node type.</typeparam>
internal struct Frame<TNode>
{
    public string Name;
    public TNode Node;
    public NodeKind Kind;
}

/// <summary>
/// The one path resolution algorithm of the library, shared by every file system it reads or writes (the tar index of
/// an archive, an OCI layout directory, the merged tree of an image, the root file system being extracted). A path is
/// walked component by component from the root: each component is one <see cref="IFileSystemAdapter{TNode}.Lookup"/>,
/// a symbolic link is replaced by its target's components (an absolute target restarts at the root), <c>..</c> goes
/// back to the directory the walk came from (the physical parent, never a lexical one), and nothing can climb above
/// the root: depending on <see cref="RootPolicy"/>, the root is its own parent or the path is refused.
/// </summary>
/// <remarks>
/// <para>Below a missing component everything is missing: no lookup is made, but the names are kept so that a
/// following <c>..</c> goes back to a real directory, whose next component is checked again like any other.</para>
/// <para>Cost: one lookup per component visited; links add the components of their targets, at most
/// <c>maxHops</c> times. The resolver keeps the directories of the previous resolution and reuses the longest
/// common prefix of plain components (no link, no <c>..</c> on the way), so a tar walked in order costs one lookup
/// per new directory. <see cref="Invalidate"/> drops that cache; writers call it whenever they remove or replace
/// something.</para>
/// <para>Not thread-safe; one instance per walk.</para>
/// </remarks>
/// <typeparam name="TNode">The adapter's node type.</typeparam>
/// <typeparam name="TAdapter">The adapter.</typeparam>
internal sealed class PathResolver<TNode, TAdapter> : IDisposable
    where TAdapter : IFileSystemAdapter<TNode>
{
    private readonly TAdapter _adapter;
    private readonly RootPolicy _policy;
    private readonly int _maxHops;
    private readonly List<Frame<TNode>> _frames = [];
    private readonly List<string> _pending = [];
    private readonly List<string> _cachedParts = [];

    public PathResolver(TAdapter adapter, TNode root, RootPolicy policy, int maxHops)
    {
        _adapter = adapter;
        _policy = policy;
        _maxHops = maxHops;
        _frames.Add(new Frame<TNode> { Name = string.Empty, Node = root, Kind = NodeKind.Directory });
    }

    /// <summary>The resolved path of the last <see cref="Resolve"/>: the root first, then one frame per component.</summary>
    public IReadOnlyList<Frame<TNode>> Frames => _frames;

    /// <summary>How many component lookups this resolver made, for tests proving the cost is linear.</summary>
    public long Lookups { get; private set; }

    /// <summary>Whether the prefix cache is used (on by default; tests turn it off to count raw lookups).</summary>
    public bool UseCache { get; set; } = true;

    /// <summary>After <see cref="ResolveStatus.TooManyLinks"/> or <see cref="ResolveStatus.Escapes"/>: the last link followed, as resolved names, or <see langword="null"/>.</summary>
    public string? LastLink { get; private set; }

    /// <summary>The target of <see cref="LastLink"/>.</summary>
    public string? LastLinkTarget { get; private set; }

    /// <summary>The adapter.</summary>
    public TAdapter Adapter => _adapter;

    /// <summary>The root's node.</summary>
    public TNode Root => _frames[0].Node;

    /// <summary>
    /// Resolves <paramref name="parts"/> (components relative to the root; empty, <c>.</c> and <c>..</c> allowed).
    /// </summary>
    /// <param name="parts">The components.</param>
    /// <param name="followFinal">Whether a symbolic link as the last component is followed too.</param>
    /// <param name="lookUpFinal">Whether the last component is looked up. When <see langword="false"/> (only with
    /// <paramref name="followFinal"/> <see langword="false"/>), its frame says <see cref="NodeKind.Missing"/> without
    /// asking: for a caller about to create that name exclusively (<c>O_CREAT | O_EXCL</c>, <c>mkdirat</c>), which
    /// fails on whatever is there, and which then resolves again with the lookup to see what it is.</param>
    /// <returns>The status; on <see cref="ResolveStatus.Ok"/>, <see cref="Frames"/> holds the result, whose last
    /// frame is the final component (the root alone when the path names the root).</returns>
    public ResolveStatus Resolve(IReadOnlyList<string> parts, bool followFinal, bool lookUpFinal = true)
    {
        if (!lookUpFinal && followFinal)
        {
            throw new ArgumentException("A final component that is not looked up cannot be followed.", nameof(lookUpFinal));
        }

        LastLink = null;
        LastLinkTarget = null;

        // Reuse the directories of the previous resolution for the common prefix of plain components.
        int common = 0;
        if (UseCache)
        {
            int limit = Math.Min(parts.Count - 1, _cachedParts.Count);
            while (common < limit && string.Equals(parts[common], _cachedParts[common], StringComparison.Ordinal))
            {
                common++;
            }
        }

        Truncate(common + 1);
        _cachedParts.RemoveRange(common, _cachedParts.Count - common);
        bool plain = UseCache;

        _pending.Clear();
        for (int i = parts.Count - 1; i >= common; i--)
        {
            _pending.Add(parts[i]);
        }

        int hops = 0;
        while (_pending.Count > 0)
        {
            string part = _pending[^1];
            _pending.RemoveAt(_pending.Count - 1);
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                plain = false;
                if (_frames.Count == 1)
                {
                    if (_policy == RootPolicy.Refuse)
                    {
                        return ResolveStatus.Escapes;
                    }

                    continue;
                }

                Truncate(_frames.Count - 1);
                continue;
            }

            bool isFinal = _pending.Count == 0;
            Frame<TNode> top = _frames[^1];
            if (top.Kind != NodeKind.Directory)
            {
                // Below something missing (or not a directory) nothing exists, and nothing is looked up.
                plain = false;
                _frames.Add(new Frame<TNode> { Name = part, Kind = NodeKind.Missing });
                continue;
            }

            if (isFinal && !lookUpFinal)
            {
                _frames.Add(new Frame<TNode> { Name = part, Kind = NodeKind.Missing });
                continue;
            }

            Lookups++;
            NodeKind kind = _adapter.Lookup(top.Node, part, out TNode node, out string? target);
            if (kind == NodeKind.Symlink && (followFinal || !isFinal))
            {
                plain = false;
                if (++hops > _maxHops)
                {
                    LastLink = Describe(part);
                    LastLinkTarget = target;
                    return ResolveStatus.TooManyLinks;
                }

                LastLink = Describe(part);
                LastLinkTarget = target;
                if (target!.StartsWith('/'))
                {
                    if (_policy == RootPolicy.Refuse)
                    {
                        return ResolveStatus.Escapes;
                    }

                    Truncate(1);
                }

                PushTarget(target);
                continue;
            }

            _frames.Add(new Frame<TNode> { Name = part, Node = node, Kind = kind });
            if (plain && !isFinal && kind == NodeKind.Directory && _cachedParts.Count == _frames.Count - 2)
            {
                _cachedParts.Add(part);
            }
            else
            {
                plain = false;
            }
        }

        return ResolveStatus.Ok;
    }

    /// <summary>Replaces a missing frame by a directory just created there (its node now owned by the resolver).</summary>
    public void Materialize(int index, TNode node)
    {
        Frame<TNode> frame = _frames[index];
        frame.Node = node;
        frame.Kind = NodeKind.Directory;
        _frames[index] = frame;
    }

    /// <summary>The frames' names from index 1 up to (not including) <paramref name="end"/>, joined with <c>/</c>.</summary>
    public string Join(int end)
    {
        if (end <= 1)
        {
            return string.Empty;
        }

        int length = end - 2;
        for (int i = 1; i < end; i++)
        {
            length += _frames[i].Name.Length;
        }

        return string.Create(length, (_frames, end), static (span, state) =>
        {
            int at = 0;
            for (int i = 1; i < state.end; i++)
            {
                if (i > 1)
                {
                    span[at++] = '/';
                }

                state._frames[i].Name.AsSpan().CopyTo(span[at..]);
                at += state._frames[i].Name.Length;
            }
        });
    }

    /// <summary>
    /// Forgets the cached prefix (after anything was removed or replaced): the next <see cref="Resolve"/> starts at the
    /// root. The frames of the last resolution stay open until then.
    /// </summary>
    public void Invalidate() => _cachedParts.Clear();

    /// <summary>Releases every node but the root (which the caller owns).</summary>
    public void Dispose()
    {
        Truncate(1);
        _cachedParts.Clear();
    }

    private string Describe(string part) => _frames.Count == 1 ? part : Join(_frames.Count) + "/" + part;

    private void PushTarget(string target)
    {
        int end = target.Length;
        for (int i = target.Length - 1; i >= -1; i--)
        {
            if (i == -1 || target[i] == '/')
            {
                _pending.Add(target[(i + 1)..end]);
                end = i;
            }
        }
    }

    private void Truncate(int count)
    {
        for (int i = _frames.Count - 1; i >= count; i--)
        {
            if (_frames[i].Kind != NodeKind.Missing)
            {
                _adapter.Release(_frames[i].Node);
            }
        }

        if (_frames.Count > count)
        {
            _frames.RemoveRange(count, _frames.Count - count);
        }
    }
}
