namespace ImageFormat.Archives;

/// <summary>How an archive is opened.</summary>
public sealed record ImageArchiveOptions
{
    /// <summary>The defaults.</summary>
    public static ImageArchiveOptions Default { get; } = new();

    /// <summary>Safety limits for everything read from the archive.</summary>
    public ImageFormatLimits Limits { get; init; } = ImageFormatLimits.Default;

    /// <summary>
    /// Where a compressed archive, standard input or any stream that is not a seekable file is decompressed
    /// to be read: an anonymous temporary file, unlinked as soon as it is created, so nothing is left behind.
    /// <see langword="null"/> (the default) uses <see cref="Path.GetTempPath"/>, which honours <c>TMPDIR</c>.
    /// </summary>
    public string? SpoolDirectory { get; init; }
}
