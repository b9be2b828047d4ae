using FluentAssertions;
using ImageFormat.Compression;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Compression;

public class CompressionDetectorTests
{
    [Theory]
    [InlineData("1f8b08", CompressionFormat.Gzip)]
    [InlineData("1f8b0800000000000003", CompressionFormat.Gzip)]
    [InlineData("425a6831", CompressionFormat.Bzip2)]
    [InlineData("425a6839314159", CompressionFormat.Bzip2)]
    [InlineData("fd377a585a00", CompressionFormat.Xz)]
    [InlineData("28b52ffd", CompressionFormat.Zstd)]
    [InlineData("502a4d18", CompressionFormat.Zstd)] // skippable frame 0x184D2A50
    [InlineData("5f2a4d1804000000", CompressionFormat.Zstd)] // skippable frame 0x184D2A5F
    [InlineData("1f8b07", CompressionFormat.None)] // gzip magic with a method other than deflate
    [InlineData("1f8b", CompressionFormat.None)]
    [InlineData("425a6830", CompressionFormat.None)] // "BZh0": block size digit out of range
    [InlineData("425a68", CompressionFormat.None)]
    [InlineData("fd377a585a01", CompressionFormat.None)]
    [InlineData("fd377a585a", CompressionFormat.None)]
    [InlineData("602a4d18", CompressionFormat.None)] // 0x184D2A60 is past the skippable range
    [InlineData("4f2a4d18", CompressionFormat.None)] // 0x184D2A4F is before it
    [InlineData("28b52f", CompressionFormat.None)]
    [InlineData("", CompressionFormat.None)]
    [InlineData("6d616e69666573742e6a736f6e", CompressionFormat.None)] // "manifest.json", a tar's first name
    public void Detects_by_magic_bytes(string hex, CompressionFormat expected)
    {
        CompressionDetector.Detect(Convert.FromHexString(hex)).Should().Be(expected);
    }

    [Fact]
    public void Plain_tar_is_not_compressed()
    {
        CompressionDetector.Detect(File.ReadAllBytes(RepoPaths.Sample("hello.tar")).AsSpan(0, 512)).Should().Be(CompressionFormat.None);
    }

    [Fact]
    public void Detects_the_real_tools_output()
    {
        byte[] payload = CompressionCli.Payload();
        CompressionDetector.Detect(CompressionCli.Gzip(payload)).Should().Be(CompressionFormat.Gzip);
        CompressionDetector.Detect(CompressionCli.Bzip2(payload)).Should().Be(CompressionFormat.Bzip2);
        CompressionDetector.Detect(CompressionCli.Xz(payload)).Should().Be(CompressionFormat.Xz);
        CompressionDetector.Detect(CompressionCli.Zstd(payload)).Should().Be(CompressionFormat.Zstd);
    }

    [Fact]
    public void Detecting_a_stream_reads_from_its_position_and_restores_it()
    {
        using var stream = new MemoryStream([0xAA, 0xBB, 0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x01, 0x02]);
        stream.Position = 2;
        CompressionDetector.Detect(stream).Should().Be(CompressionFormat.Zstd);
        stream.Position.Should().Be(2);
    }

    [Fact]
    public void Detecting_a_short_stream_restores_its_position()
    {
        using var stream = new MemoryStream([0x1f, 0x8b]);
        CompressionDetector.Detect(stream).Should().Be(CompressionFormat.None);
        stream.Position.Should().Be(0);
    }

    [Fact]
    public void Detecting_a_stream_that_cannot_seek_is_a_caller_error()
    {
        Action act = () => CompressionDetector.Detect(new TrickleStream([0x1f, 0x8b, 0x08], maxPerRead: int.MaxValue));
        act.Should().Throw<ArgumentException>().WithParameterName("stream");
    }
}
