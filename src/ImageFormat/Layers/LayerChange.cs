namespace ImageFormat.Layers;

/// <summary>The kind of a change between two trees, as <c>docker diff</c> prints it.</summary>
public enum LayerChangeKind
{
    /// <summary><c>C</c>: the path exists on both sides and its metadata or content differs, or something inside the directory changed.</summary>
    Changed,

    /// <summary><c>A</c>: the path exists only in the new tree.</summary>
    Added,

    /// <summary><c>D</c>: the path exists only in the base tree (a deleted directory is one change, not one per child).</summary>
    Deleted,
}

/// <summary>One change between a base tree and a directory.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Path">The absolute path inside the tree (<c>/etc/passwd</c>), as <c>docker diff</c> prints it.</param>
public readonly record struct LayerChange(LayerChangeKind Kind, string Path)
{
    /// <summary>The letter <c>docker diff</c> prints: <c>C</c>, <c>A</c> or <c>D</c>.</summary>
    public char Letter => Kind switch
    {
        LayerChangeKind.Added => 'A',
        LayerChangeKind.Deleted => 'D',
        _ => 'C',
    };

    /// <summary>The line <c>docker diff</c> prints: <c>C /etc</c>.</summary>
    /// <returns>The letter, a space and the path.</returns>
    public override string ToString() => $"{Letter} {Path}";
}

/// <summary>How <see cref="LayerDiff"/> compares files.</summary>
public sealed record LayerDiffOptions
{
    /// <summary>The defaults: metadata only, as Docker compares.</summary>
    public static LayerDiffOptions Default { get; } = new();

    /// <summary>
    /// When <see langword="true"/>, regular files whose size and modification time match are also compared by
    /// content (XxHash128), catching edits that preserved the time stamp. Docker does not do this.
    /// </summary>
    public bool CompareContent { get; init; }

    /// <summary>Limits of the walk over the directory; <see cref="ImageFormatLimits.MaxWalkDepth"/> bounds its depth.</summary>
    public ImageFormatLimits Limits { get; init; } = ImageFormatLimits.Default;
}
