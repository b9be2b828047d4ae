using ImageFormat.Compression;
using ImageFormat.Containment;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Images;
using ImageFormat.Tar;

namespace ImageFormat.Layers;

/// <summary>
/// The merged file tree of an image, computed straight from its layer streams without extracting anything: every
/// path with the entry and layer that last set it, per-layer counts of added, changed and deleted paths, and the
/// bytes wasted by files that later layers overwrite or delete (what <c>dive</c> reports as efficiency).
/// </summary>
/// <remarks>
/// Paths are taken as written (cleaned lexically); names that climb out of the root or are absolute are refused
/// with <see cref="ErrorCodes.UnsafePath"/>. Whiteouts and opaque whiteouts apply as in <see cref="LayerExtractor"/>;
/// duplicate entries in one layer: the last one wins. Symbolic links are followed only by <see cref="Resolve"/> and
/// <see cref="OpenFile"/>, inside the tree.
/// </remarks>
public sealed class MergedTree
{
    private readonly Node _root = new(null);
    private readonly IReadOnlyList<IImageLayer>? _layers;
    private readonly ImageFormatLimits _limits;
    private readonly List<MergedLayerSummary> _summaries = [];
    private int _currentLayer;
    private bool _verify;
    private string? _currentLabel;

    private MergedTree(IReadOnlyList<IImageLayer>? layers, ImageFormatLimits limits)
    {
        _layers = layers;
        _limits = limits;
    }

    /// <summary>Per-layer summaries, base first.</summary>
    public IReadOnlyList<MergedLayerSummary> Layers => _summaries;

    /// <summary>Bytes of file content that the image stores but its merged tree does not show.</summary>
    public long WastedBytes => _summaries.Sum(s => s.WastedBytes);

    /// <summary>Bytes of file content in all layers together.</summary>
    public long ContentBytes => _summaries.Sum(s => s.ContentBytes);

    /// <summary>The share of stored content bytes still visible in the merged tree (1 when nothing is wasted).</summary>
    public double Efficiency => ContentBytes == 0 ? 1 : 1 - ((double)WastedBytes / ContentBytes);

    /// <summary>
    /// Builds the merged tree of <paramref name="image"/>, reading each layer once and, unless
    /// <paramref name="verifyDigests"/> is <see langword="false"/>, checking its stored digest and size and its
    /// diffID on the way (every layer is then read to its end).
    /// </summary>
    /// <param name="image">The image, from any source (an archive, an OCI layout, the store, a builder).</param>
    /// <param name="limits">Safety limits; <see cref="ImageFormatLimits.Default"/> when <see langword="null"/>.</param>
    /// <param name="verifyDigests">Whether to verify the layers (the default); <see langword="false"/> only for
    /// input the caller trusts. <see cref="OpenFile"/> verifies what it decompresses again on the same terms.</param>
    /// <returns>The tree.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidLayerException">An entry name is unsafe, or a whiteout invalid.</exception>
    /// <exception cref="ContentMismatchException">A layer does not match its digest, size or diffID (<see cref="DigestMismatchException"/> or <see cref="SizeMismatchException"/>).</exception>
    /// <exception cref="ImageFormatException">A layer is missing, corrupt or exceeds a limit.</exception>
    public static MergedTree Build(IContainerImage image, ImageFormatLimits? limits = null, bool verifyDigests = true)
    {
        ArgumentNullException.ThrowIfNull(image);
        return BuildCore(image, limits, verifyDigests, CancellationToken.None);
    }

