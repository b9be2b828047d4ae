using FluentAssertions;
using ImageFormat.Compression;
using ImageFormat.Errors;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Compression;

public class DecompressionTests
{
    private static readonly byte[] Payload = CompressionCli.Payload();

    public static TheoryData<CompressionFormat> DecodedFormats => [CompressionFormat.Gzip, CompressionFormat.Bzip2, CompressionFormat.Zstd];

    private static byte[] CompressWithCli(CompressionFormat format, byte[] data) => format switch
    {
        CompressionFormat.Gzip => CompressionCli.Gzip(data),
        CompressionFormat.Bzip2 => CompressionCli.Bzip2(data),
        CompressionFormat.Zstd => CompressionCli.Zstd(data),
        CompressionFormat.Xz => CompressionCli.Xz(data),
        _ => data,
    };

    private static byte[] DecompressDetected(byte[] compressed, ImageFormatLimits? limits = null, string? entry = null)
    {
        using Stream stream = Decompression.OpenDetected(new MemoryStream(compressed), limits ?? ImageFormatLimits.Default, leaveOpen: false, out _, entry);
        return StreamBytes.ReadAll(stream);
    }

    [Theory]
    [MemberData(nameof(DecodedFormats))]
    public void Detects_and_decompresses_the_real_tools_output_exactly(CompressionFormat format)
    {
        byte[] compressed = CompressWithCli(format, Payload);
        using Stream stream = Decompression.OpenDetected(new MemoryStream(compressed), ImageFormatLimits.Default, leaveOpen: false, out CompressionFormat detected);
        detected.Should().Be(format);
        StreamBytes.ReadAll(stream).Should().Equal(Payload);
    }

    [Theory]
    [MemberData(nameof(DecodedFormats))]
    public void Decompresses_from_a_stream_that_cannot_seek(CompressionFormat format)
    {
        byte[] compressed = CompressWithCli(format, Payload);
        using Stream stream = Decompression.OpenDetected(new TrickleStream(compressed, maxPerRead: 1000), ImageFormatLimits.Default, leaveOpen: false, out CompressionFormat detected);
        detected.Should().Be(format);
        StreamBytes.ReadAll(stream).Should().Equal(Payload);
    }

