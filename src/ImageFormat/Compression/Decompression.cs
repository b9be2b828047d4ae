using System.IO.Compression;
using ICSharpCode.SharpZipLib.BZip2;
using ImageFormat.Errors;
using ZstdSharp;
using ZstdSharp.Unsafe;

namespace ImageFormat.Compression;

/// <summary>
/// Opens decompressing views of compressed archives and layers, with the limits of
/// <see cref="ImageFormatLimits"/> applied and every decoder failure reported as an
/// <see cref="InvalidArchiveException"/> with code <see cref="ErrorCodes.UnsupportedFormat"/>.
/// </summary>
/// <remarks>
/// The streams returned read forward only. gzip input may hold several members (as <c>cat a.gz b.gz</c>
/// makes); it must end exactly after the last member, whose CRC-32 and length are checked, so that truncated
/// input is refused rather than silently cut short (as Go's <c>compress/gzip</c>, and so Docker, does).
/// zstd input may hold several frames and skippable frames; its window is capped by
/// <see cref="ImageFormatLimits.MaxZstdWindowLog"/>. xz is recognised but refused.
/// </remarks>
public static class Decompression
{
    /// <summary>The subject named by <see cref="LimitExceededException"/> when the caller gives none.</summary>
    public const string DefaultSubject = "decompressed stream";

    /// <summary>Opens a stream that decompresses <paramref name="compressed"/> as <paramref name="format"/>.</summary>
    /// <param name="compressed">The compressed input, positioned at its first byte; read forward only.</param>
    /// <param name="format">
    /// The compression. <see cref="CompressionFormat.None"/> returns a pass-through view that keeps the
    /// input's ability to seek and applies no size limit.
    /// </param>
    /// <param name="limits">The limits: <see cref="ImageFormatLimits.MaxDecompressedBytes"/> and
    /// <see cref="ImageFormatLimits.MaxZstdWindowLog"/>.</param>
    /// <param name="leaveOpen"><see langword="true"/> to leave <paramref name="compressed"/> open when the
    /// returned stream is disposed.</param>
    /// <param name="entry">The entry or blob being decompressed, named in errors; <see langword="null"/> for
    /// the archive as a whole.</param>
    /// <returns>A readable, forward-only stream of the decompressed bytes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="compressed"/> or <paramref name="limits"/> is
    /// <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="compressed"/> cannot read.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="format"/> is not a defined value, or a limit
    /// is out of its range (a negative <see cref="ImageFormatLimits.MaxDecompressedBytes"/>, a
    /// <see cref="ImageFormatLimits.MaxZstdWindowLog"/> outside 10 to 31).</exception>
    /// <exception cref="InvalidArchiveException">Code <see cref="ErrorCodes.UnsupportedFormat"/>:
    /// <paramref name="format"/> is <see cref="CompressionFormat.Xz"/>. Reads of the returned stream throw it too
    /// when the data is corrupt or truncated.</exception>
    /// <exception cref="LimitExceededException">Thrown by reads of the returned stream past
    /// <see cref="ImageFormatLimits.MaxDecompressedBytes"/> (named <see cref="DefaultSubject"/> unless
    /// <paramref name="entry"/> is given), or on a zstd frame whose window exceeds
    /// <see cref="ImageFormatLimits.MaxZstdWindowLog"/>.</exception>
    public static Stream Open(Stream compressed, CompressionFormat format, ImageFormatLimits limits, bool leaveOpen, string? entry = null)
    {
        ArgumentNullException.ThrowIfNull(compressed);
        ArgumentNullException.ThrowIfNull(limits);
        if (!compressed.CanRead)
        {
            throw new ArgumentException("The stream must be readable.", nameof(compressed));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(limits.MaxDecompressedBytes, nameof(limits));
        switch (format)
        {
            case CompressionFormat.None:
                return new DecompressingStream(compressed, compressed, leaveOpen, format, limits, entry, tap: null, counter: null);
            case CompressionFormat.Gzip:
            {
                var counter = new InputCounter(compressed);
                var tap = new GzipSourceTap(counter);
                return new DecompressingStream(new GZipStream(tap, CompressionMode.Decompress, leaveOpen: true), compressed, leaveOpen, format, limits, entry, tap, counter);
            }

            case CompressionFormat.Bzip2:
            {
                var counter = new InputCounter(compressed);
                return new DecompressingStream(OpenBzip2(counter, entry), compressed, leaveOpen, format, limits, entry, tap: null, counter);
            }

            case CompressionFormat.Zstd:
                if (limits.MaxZstdWindowLog is < 10 or > 31)
                {
                    throw new ArgumentOutOfRangeException(nameof(limits), limits.MaxZstdWindowLog, "MaxZstdWindowLog must lie between 10 and 31.");
                }

                var zstdInput = new InputCounter(compressed);
                var zstd = new DecompressionStream(zstdInput, bufferSize: 0, checkEndOfStream: true, leaveOpen: true);
                zstd.SetParameter(ZSTD_dParameter.ZSTD_d_windowLogMax, limits.MaxZstdWindowLog);
                return new DecompressingStream(zstd, compressed, leaveOpen, format, limits, entry, tap: null, zstdInput);
            case CompressionFormat.Xz:
                throw new InvalidArchiveException(ErrorCodes.UnsupportedFormat, entry, "xz-compressed input is not supported: decompress it first (xz -d) and use the resulting tar");
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "Not a defined compression format.");
        }
    }

