namespace ImageFormat;

/// <summary>
/// Safety limits applied to untrusted input. Every reader takes an instance; <see cref="Default"/> holds values
/// that no legitimate image comes near. Exceeding a limit throws <see cref="Errors.LimitExceededException"/>
/// naming the limit by its property name; <c>imagefmt --limit NAME=VALUE</c> changes any of them.
/// </summary>
/// <remarks>
/// <para>Work and disk space are bounded in proportion to the input. Everything that expands bytes (a
/// decompressor, the holes of a sparse tar entry) may produce at most
/// <c>max(<see cref="ExpansionAllowanceBytes"/>, <see cref="MaxExpansionRatio"/> × input bytes read)</c> per
/// stream, where the input bytes are the compressed bytes actually consumed (for sparse holes, the tar bytes
/// read so far). Real layers compress 2:1 to 10:1, and gzip cannot exceed about 1032:1 even on zeros (deflate
/// emits at least one bit per 258-byte match), so the default ratio of 1100 never stops a gzip stream and leaves
/// real zstd or bzip2 layers a hundredfold margin; zstd and bzip2 reach 10,000:1 to 1,000,000:1 on zeros, which
/// is what a bomb is made of. A 3 MB bomb therefore costs at most 3.3 GB per stream instead of filling the disk.
/// The absolute caps (<see cref="MaxDecompressedBytes"/>, <see cref="MaxSpoolBytes"/>,
/// <see cref="MaxLoadLayerBytes"/>, <see cref="MaxSparseEntryBytes"/>, <see cref="MaxSparseLayerBytes"/>)
/// apply on top, for callers who want a hard ceiling on disk use.</para>
/// </remarks>
public sealed record ImageFormatLimits
{
    /// <summary>The defaults: generous for real images, small enough to stop resource exhaustion.</summary>
    public static ImageFormatLimits Default { get; } = new();

    /// <summary>Largest JSON document (manifest.json, index.json, manifests, configs, repositories): 4 MiB.</summary>
    public int MaxJsonBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Deepest nesting of a JSON document: 64.</summary>
    public int MaxJsonDepth { get; init; } = 64;

    /// <summary>Largest tar metadata record (a PAX extended header or a GNU long name/link): 1 MiB.</summary>
    public int MaxTarHeaderBytes { get; init; } = 1024 * 1024;

    /// <summary>Most layers one image may have: 125, Docker's limit on layer depth.</summary>
    public int MaxLayerCount { get; init; } = 125;

    /// <summary>Most symbolic links followed when resolving one path inside an archive or root: 40, as Linux does.</summary>
    public int MaxLinkHops { get; init; } = 40;

    /// <summary>Most nested image indexes followed from one layout's <c>index.json</c>: 8.</summary>
    public int MaxIndexDepth { get; init; } = 8;

    /// <summary>Largest zstd window accepted, as a power of two: 2^27 (128 MiB), the zstd CLI's default cap.</summary>
    public int MaxZstdWindowLog { get; init; } = 27;

    /// <summary>
    /// Most bytes one decompressed stream (one layer, or a whole compressed archive) may produce, whatever its
    /// input: 1 TiB. A hard ceiling; <see cref="MaxExpansionRatio"/> is what stops a small bomb.
    /// </summary>
    public long MaxDecompressedBytes { get; init; } = 1L << 40;

    /// <summary>
    /// Most bytes a stream may expand to per input byte read: 1100. Applies to every decompressed stream (each
    /// layer, a compressed archive before it is spooled) against the compressed bytes consumed, and to the holes
    /// of sparse tar entries against the tar bytes read, always with <see cref="ExpansionAllowanceBytes"/> as a
    /// floor. 1100 lies just above gzip's theoretical maximum (about 1032:1), a hundred times above real layers
    /// (2:1 to 10:1), and far below what zstd or bzip2 reach on zeros (over 10,000:1), which is how bombs are made.
    /// 0 turns the ratio off (then only the absolute caps apply).
    /// </summary>
    public int MaxExpansionRatio { get; init; } = 1100;

