using System.Buffers.Binary;

namespace ImageFormat.Compression;

/// <summary>
/// Recognises a compression by the magic bytes at the start of the data, never by a file name, as
/// <c>docker load</c> does.
/// </summary>
public static class CompressionDetector
{
    /// <summary>The number of leading bytes detection looks at (the xz magic is the longest, at 6).</summary>
    public const int HeadLength = 6;

    // Zstandard skippable frames carry any magic in 0x184D2A50..0x184D2A5F (RFC 8878, section 3.1.2).
    private const uint SkippableFrameMask = 0xFFFFFFF0;
    private const uint SkippableFrameMagic = 0x184D2A50;
    private const uint ZstdFrameMagic = 0xFD2FB528;

    private static ReadOnlySpan<byte> XzMagic => [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00];

    /// <summary>Detects the compression of data from its first bytes.</summary>
    /// <param name="head">
    /// The first bytes of the data; <see cref="HeadLength"/> bytes suffice. Fewer are accepted (a short input
    /// simply cannot match the longer magics).
    /// </param>
    /// <returns>The compression, or <see cref="CompressionFormat.None"/> when no magic matches.</returns>
    public static CompressionFormat Detect(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 3 && head[0] == 0x1f && head[1] == 0x8b && head[2] == 0x08)
        {
            return CompressionFormat.Gzip;
        }

        if (head.Length >= 4 && head.StartsWith("BZh"u8) && head[3] is >= (byte)'1' and <= (byte)'9')
        {
            return CompressionFormat.Bzip2;
        }

        if (head.StartsWith(XzMagic))
        {
            return CompressionFormat.Xz;
        }

        if (head.Length >= 4)
        {
            uint magic = BinaryPrimitives.ReadUInt32LittleEndian(head);
            if (magic == ZstdFrameMagic || (magic & SkippableFrameMask) == SkippableFrameMagic)
            {
                return CompressionFormat.Zstd;
            }
        }

        return CompressionFormat.None;
    }

    /// <summary>
    /// Detects the compression of a seekable stream from the bytes at its current position, then puts the
    /// position back where it was.
    /// </summary>
    /// <param name="stream">A readable, seekable stream. For a stream that cannot seek (standard input, a
    /// pipe), use <see cref="Decompression.OpenDetected"/>, which keeps the bytes it looked at, or read the first
    /// bytes yourself and pass them to <see cref="Detect(ReadOnlySpan{byte})"/>.</param>
    /// <returns>The compression, or <see cref="CompressionFormat.None"/> when no magic matches.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> cannot read or cannot seek.</exception>
    /// <exception cref="IOException">Reading or seeking the stream failed.</exception>
    public static CompressionFormat Detect(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead || !stream.CanSeek)
        {
            throw new ArgumentException("The stream must be readable and seekable; use Decompression.OpenDetected otherwise.", nameof(stream));
        }

        long position = stream.Position;
        Span<byte> head = stackalloc byte[HeadLength];
        int length = stream.ReadAtLeast(head, HeadLength, throwOnEndOfStream: false);
        stream.Position = position;
        return Detect(head[..length]);
    }
}
