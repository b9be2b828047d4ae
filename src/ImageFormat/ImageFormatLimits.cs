namespace ImageFormat;

/// <summary>
/// Safety limits applied to untrusted input. Every reader takes an instance; <see cref="Default"/> holds values
/// that no legitimate image comes near. Exceeding a limit throws <see cref="Errors.LimitExceededException"/>
/// naming the limit by its property name.
/// </summary>
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

    /// <summary>Most bytes one decompressed stream may produce: 1 TiB. Stops decompression bombs.</summary>
    public long MaxDecompressedBytes { get; init; } = 1L << 40;

    /// <summary>Most entries one tar archive or layer may hold: 10 million.</summary>
    public long MaxTarEntries { get; init; } = 10_000_000;

    /// <summary>
    /// Most nodes and edges visited when walking the index graph of a layout's <c>index.json</c>: 1 million. Each
    /// index or manifest is read once, by digest, however many indexes name it, so a real graph costs about its
    /// number of descriptors; this stops a small archive whose indexes fan out from costing unbounded work.
    /// </summary>
    public int MaxIndexGraphVisits { get; init; } = 1_000_000;
}
