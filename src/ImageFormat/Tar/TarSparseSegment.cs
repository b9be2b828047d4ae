namespace ImageFormat.Tar;

/// <summary>
/// One data region of a sparse file: <paramref name="Length"/> bytes of stored data that belong at
/// <paramref name="Offset"/> in the expanded file. Everything between segments reads as zeros.
/// </summary>
/// <param name="Offset">Where the region starts in the expanded file.</param>
/// <param name="Length">How many stored bytes it holds.</param>
public readonly record struct TarSparseSegment(long Offset, long Length);
