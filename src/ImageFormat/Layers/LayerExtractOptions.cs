namespace ImageFormat.Layers;

/// <summary>How <see cref="LayerExtractor"/> applies layers to a directory.</summary>
public sealed record LayerExtractOptions
{
    /// <summary>The defaults: unsafe entries throw, ownership applied only when running as root.</summary>
    public static LayerExtractOptions Default { get; } = new();

    /// <summary>
    /// When <see langword="true"/>, an entry refused as unsafe or invalid is skipped and reported in
    /// <see cref="LayerExtractResult.Skipped"/> instead of stopping the extraction with its exception.
    /// </summary>
    public bool SkipInvalidEntries { get; init; }

    /// <summary>
    /// Whether to apply each entry's uid and gid (lchown). <see langword="null"/> (the default) applies them when
    /// the process runs as root and records them in <see cref="LayerExtractResult.OwnershipNotApplied"/> otherwise.
    /// </summary>
    public bool? ApplyOwnership { get; init; }

    /// <summary>
    /// Whether <see cref="LayerExtractor.ExtractImage"/> checks each layer's stored digest and size and its diffID
    /// while it reads it (<see langword="true"/>, the default). A mismatch ends the extraction with
    /// <see cref="Digests.ContentMismatchException"/> once the layer's last byte is read, so the layer that failed is
    /// already applied (see the README on what an interrupted extraction leaves). Set <see langword="false"/> only
    /// for layers the caller already verified or otherwise trusts. <see cref="LayerExtractor.ApplyLayer"/> takes a
    /// bare stream and verifies nothing.
    /// </summary>
    public bool VerifyDigests { get; init; } = true;

    /// <summary>Safety limits (tar headers, link hops, decompression); <see cref="ImageFormatLimits.Default"/> when <see langword="null"/>.</summary>
    public ImageFormatLimits? Limits { get; init; }

    /// <summary>Whether file contents go to a writer thread (see <c>WriteBehind</c>); <see langword="null"/>: when there is more than one core. Tests set it to compare both paths.</summary>
    internal bool? WriteBehind { get; init; }
}