    [Theory]
    [MemberData(nameof(DecodedFormats))]
    public async Task Decompresses_asynchronously(CompressionFormat format)
    {
        byte[] compressed = CompressWithCli(format, Payload);
        await using Stream stream = Decompression.Open(new MemoryStream(compressed), format, ImageFormatLimits.Default, leaveOpen: false);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, TestContext.Current.CancellationToken);
        copy.ToArray().Should().Equal(Payload);
    }

    [Fact]
    public void Multi_member_gzip_decompresses_to_the_concatenation()
    {
        byte[] first = Payload[..100_000];
        byte[] second = Payload[100_000..];
        byte[] compressed = [.. CompressionCli.Gzip(first), .. CompressionCli.Gzip(second)];
        DecompressDetected(compressed).Should().Equal(Payload);
    }

    [Fact]
    public void Multi_member_gzip_with_an_empty_member_and_small_reads_decompresses()
    {
        byte[] compressed = [.. CompressionCli.Gzip(Payload[..1000]), .. CompressionCli.Gzip([]), .. CompressionCli.Gzip(Payload[1000..])];
        using Stream stream = Decompression.Open(new TrickleStream(compressed, maxPerRead: 7), CompressionFormat.Gzip, ImageFormatLimits.Default, leaveOpen: false);
        using var copy = new MemoryStream();
        byte[] buffer = new byte[333];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            copy.Write(buffer, 0, read);
        }

        copy.ToArray().Should().Equal(Payload);
    }

    [Fact]
    public void Xz_is_refused_with_a_clear_message()
    {
        byte[] compressed = CompressionCli.Xz(Payload);
        Action act = () => Decompression.OpenDetected(new MemoryStream(compressed), ImageFormatLimits.Default, leaveOpen: false, out _, "layer.tar.xz");
        act.Should().Throw<InvalidArchiveException>()
            .Where(e => e.Code == ErrorCodes.UnsupportedFormat)
            .WithMessage("layer.tar.xz: xz-compressed input is not supported: decompress it first (xz -d) and use the resulting tar");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(11)]
    [InlineData(20_000)]
    [InlineData(-9)] // inside the last member's trailer
    [InlineData(-8)] // just before the trailer
    [InlineData(-1)]
    public void Truncated_gzip_is_refused(int cut)
    {
        byte[] compressed = CompressionCli.Gzip(Payload);
        byte[] truncated = compressed[..(cut > 0 ? cut : compressed.Length + cut)];
        Action act = () => StreamBytes.ReadAll(Decompression.Open(new MemoryStream(truncated), CompressionFormat.Gzip, ImageFormatLimits.Default, leaveOpen: false, "blobs/sha256/abc"));
        act.Should().Throw<InvalidArchiveException>()
            .Where(e => e.Code == ErrorCodes.UnsupportedFormat && e.Entry == "blobs/sha256/abc")
            .WithMessage("blobs/sha256/abc: truncated gzip data: the input ends inside a gzip member or has trailing bytes after the last one (*");
    }

    [Fact]
    public void Truncated_second_gzip_member_is_refused()
    {
        byte[] compressed = [.. CompressionCli.Gzip(Payload[..1000]), .. CompressionCli.Gzip(Payload[1000..])];
        Action act = () => DecompressDetected(compressed[..^100]);
        act.Should().Throw<InvalidArchiveException>().Where(e => e.Code == ErrorCodes.UnsupportedFormat).WithMessage("truncated gzip data*");
    }

    [Fact]
    public void Gzip_with_trailing_garbage_is_refused_like_go_does()
    {
        byte[] compressed = [.. CompressionCli.Gzip(Payload), 0, 0, 0, 0];
        Action act = () => DecompressDetected(compressed);
        act.Should().Throw<InvalidArchiveException>().WithMessage("truncated gzip data: the input ends inside a gzip member or has trailing bytes after the last one (its final 8 bytes are not the CRC-32 and length of the last member's 303170 decompressed bytes)");
    }

    [Theory]
    [InlineData(CompressionFormat.Bzip2, 3)]
    [InlineData(CompressionFormat.Bzip2, 100)]
    [InlineData(CompressionFormat.Bzip2, -1)]
    [InlineData(CompressionFormat.Zstd, 4)]
    [InlineData(CompressionFormat.Zstd, 100)]
    [InlineData(CompressionFormat.Zstd, -1)]
    [InlineData(CompressionFormat.Zstd, -5)]
    public void Truncated_bzip2_and_zstd_are_refused(CompressionFormat format, int cut)
    {
        byte[] compressed = CompressWithCli(format, Payload);
        byte[] truncated = compressed[..(cut > 0 ? cut : compressed.Length + cut)];
        Action act = () => StreamBytes.ReadAll(Decompression.Open(new MemoryStream(truncated), format, ImageFormatLimits.Default, leaveOpen: false));
        act.Should().Throw<InvalidArchiveException>().Where(e => e.Code == ErrorCodes.UnsupportedFormat);
    }

    [Theory]
    [MemberData(nameof(DecodedFormats))]
    public void Corrupted_data_raises_only_typed_errors(CompressionFormat format)
    {
        byte[] compressed = CompressWithCli(format, Payload);
        var random = new Random(7);
        int failures = 0;
        for (int i = 0; i < 40; i++)
        {
            byte[] corrupt = (byte[])compressed.Clone();
            // Skip the gzip header's time, flags and OS bytes: they may legitimately hold anything.
            int at = random.Next(10, corrupt.Length);
            corrupt[at] ^= (byte)(1 << random.Next(8));
            try
            {
                DecompressDetected(corrupt).Should().NotEqual(Payload, $"flipping byte {at} must change something");
            }
            catch (ImageFormatException e)
            {
                e.Code.Should().BeOneOf(ErrorCodes.UnsupportedFormat, ErrorCodes.LimitExceeded);
                failures++;
            }
        }

        failures.Should().Be(40, "every corruption is detected by the format's checksums");
    }

    [Fact]
    public void Corrupt_gzip_deflate_data_names_gzip()
    {
        byte[] compressed = CompressionCli.Gzip(Payload);
        compressed[12] ^= 0xff;
        compressed[13] ^= 0xff;
        Action act = () => DecompressDetected(compressed);
        act.Should().Throw<InvalidArchiveException>().WithMessage("corrupt gzip data: *").Where(e => e.InnerException is InvalidDataException);
    }

    [Fact]
    public void Bzip2_whose_tables_leave_the_decoder_a_null_table_is_refused_as_corrupt()
    {
        // Found by the decompress fuzzing harness: SharpZipLib threw NullReferenceException from its constructor.
        byte[] data = Convert.FromBase64String(
            "QlphOTFBWSZTWcDRrXgAAJTbkcuQQAD/lAFEfuXewAQACAAACDAAubYgkJDQAAGgGmnpCNRogGgADQAAEUoEya8gAUJaaDmteAAAlNuRy5BAAP+UAUR+5d7ABOE=");

        Action open = () => Decompression.Open(new MemoryStream(data), CompressionFormat.Bzip2, ImageFormatLimits.Default, leaveOpen: false);

        open.Should().Throw<InvalidArchiveException>().Where(e => e.Code == ErrorCodes.UnsupportedFormat).WithMessage("corrupt bzip2 data: *");
    }

    [Fact]
    public void Bzip2_with_a_bad_block_header_is_refused_when_opened()
    {
        byte[] bad = [.. "BZh9"u8, 0, 0, 0, 0, 0, 0, 0, 0];
        Action act = () => StreamBytes.ReadAll(Decompression.OpenDetected(new MemoryStream(bad), ImageFormatLimits.Default, leaveOpen: false, out _));
        act.Should().Throw<InvalidArchiveException>().Where(e => e.Code == ErrorCodes.UnsupportedFormat).WithMessage("corrupt bzip2 data: *");
    }

    // A zstd frame made by hand (RFC 8878): magic, a frame header descriptor with no content size, no
    // checksum and no single-segment flag, a window descriptor of exponent 18 and mantissa 0 (window 2^28),
    // then one last raw block of one byte, "A".
    private static readonly byte[] ZstdFrameWithWindowLog28 = [0x28, 0xB5, 0x2F, 0xFD, 0x00, 18 << 3, 0x09, 0x00, 0x00, (byte)'A'];

    [Fact]
    public void Zstd_window_larger_than_the_cap_is_refused()
    {
        Action act = () => DecompressDetected(ZstdFrameWithWindowLog28, ImageFormatLimits.Default with { MaxZstdWindowLog = 27 });
        act.Should().Throw<LimitExceededException>()
            .WithMessage("zstd stream: MaxZstdWindowLog exceeded: at most 27 allowed, found 28; if the input is trusted, raise ImageFormatLimits.MaxZstdWindowLog (imagefmt --limit MaxZstdWindowLog=VALUE)")
            .Where(e => e.Limit == "MaxZstdWindowLog" && e.Maximum == 27);
    }

    [Fact]
    public void Zstd_window_equal_to_the_cap_is_accepted()
    {
        DecompressDetected(ZstdFrameWithWindowLog28, ImageFormatLimits.Default with { MaxZstdWindowLog = 28 }).Should().Equal((byte)'A');
    }

    [Fact]
    public void Zstd_cli_stream_with_a_window_over_a_small_cap_is_refused()
    {
        // Reading a pipe, zstd does not know the size and keeps level 3's 2 MiB window (log 21).
        byte[] compressed = CompressionCli.Run("zstd", ["-q", "-3", "-c"], Payload);
        DecompressDetected(compressed, ImageFormatLimits.Default with { MaxZstdWindowLog = 21 }).Should().Equal(Payload);
        Action act = () => DecompressDetected(compressed, ImageFormatLimits.Default with { MaxZstdWindowLog = 20 }, entry: "layer");
        act.Should().Throw<LimitExceededException>().WithMessage("layer: MaxZstdWindowLog exceeded: at most 20 allowed, found 21; if the input is trusted, raise ImageFormatLimits.MaxZstdWindowLog (imagefmt --limit MaxZstdWindowLog=VALUE)");
    }

    [Fact]
    public void Zstd_skippable_frame_before_the_data_is_skipped()
    {
        byte[] skippable = [0x50, 0x2A, 0x4D, 0x18, 0x03, 0x00, 0x00, 0x00, 0xAA, 0xBB, 0xCC];
        DecompressDetected([.. skippable, .. CompressionCli.Zstd(Payload)]).Should().Equal(Payload);
    }

    [Theory]
    [MemberData(nameof(DecodedFormats))]
    public void Decompression_bomb_is_stopped_one_byte_past_the_limit(CompressionFormat format)
    {
        byte[] zeros = new byte[4 << 20];
        byte[] compressed = CompressWithCli(format, zeros);
        var limits = ImageFormatLimits.Default with { MaxDecompressedBytes = 1 << 20 };
        Action act = () => DecompressDetected(compressed, limits);
        act.Should().Throw<LimitExceededException>()
            .WithMessage("decompressed stream: MaxDecompressedBytes exceeded: at most 1048576 allowed, found 1048577; if the input is trusted, raise ImageFormatLimits.MaxDecompressedBytes (imagefmt --limit MaxDecompressedBytes=VALUE)");
    }

    [Theory]
    [MemberData(nameof(DecodedFormats))]
    public void Output_of_exactly_the_limit_is_accepted(CompressionFormat format)
    {
        byte[] compressed = CompressWithCli(format, Payload);
        DecompressDetected(compressed, ImageFormatLimits.Default with { MaxDecompressedBytes = Payload.Length }).Should().Equal(Payload);
    }

    [Fact]
    public void Uncompressed_input_passes_through_and_keeps_seeking()
    {
        byte[] tar = File.ReadAllBytes(RepoPaths.Sample("hello.tar"));
        var source = new MemoryStream(tar);
        using (Stream stream = Decompression.OpenDetected(source, ImageFormatLimits.Default with { MaxDecompressedBytes = 10 }, leaveOpen: true, out CompressionFormat format))
        {
            format.Should().Be(CompressionFormat.None);
            stream.CanSeek.Should().BeTrue();
            stream.Length.Should().Be(tar.Length);
            StreamBytes.ReadAll(stream).Should().Equal(tar);
            stream.Position = 512;
            stream.ReadByte().Should().Be(tar[512]);
        }

        source.CanRead.Should().BeTrue("leaveOpen: true");
    }

    [Fact]
    public void Uncompressed_pipe_input_is_replayed_from_its_first_byte()
    {
        byte[] tar = File.ReadAllBytes(RepoPaths.Sample("hello.tar"));
        using Stream stream = Decompression.OpenDetected(new TrickleStream(tar, maxPerRead: 2), ImageFormatLimits.Default, leaveOpen: false, out CompressionFormat format);
        format.Should().Be(CompressionFormat.None);
        StreamBytes.ReadAll(stream).Should().Equal(tar);
    }

    [Fact]
    public void Disposing_honours_leave_open_for_decoded_formats()
    {
        var source = new MemoryStream(CompressionCli.Zstd(Payload));
        Decompression.Open(source, CompressionFormat.Zstd, ImageFormatLimits.Default, leaveOpen: true).Dispose();
        source.CanRead.Should().BeTrue();
        Decompression.Open(source, CompressionFormat.Zstd, ImageFormatLimits.Default, leaveOpen: false).Dispose();
        source.CanRead.Should().BeFalse();
    }

    [Fact]
    public void Caller_errors_are_argument_exceptions()
    {
        Action noStream = () => Decompression.Open(null!, CompressionFormat.Gzip, ImageFormatLimits.Default, leaveOpen: false);
        noStream.Should().Throw<ArgumentNullException>().WithParameterName("compressed");
        Action noLimits = () => Decompression.Open(new MemoryStream(), CompressionFormat.Gzip, null!, leaveOpen: false);
        noLimits.Should().Throw<ArgumentNullException>().WithParameterName("limits");
        Action badFormat = () => Decompression.Open(new MemoryStream(), (CompressionFormat)42, ImageFormatLimits.Default, leaveOpen: false);
        badFormat.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("format");
        Action badWindow = () => Decompression.Open(new MemoryStream(), CompressionFormat.Zstd, ImageFormatLimits.Default with { MaxZstdWindowLog = 32 }, leaveOpen: false);
        badWindow.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("limits");
    }

    public static TheoryData<CompressionFormat> WholeInputFormats => [CompressionFormat.Gzip, CompressionFormat.Zstd];

    // gzip and zstd read their whole (small) input in their first read, so the budget is exactly ratio × input size.
    [Theory]
    [MemberData(nameof(WholeInputFormats))]
    public void Output_up_to_the_expansion_ratio_times_the_input_is_accepted_and_one_ratio_step_less_refuses_it(CompressionFormat format)
    {
        byte[] zeros = new byte[4 << 20];
        byte[] compressed = CompressWithCli(format, zeros);
        int atLeast = (int)((zeros.Length + compressed.Length - 1) / compressed.Length);
        var enough = ImageFormatLimits.Default with { ExpansionAllowanceBytes = 0, MaxExpansionRatio = atLeast };
        var tooLittle = enough with { MaxExpansionRatio = atLeast - 1 };

        DecompressDetected(compressed, enough).Length.Should().Be(zeros.Length);
        Action act = () => DecompressDetected(compressed, tooLittle, "layer.tar");
        LimitExceededException e = act.Should().Throw<LimitExceededException>().Which;
        e.Limit.Should().Be("MaxExpansionRatio");
        e.Maximum.Should().Be((long)(atLeast - 1) * compressed.Length);
        e.Message.Should().StartWith($"layer.tar ({(format == CompressionFormat.Gzip ? "gzip" : "zstd")}, {compressed.Length} compressed bytes read): MaxExpansionRatio exceeded: at most {e.Maximum} allowed")
            .And.EndWith("raise ImageFormatLimits.MaxExpansionRatio (imagefmt --limit MaxExpansionRatio=VALUE)");
    }

    [Theory]
    [MemberData(nameof(WholeInputFormats))]
    public void Expansion_allowance_lets_a_tiny_input_expand_to_it_and_not_one_byte_more(CompressionFormat format)
    {
        byte[] zeros = new byte[1 << 20];
        byte[] compressed = CompressWithCli(format, zeros);
        var exact = ImageFormatLimits.Default with { ExpansionAllowanceBytes = zeros.Length, MaxExpansionRatio = 1 };
        var short1 = exact with { ExpansionAllowanceBytes = zeros.Length - 1 };

        DecompressDetected(compressed, exact).Length.Should().Be(zeros.Length);
        Action act = () => DecompressDetected(compressed, short1);
        act.Should().Throw<LimitExceededException>().Where(e => e.Limit == "MaxExpansionRatio" && e.Maximum == zeros.Length - 1);
    }

    [Theory]
    [MemberData(nameof(DecodedFormats))]
    public void Default_ratio_stops_zstd_and_bzip2_zeros_but_never_gzip_whose_ratio_cannot_exceed_1032(CompressionFormat format)
    {
        // 32 MiB of zeros: gzip reaches its ~1030:1 ceiling, zstd and bzip2 go far beyond 1100:1. The allowance is
        // lowered so the test stays small; the ratio is the default one.
        byte[] zeros = new byte[32 << 20];
        byte[] compressed = CompressWithCli(format, zeros);
        var limits = ImageFormatLimits.Default with { ExpansionAllowanceBytes = 1 << 20 };
        Action act = () => DecompressDetected(compressed, limits);
        if (format == CompressionFormat.Gzip)
        {
            act.Should().NotThrow();
        }
        else
        {
            act.Should().Throw<LimitExceededException>().Where(e => e.Limit == "MaxExpansionRatio");
        }
    }
}
