using ImageFormat.Tar;

namespace ImageFormat.Layers;

/// <summary>One path of an image's merged file tree, with the entry and layer that last set it.</summary>
public sealed class MergedEntry
{
    internal MergedEntry(string path, TarEntryHeader header, int layerIndex, TarEntryHeader? contentHeader, int contentLayer)
    {
        Path = path;
        Header = header;
        LayerIndex = layerIndex;
        ContentHeader = contentHeader;
        ContentLayer = contentLayer;
    }

    /// <summary>The cleaned path relative to the root, without a leading or trailing <c>/</c>.</summary>
    public string Path { get; }

    /// <summary>The tar entry as the layer wrote it (all metadata, PAX records and xattrs included).</summary>
    public TarEntryHeader Header { get; }

    /// <summary>The index of the layer that last set this path (0 for the base layer).</summary>
    public int LayerIndex { get; }

    /// <summary>The entry type.</summary>
    public TarEntryKind Type => Header.Type;

    /// <summary>
    /// The size of the content: the file's own size, or for a hard link the size of the file it links to.
    /// 0 for directories, symbolic links, devices and fifos.
    /// </summary>
    public long Size => ContentHeader?.Size ?? 0;

    // For a regular file, its own header; for a hard link, the regular file it named when it was applied.
    internal TarEntryHeader? ContentHeader { get; }

    internal int ContentLayer { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Path} (layer {LayerIndex})";
}

/// <summary>What one layer contributes to an image's merged tree.</summary>
public sealed class MergedLayerSummary
{
    internal MergedLayerSummary(int index) => Index = index;

    /// <summary>The layer's index, 0 for the base.</summary>
    public int Index { get; }

    /// <summary>Paths the layer created that did not exist below it.</summary>
    public long Added { get; internal set; }

    /// <summary>Paths the layer set that already existed below it.</summary>
    public long Changed { get; internal set; }

    /// <summary>Paths the layer's whiteouts and opaque whiteouts removed (every path of a removed directory counts).</summary>
    public long Deleted { get; internal set; }

    /// <summary>Bytes of this layer's files that later layers (or later entries of this one) overwrite or delete.</summary>
    public long WastedBytes { get; internal set; }

    /// <summary>Total bytes of regular-file content in the layer.</summary>
    public long ContentBytes { get; internal set; }
}