    /// <summary>
    /// Detects the compression of <paramref name="compressed"/> by its magic bytes and opens a stream that
    /// decompresses it. A stream that cannot seek (standard input, a pipe) works too: the bytes looked at are
    /// kept and returned first, so nothing is lost.
    /// </summary>
    /// <param name="compressed">The input, positioned at its first byte.</param>
    /// <param name="limits">The limits, as for <see cref="Open"/>.</param>
    /// <param name="leaveOpen"><see langword="true"/> to leave <paramref name="compressed"/> open when the
    /// returned stream is disposed.</param>
    /// <param name="format">The compression detected.</param>
    /// <param name="entry">The entry or blob being decompressed, named in errors; <see langword="null"/> for
    /// the archive as a whole.</param>
    /// <returns>A readable stream of the decompressed bytes (the input itself, seekable if it was, for
    /// <see cref="CompressionFormat.None"/>).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="compressed"/> or <paramref name="limits"/> is
    /// <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="compressed"/> cannot read.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A limit is out of its range.</exception>
    /// <exception cref="InvalidArchiveException">Code <see cref="ErrorCodes.UnsupportedFormat"/>: the input is
    /// xz-compressed. Reads of the returned stream throw it too when the data is corrupt or truncated.</exception>
    /// <exception cref="LimitExceededException">Thrown by reads of the returned stream, as for
    /// <see cref="Open"/>.</exception>
    /// <exception cref="IOException">Reading the input's first bytes failed.</exception>
    public static Stream OpenDetected(Stream compressed, ImageFormatLimits limits, bool leaveOpen, out CompressionFormat format, string? entry = null)
    {
        ArgumentNullException.ThrowIfNull(compressed);
        ArgumentNullException.ThrowIfNull(limits);
        if (!compressed.CanRead)
        {
            throw new ArgumentException("The stream must be readable.", nameof(compressed));
        }

        if (compressed.CanSeek)
        {
            format = CompressionDetector.Detect(compressed);
            return Open(compressed, format, limits, leaveOpen, entry);
        }

        var peekable = new PeekableStream(compressed, leaveOpen);
        format = CompressionDetector.Detect(peekable.Peek(CompressionDetector.HeadLength));
        return Open(peekable, format, limits, leaveOpen: false, entry);
    }

    internal static string Name(CompressionFormat format) => format switch
    {
        CompressionFormat.Gzip => "gzip",
        CompressionFormat.Bzip2 => "bzip2",
        CompressionFormat.Xz => "xz",
        CompressionFormat.Zstd => "zstd",
        _ => "uncompressed",
    };

    // BZip2InputStream reads and checks the stream header in its constructor.
    private static BZip2InputStream OpenBzip2(Stream compressed, string? entry)
    {
        try
        {
            return new BZip2InputStream(compressed) { IsStreamOwner = false };
        }
        // SharpZipLib's decoder indexes its tables with values from the input, and leaves a table null for some
        // corrupt headers: both surface as runtime exceptions that mean "corrupt data" here.
        catch (Exception ex) when (ex is ICSharpCode.SharpZipLib.SharpZipBaseException or EndOfStreamException or IndexOutOfRangeException or NullReferenceException)
        {
            throw new InvalidArchiveException(ErrorCodes.UnsupportedFormat, entry, $"corrupt bzip2 data: {ex.Message}", ex);
        }
    }
}