    /// <summary>
    /// How many bytes any stream may expand to regardless of <see cref="MaxExpansionRatio"/>: 128 MiB, so a tiny
    /// but legitimately very compressible layer (a few files of zeros) still reads. At most
    /// <see cref="MaxLayerCount"/> streams share an image, so the floor bounds a bomb made of many small layers too.
    /// </summary>
    public long ExpansionAllowanceBytes { get; init; } = 128L * 1024 * 1024;

    /// <summary>
    /// Largest real (expanded) size of one sparse tar entry: 64 GiB. Docker, BuildKit and Go's
    /// <c>archive/tar</c> never write sparse entries (a sparse file is stored as real zeros), so sparse entries come
    /// from GNU tar or hand-made layers; the cap stops one header claiming terabytes of holes.
    /// </summary>
    public long MaxSparseEntryBytes { get; init; } = 64L * 1024 * 1024 * 1024;

    /// <summary>
    /// Largest total real size of the sparse entries of one tar (one layer or one archive): 256 GiB. The holes are
    /// also bounded by <see cref="MaxExpansionRatio"/> against the tar bytes read.
    /// </summary>
    public long MaxSparseLayerBytes { get; init; } = 256L * 1024 * 1024 * 1024;

    /// <summary>
    /// Most bytes written to the spool file when a compressed archive or standard input is opened: 1 TiB (the
    /// largest real multi-image archives are hundreds of GB). Compressed input is also bounded by
    /// <see cref="MaxExpansionRatio"/>; uncompressed standard input spools one byte per byte received.
    /// </summary>
    public long MaxSpoolBytes { get; init; } = 1L << 40;

    /// <summary>
    /// Most bytes <c>load</c> (and <c>import</c>, <c>commit</c>) writes into the store for one layer's
    /// uncompressed tar: 1 TiB (real layers reach tens of GB). A compressed layer is also bounded by
    /// <see cref="MaxExpansionRatio"/> while it is decompressed.
    /// </summary>
    public long MaxLoadLayerBytes { get; init; } = 1L << 40;

    /// <summary>
    /// The most bytes a stream that has read <paramref name="inputBytes"/> may have produced:
    /// <c>max(<see cref="ExpansionAllowanceBytes"/>, <see cref="MaxExpansionRatio"/> × inputBytes)</c>, or
    /// <see cref="long.MaxValue"/> when the ratio is 0.
    /// </summary>
    /// <param name="inputBytes">The input bytes read so far.</param>
    /// <returns>The budget in bytes.</returns>
    public long ExpansionBudget(long inputBytes)
    {
        if (MaxExpansionRatio <= 0)
        {
            return long.MaxValue;
        }

        long scaled = inputBytes > long.MaxValue / MaxExpansionRatio ? long.MaxValue : inputBytes * MaxExpansionRatio;
        return Math.Max(ExpansionAllowanceBytes, scaled);
    }

    /// <summary>Most entries one tar archive or layer may hold: 10 million.</summary>
    public long MaxTarEntries { get; init; } = 10_000_000;

    /// <summary>
    /// Most nodes and edges visited when walking the index graph of a layout's <c>index.json</c>: 1 million. Each
    /// index or manifest is read once, by digest, however many indexes name it, so a real graph costs about its
    /// number of descriptors; this stops a small archive whose indexes fan out from costing unbounded work.
    /// </summary>
    public int MaxIndexGraphVisits { get; init; } = 1_000_000;

    /// <summary>
    /// Deepest directory level entered when walking or removing a tree on disk (export, diff, commit, building a
    /// layer from a directory, removing a container or a whiteout's target): 4096. Far deeper than any real root
    /// file system; each level holds one open descriptor and one directory listing, so this bounds both.
    /// </summary>
    public int MaxWalkDepth { get; init; } = DefaultMaxWalkDepth;

    /// <summary>The default of <see cref="MaxWalkDepth"/>, for internal callers that take no limits.</summary>
    internal const int DefaultMaxWalkDepth = 4096;
}
