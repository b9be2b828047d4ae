namespace ImageFormat.Compression;

/// <summary>
/// The compressions a Docker or OCI image archive, or one of its layers, may be wrapped in. <c>docker load</c>
/// accepts all four around a whole archive; layers use gzip, zstd or none.
/// </summary>
public enum CompressionFormat
{
    /// <summary>Not compressed (or not a compression ImageFormat recognises).</summary>
    None = 0,

    /// <summary>gzip (RFC 1952), possibly several concatenated members.</summary>
    Gzip = 1,

    /// <summary>bzip2.</summary>
    Bzip2 = 2,

    /// <summary>xz. Detected so that it can be refused with a clear message; not decoded.</summary>
    Xz = 3,

    /// <summary>Zstandard (RFC 8878), possibly several frames and skippable frames.</summary>
    Zstd = 4,
}
