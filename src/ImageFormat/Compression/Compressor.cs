using ZstdSharp;
using ZstdSharp.Unsafe;

namespace ImageFormat.Compression;

/// <summary>
/// Opens compressing streams for layers and archives. Output depends only on the bytes written and the level:
/// no time stamp, file name or host operating system is recorded.
/// </summary>
public static class Compressor
{
    /// <summary>The gzip level used when none is given: 6, zlib's and Go's default.</summary>
    public const int DefaultGzipLevel = 6;

    /// <summary>The zstd level used when none is given: 3, the zstd CLI's default.</summary>
    public const int DefaultZstdLevel = 3;

    /// <summary>Opens a stream that compresses what is written to it into <paramref name="output"/>.</summary>
    /// <param name="output">Where the compressed bytes go.</param>
    /// <param name="format">
    /// <see cref="CompressionFormat.Gzip"/> (one member with the header Go's <c>compress/gzip</c> writes: no
    /// name, modification time 0, operating system 255 "unknown"), <see cref="CompressionFormat.Zstd"/> (one
    /// frame with a content checksum, as the zstd CLI writes) or <see cref="CompressionFormat.None"/> (the bytes
    /// are passed through).
    /// </param>
    /// <param name="level">The compression level (gzip 0 to 9, zstd 1 to 22), or <see langword="null"/> for
    /// <see cref="DefaultGzipLevel"/> or <see cref="DefaultZstdLevel"/>. Ignored for
    /// <see cref="CompressionFormat.None"/>.</param>
    /// <param name="leaveOpen"><see langword="true"/> to leave <paramref name="output"/> open when the returned
    /// stream is disposed. Disposing the returned stream finishes the compressed data in any case.</param>
    /// <returns>A write-only stream.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="output"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="output"/> cannot write, or <paramref name="format"/>
    /// is bzip2 or xz (they are read, never written).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="level"/> is outside the format's range, or
    /// <paramref name="format"/> is not a defined value.</exception>
    public static Stream Open(Stream output, CompressionFormat format, int? level, bool leaveOpen)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!output.CanWrite)
        {
            throw new ArgumentException("The stream must be writable.", nameof(output));
        }

        switch (format)
        {
            case CompressionFormat.None:
                return new PassThroughWriteStream(output, leaveOpen);
            case CompressionFormat.Gzip:
                int gzipLevel = level ?? DefaultGzipLevel;
                ArgumentOutOfRangeException.ThrowIfNegative(gzipLevel, nameof(level));
                ArgumentOutOfRangeException.ThrowIfGreaterThan(gzipLevel, 9, nameof(level));
                return new GzipWriteStream(output, gzipLevel, leaveOpen);
            case CompressionFormat.Zstd:
                int zstdLevel = level ?? DefaultZstdLevel;
                ArgumentOutOfRangeException.ThrowIfLessThan(zstdLevel, 1, nameof(level));
                ArgumentOutOfRangeException.ThrowIfGreaterThan(zstdLevel, 22, nameof(level));
                var zstd = new CompressionStream(output, zstdLevel, bufferSize: 0, leaveOpen: leaveOpen);
                zstd.SetParameter(ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
                return zstd;
            case CompressionFormat.Bzip2:
            case CompressionFormat.Xz:
                throw new ArgumentException($"{Decompression.Name(format)} output is not supported: use gzip, zstd or none.", nameof(format));
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "Not a defined compression format.");
        }
    }
}
