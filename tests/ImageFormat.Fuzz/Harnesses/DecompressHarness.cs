using System.IO.Compression;
using ImageFormat.Compression;
using ImageFormat.Errors;

namespace ImageFormat.Fuzz.Harnesses;

/// <summary>The gzip, zstd and bzip2 readers (Decompression with limits), each format and detection on every input.</summary>
public sealed class DecompressHarness : Harness
{
    /// <inheritdoc/>
    public override string Name => "decompress";

    /// <inheritdoc/>
    public override string Checks => "Decompression.Open as gzip, zstd and bzip2, and OpenDetected, each read to its end under a 4 MiB limit; only InvalidArchiveException/LimitExceededException may escape.";

    /// <inheritdoc/>
    public override void Run(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        foreach (CompressionFormat format in new[] { CompressionFormat.Gzip, CompressionFormat.Zstd, CompressionFormat.Bzip2 })
        {
            Read(() => Decompression.Open(new MemoryStream(data, writable: false), format, FuzzLimits.Value, leaveOpen: false));
        }

        Read(() => Decompression.OpenDetected(new MemoryStream(data, writable: false), FuzzLimits.Value, leaveOpen: false, out _));
    }

    private static void Read(Func<Stream> open)
    {
        try
        {
            using Stream stream = open();
            byte[] buffer = new byte[64 * 1024];
            while (stream.Read(buffer) > 0)
            {
            }
        }
        catch (ImageFormatException)
        {
            // Documented: InvalidArchiveException for corrupt, truncated or xz data; LimitExceededException past the limits.
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<(string Name, byte[] Data)> Seeds(SeedSources seeds)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        byte[] text = "hello, hello, hello, fuzz\n"u8.ToArray();
        byte[] tar = SeedSources.HostileLayers().First().Data;
        foreach ((string name, byte[] plain) in new[] { ("text", text), ("tar", tar) })
        {
            foreach (CompressionFormat format in new[] { CompressionFormat.Gzip, CompressionFormat.Zstd, CompressionFormat.Bzip2 })
            {
                using var output = new MemoryStream();
                using (Stream compressor = format == CompressionFormat.Bzip2
                    ? new ICSharpCode.SharpZipLib.BZip2.BZip2OutputStream(output) { IsStreamOwner = false }
                    : Compressor.Open(output, format, level: null, leaveOpen: true))
                {
                    compressor.Write(plain);
                }

                yield return ($"{name}.{format}".ToLowerInvariant(), output.ToArray());
            }
        }

        using var multi = new MemoryStream();
        for (int i = 0; i < 2; i++)
        {
            using var gzip = new GZipStream(multi, CompressionLevel.Fastest, leaveOpen: true);
            gzip.Write(text);
        }

        yield return ("two-members.gzip", multi.ToArray());
        yield return ("xz-magic", [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00, 0x00]);
        yield return ("zstd-big-window", [0x28, 0xB5, 0x2F, 0xFD, 0x00, 0xF8, 0x00, 0x00]);
    }
}