    /// <summary>
    /// Builds the merged tree of <paramref name="image"/> as <see cref="Build"/> does (the same core, the same
    /// tree). Reading a layer decompresses and parses it (CPU work): the core runs on a thread-pool thread and
    /// observes the token on every read of a layer.
    /// </summary>
    /// <param name="image">The image.</param>
    /// <param name="limits">Safety limits; <see cref="ImageFormatLimits.Default"/> when <see langword="null"/>.</param>
    /// <param name="verifyDigests">Whether to verify the layers (the default).</param>
    /// <param name="cancellationToken">Stops the build.</param>
    /// <returns>The tree.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidLayerException">An entry name is unsafe, or a whiteout invalid.</exception>
    /// <exception cref="DigestMismatchException">A layer does not match its digest, size or diffID.</exception>
    /// <exception cref="ImageFormatException">A layer is missing, corrupt or exceeds a limit.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static Task<MergedTree> BuildAsync(IContainerImage image, ImageFormatLimits? limits = null, bool verifyDigests = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        return Progress.SyncCore.Offload(() => BuildCore(image, limits, verifyDigests, cancellationToken), cancellationToken);
    }

    /// <summary>The one core of <see cref="Build"/> and <see cref="BuildAsync"/>.</summary>
    private static MergedTree BuildCore(IContainerImage image, ImageFormatLimits? limits, bool verifyDigests, CancellationToken cancellationToken)
    {
        IReadOnlyList<IImageLayer> layers = image.Layers;
        var tree = new MergedTree(layers, limits ?? ImageFormatLimits.Default) { _verify = verifyDigests };
        for (int i = 0; i < layers.Count; i++)
        {
            using Stream tar = LayerStreams.OpenUncompressed(layers[i], verifyDigests, null, cancellationToken, out _);
            tree.AddLayer(tar, LayerExtractor.LayerLabel(i, layers[i]));
            if (verifyDigests)
            {
                LayerStreams.ReadToEnd(tar);
            }
        }

        return tree;
    }

    /// <summary>Builds a merged tree from uncompressed layer tars, base first (content cannot be opened from it).</summary>
    /// <param name="layers">The layer tars; each is read to its end and left open.</param>
    /// <param name="limits">Safety limits; <see cref="ImageFormatLimits.Default"/> when <see langword="null"/>.</param>
    /// <returns>The tree.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="layers"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidLayerException">An entry name is unsafe, or a whiteout invalid.</exception>
    /// <exception cref="ImageFormatException">A tar is malformed or exceeds a limit.</exception>
    public static MergedTree FromStreams(IEnumerable<Stream> layers, ImageFormatLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var tree = new MergedTree(null, limits ?? ImageFormatLimits.Default);
        int index = 0;
        foreach (Stream tar in layers)
        {
            tree.AddLayer(tar, index.ToString(System.Globalization.CultureInfo.InvariantCulture));
            index++;
        }

        return tree;
    }

    /// <summary>Every path of the merged tree, sorted by path (ordinal), parents before children.</summary>
    /// <returns>The entries. Directories implied by deeper paths but never written have no entry.</returns>
    public IEnumerable<MergedEntry> Enumerate()
    {
        var stack = new Stack<Node>();
        stack.Push(_root);
        while (stack.Count > 0)
        {
            Node node = stack.Pop();
            if (node.Entry is not null)
            {
                yield return node.Entry;
            }

            if (node.Children is { } children)
            {
                foreach (Node child in children.Values.OrderByDescending(c => c.Name, StringComparer.Ordinal))
                {
                    stack.Push(child);
                }
            }
        }
    }

    /// <summary>The entry at <paramref name="path"/> taken literally (no link followed), if any.</summary>
    /// <param name="path">A path relative to the root (a leading <c>/</c> is allowed).</param>
    /// <returns>The entry, or <see langword="null"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidLayerException"><paramref name="path"/> climbs out of the root.</exception>
    public MergedEntry? Find(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        List<string> parts = LayerPath.Split(path.TrimStart('/'), null, path);
        return Lookup(parts)?.Entry;
    }

    /// <summary>The entry <paramref name="path"/> leads to, following symbolic links inside the tree as if it were the root.</summary>
    /// <param name="path">A path relative to the root (a leading <c>/</c> is allowed).</param>
    /// <returns>The entry, or <see langword="null"/> when nothing is there.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidLayerException">Too many links (<see cref="ErrorCodes.UnsafePath"/>).</exception>
    public MergedEntry? Resolve(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Lookup(ResolveParts(path.Split('/'), followFinal: true, null, path))?.Entry;
    }

    /// <summary>
    /// Resolves path components through the symbolic links already in the tree with the library's one resolver, as
    /// extraction resolves them on disk: the tree's root is the root (<c>..</c> stops there, absolute targets start
    /// there), and below a component that does not exist nothing exists.
    /// </summary>
    private List<string> ResolveParts(IReadOnlyList<string> parts, bool followFinal, string? layer, string entry)
    {
        // Nodes leave the tree when entries are replaced or whited out, so no prefix is cached between calls.
        using var resolver = new PathResolver<Node, MergedTreeAdapter>(new MergedTreeAdapter(), _root, RootPolicy.Clamp, _limits.MaxLinkHops) { UseCache = false };
        if (resolver.Resolve(parts, followFinal) != ResolveStatus.Ok)
        {
            throw new InvalidLayerException(ErrorCodes.UnsafePath, layer, entry, $"more than {_limits.MaxLinkHops} symbolic links to follow");
        }

        var resolved = new List<string>(resolver.Frames.Count - 1);
        for (int i = 1; i < resolver.Frames.Count; i++)
        {
            resolved.Add(resolver.Frames[i].Name);
        }

        return resolved;
    }

    /// <summary>
    /// Opens the content of the file at <paramref name="path"/> (links followed inside the tree). On an
    /// uncompressed layer the stream reads the bytes in place (verified by <see cref="Build"/>); a compressed layer is
    /// decompressed up to the file and, once the file's last byte is read, to the layer's end, so that the read that
    /// ends the stream throws <see cref="ContentMismatchException"/> if the layer does not match its digests or size.
    /// </summary>
    /// <param name="path">A path relative to the root.</param>
    /// <returns>A read-only stream of the file's content; dispose it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="NotFoundException">Nothing is at <paramref name="path"/>, or it is not a regular file.</exception>
    /// <exception cref="InvalidOperationException">The tree was built from bare streams, not from an image.</exception>
    /// <exception cref="ImageFormatException">The layer is missing or corrupt.</exception>
    public Stream OpenFile(string path)
    {
        MergedEntry entry = Resolve(path) ?? throw new NotFoundException(path, $"no such file in the image: {path}");
        if (entry.ContentHeader is not { } header)
        {
            throw new NotFoundException(path, $"not a regular file: {path} ({entry.Type})");
        }

        if (_layers is null)
        {
            throw new InvalidOperationException("This tree was built from bare layer streams; content cannot be opened.");
        }

        IImageLayer layer = _layers[entry.ContentLayer];
        if (layer.Compression == CompressionFormat.None && !header.IsSparse)
        {
            // Read in place from the same blob Build read (and, unless told not to, verified) in full.
            Stream stored = layer.OpenBlob(verify: false);
            if (stored.CanSeek)
            {
                stored.Position = header.DataOffset;
                return new BoundedReadStream(stored, header.Size);
            }

            stored.Dispose();
        }

        Stream tar = layer.OpenUncompressed(_verify);
        var reader = new TarEntryReader(tar, leaveOpen: false, _limits);
        try
        {
            while (reader.GetNextEntry() is { } candidate)
            {
                if (candidate.HeaderOffset == header.HeaderOffset)
                {
                    return new OwningStream(reader.OpenEntryData(), reader, _verify ? tar : null);
                }
            }
        }
        catch
        {
            reader.Dispose();
            throw;
        }

        reader.Dispose();
        throw new InvalidArchiveException(ErrorCodes.InvalidLayer, LayerStreams.SubjectOf(layer), $"entry {header.Name} vanished from the layer");
    }

    private Node? Lookup(List<string> parts)
    {
        Node node = _root;
        foreach (string part in parts)
        {
            if (node.Children is null || !node.Children.TryGetValue(part, out Node? child))
            {
                return null;
            }

            node = child;
        }

        return node;
    }

    private void AddLayer(Stream tar, string label)
    {
        if (_summaries.Count >= _limits.MaxLayerCount)
        {
            throw new LimitExceededException("image", nameof(ImageFormatLimits.MaxLayerCount), _limits.MaxLayerCount, _summaries.Count + 1);
        }

        _currentLayer = _summaries.Count;
        _currentLabel = label;
        var summary = new MergedLayerSummary(_currentLayer);
        _summaries.Add(summary);
        using var reader = new TarEntryReader(tar, leaveOpen: true, _limits);
        while (reader.GetNextEntry() is { } entry)
        {
            AddEntry(entry, summary);
        }
    }

    private void AddEntry(TarEntryHeader entry, MergedLayerSummary summary)
    {
        List<string> parts = LayerPath.Split(entry.Name, _currentLabel, entry.Name);
        WhiteoutKind kind = LayerPath.Classify(parts, _currentLabel, entry.Name, out string? target);

        // Where extraction writes through a symbolic link planted earlier, the tree must show the entry there too.
        if (parts.Count > 1)
        {
            parts = ResolveParts(parts, followFinal: false, _currentLabel, entry.Name);
        }

        switch (kind)
        {
            case WhiteoutKind.Meta:
                return;
            case WhiteoutKind.Opaque:
                if (Lookup(parts[..^1]) is { } directory)
                {
                    Touch(parts[..^1]);
                    RemoveUntouched(directory, summary);
                }

                return;
            case WhiteoutKind.File:
                Node? parentNode = Lookup(parts[..^1]);
                if (parentNode?.Children is { } siblings && siblings.Remove(target!, out Node? removed))
                {
                    Discard(removed, summary, countSelf: true);
                }

                return;
        }

        if (parts.Count == 0)
        {
            if (entry.Type != TarEntryKind.Directory)
            {
                throw new InvalidLayerException(ErrorCodes.UnsafePath, _currentLabel, entry.Name, "only a directory may stand for the root");
            }

            _root.Entry = new MergedEntry(string.Empty, entry, _currentLayer, null, _currentLayer);
            return;
        }

        if (entry.Type is TarEntryKind.RegularFile or TarEntryKind.ContiguousFile)
        {
            summary.ContentBytes += entry.Size;
        }

        TarEntryHeader? content = entry.Type is TarEntryKind.RegularFile or TarEntryKind.ContiguousFile ? entry : null;
        int contentLayer = _currentLayer;
        if (entry.Type == TarEntryKind.HardLink)
        {
            List<string> linkParts = ResolveParts(LayerPath.Split(entry.LinkName, _currentLabel, entry.Name), followFinal: false, _currentLabel, entry.Name);
            MergedEntry? linked = Lookup(linkParts)?.Entry;
            if (linked is null or { Type: TarEntryKind.Directory })
            {
                throw new InvalidLayerException(ErrorCodes.InvalidLayer, _currentLabel, entry.Name, linked is null
                    ? $"hard link target \"{entry.LinkName}\" does not exist"
                    : $"hard link target \"{entry.LinkName}\" is a directory");
            }

            content = linked.ContentHeader;
            contentLayer = linked.ContentLayer;
        }

        Node parent = _root;
        for (int i = 0; i < parts.Count - 1; i++)
        {
            parent.Children ??= new Dictionary<string, Node>(StringComparer.Ordinal);
            if (!parent.Children.TryGetValue(parts[i], out Node? next))
            {
                next = new Node(parts[i]);
                parent.Children.Add(parts[i], next);
            }
            else if (next.Entry is { } existing && existing.Type != TarEntryKind.Directory)
            {
                throw new InvalidLayerException(ErrorCodes.InvalidLayer, _currentLabel, entry.Name, $"parent \"{LayerPath.Join(parts[..(i + 1)])}\" is not a directory");
            }

            parent = next;
        }

        parent.Children ??= new Dictionary<string, Node>(StringComparer.Ordinal);
        string name = parts[^1];
        bool isDirectory = entry.Type == TarEntryKind.Directory;
        if (parent.Children.TryGetValue(name, out Node? node))
        {
            bool existed = node.Entry is not null || node.Children is { Count: > 0 };
            if (node.Entry is { } old && (old.LayerIndex != _currentLayer || node.LayerTouched != _currentLayer))
            {
                summary.Changed++;
            }
            else if (!existed)
            {
                summary.Added++;
            }

            WasteFile(node);
            if (!isDirectory && node.Children is { } children)
            {
                foreach (Node child in children.Values)
                {
                    Discard(child, null, countSelf: false);
                }

                node.Children = null;
            }
        }
        else
        {
            node = new Node(name);
            parent.Children.Add(name, node);
            summary.Added++;
        }

        node.Entry = new MergedEntry(LayerPath.Join(parts), entry, _currentLayer, content, contentLayer);
        Touch(parts);
    }

    private void Touch(List<string> parts)
    {
        Node node = _root;
        node.LayerTouched = _currentLayer;
        foreach (string part in parts)
        {
            if (node.Children is null || !node.Children.TryGetValue(part, out Node? child))
            {
                return;
            }

            node = child;
            node.LayerTouched = _currentLayer;
        }
    }

    private void RemoveUntouched(Node directory, MergedLayerSummary summary)
    {
        if (directory.Children is not { } children)
        {
            return;
        }

        foreach (Node child in children.Values.ToList())
        {
            if (child.LayerTouched != _currentLayer)
            {
                children.Remove(child.Name!);
                Discard(child, summary, countSelf: true);
            }
            else
            {
                RemoveUntouched(child, summary);
            }
        }
    }

    private void Discard(Node node, MergedLayerSummary? summary, bool countSelf)
    {
        if (summary is not null && countSelf && (node.Entry is not null || node.Children is not null))
        {
            summary.Deleted++;
        }

        WasteFile(node);
        if (node.Children is { } children)
        {
            foreach (Node child in children.Values)
            {
                Discard(child, summary, countSelf: true);
            }
        }
    }

    private void WasteFile(Node node)
    {
        if (node.Entry is { Type: TarEntryKind.RegularFile or TarEntryKind.ContiguousFile } old)
        {
            _summaries[old.LayerIndex].WastedBytes += old.Header.Size;
        }
    }

    /// <summary>One node of the tree (internal for the resolver's adapter).</summary>
    internal sealed class Node(string? name)
    {
        public string? Name { get; } = name;

        public MergedEntry? Entry { get; set; }

        public Dictionary<string, Node>? Children { get; set; }

        public int LayerTouched { get; set; } = -1;
    }
}
