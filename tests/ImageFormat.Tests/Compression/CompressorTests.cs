using FluentAssertions;
using ImageFormat.Compression;
using Xunit;

namespace ImageFormat.Tests.Compression;

public class CompressorTests
{
    private static readonly byte[] Payload = CompressionCli.Payload();

    private static byte[] Compress(CompressionFormat format, int? level, byte[] data)
    {
        using var output = new MemoryStream();
        using (Stream compressor = Compressor.Open(output, format, level, leaveOpen: true))
        {
            compressor.Write(data);
        }

        return output.ToArray();
    }

    [Fact]
    public void Gzip_header_is_gos_no_name_no_time_unknown_os()
    {
        Compress(CompressionFormat.Gzip, null, Payload)[..10].Should().Equal(0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff);
        Compress(CompressionFormat.Gzip, 9, Payload)[8].Should().Be(2);
        Compress(CompressionFormat.Gzip, 1, Payload)[8].Should().Be(4);
    }

    [Theory]
    [InlineData(CompressionFormat.Gzip, "gzip")]
    [InlineData(CompressionFormat.Zstd, "zstd")]
    public void Output_is_read_back_exactly_by_the_real_tool(CompressionFormat format, string tool)
    {
        byte[] compressed = Compress(format, null, Payload);
        CompressionCli.Run(tool, ["-d", "-c"], compressed).Should().Equal(Payload);
    }

    [Theory]
    [InlineData(CompressionFormat.Gzip, 1)]
    [InlineData(CompressionFormat.Gzip, 9)]
    [InlineData(CompressionFormat.Zstd, 1)]
    [InlineData(CompressionFormat.Zstd, 19)]
    public void Output_is_deterministic_and_round_trips(CompressionFormat format, int level)
    {
        byte[] first = Compress(format, level, Payload);
        Compress(format, level, Payload).Should().Equal(first);
        using Stream stream = Decompression.Open(new MemoryStream(first), format, ImageFormatLimits.Default, leaveOpen: false);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        copy.ToArray().Should().Equal(Payload);
    }

    [Fact]
    public void Zstd_frame_carries_a_content_checksum_like_the_cli()
    {
        byte[] compressed = Compress(CompressionFormat.Zstd, null, Payload);
        compressed[..4].Should().Equal(0x28, 0xB5, 0x2F, 0xFD);
        (compressed[4] & 0x04).Should().Be(0x04, "bit 2 of the frame header descriptor is Content_Checksum_flag");
    }

    [Fact]
    public void Empty_gzip_output_is_a_valid_member()
    {
        byte[] compressed = Compress(CompressionFormat.Gzip, null, []);
        CompressionCli.Run("gzip", ["-d", "-c"], compressed).Should().BeEmpty();
        // Byte for byte what Go's gzip.NewWriter(w).Close() writes.
        compressed.Should().Equal(Convert.FromHexString("1f8b08000000000000ff010000ffff0000000000000000"));
    }

    [Fact]
    public void None_passes_bytes_through_and_honours_leave_open()
    {
        var output = new MemoryStream();
        using (Stream stream = Compressor.Open(output, CompressionFormat.None, null, leaveOpen: false))
        {
            stream.Write([1, 2, 3]);
        }

        output.ToArray().Should().Equal(1, 2, 3);
        output.CanWrite.Should().BeFalse();
    }

    [Fact]
    public void Unsupported_formats_and_levels_are_caller_errors()
    {
        Action bzip2 = () => Compressor.Open(new MemoryStream(), CompressionFormat.Bzip2, null, leaveOpen: false);
        bzip2.Should().Throw<ArgumentException>().WithMessage("bzip2 output is not supported: use gzip, zstd or none.*");
        Action gzipLevel = () => Compressor.Open(new MemoryStream(), CompressionFormat.Gzip, 10, leaveOpen: false);
        gzipLevel.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("level");
        Action zstdLevel = () => Compressor.Open(new MemoryStream(), CompressionFormat.Zstd, 0, leaveOpen: false);
        zstdLevel.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("level");
    }
}
