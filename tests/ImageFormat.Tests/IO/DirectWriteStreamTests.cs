using FluentAssertions;
using ImageFormat.IO;
using ImageFormat.Tests.TestSupport;
using Microsoft.Win32.SafeHandles;
using Xunit;

namespace ImageFormat.Tests.IO;

public class DirectWriteStreamTests
{
    private static byte[] Pattern(int length, int seed)
    {
        byte[] bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static FileStream NewFile(string path) =>
        new(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.Read, BufferSize = 1 << 16 });

    private static DirectWriteStream Over(FileStream file, bool direct, int bufferBytes = DirectWriteStream.BufferBytes)
    {
        DirectWriteStream? stream = DirectWriteStream.TryOver(file, direct, bufferBytes);
        if (stream is null)
        {
            Assert.Skip("direct I/O is not available for files under the temp directory here (not Linux, or its file system refuses O_DIRECT)");
        }

        return stream;
    }

    /// <summary>The flags of <paramref name="handle"/>'s descriptor as the kernel reports them (octal in fdinfo).</summary>
    private static int DescriptorFlags(SafeFileHandle handle)
    {
        string line = File.ReadLines($"/proc/self/fdinfo/{handle.DangerousGetHandle()}").First(l => l.StartsWith("flags:", StringComparison.Ordinal));
        return Convert.ToInt32(line["flags:".Length..].Trim(), 8);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Writes_and_range_copies_land_byte_for_byte_across_buffers_and_flushes(bool direct)
    {
        using var temp = new TempDirectory();
        byte[] source = Pattern(DirectWriteStream.BufferBytes + 70_000, 1);
        File.WriteAllBytes(temp.Combine("in"), source);
        byte[] head = Pattern(100, 2), middle = Pattern(5000, 3);
        long reported = 0;
        var expected = new List<byte>();

        using (FileStream file = NewFile(temp.Combine("out")))
        using (SafeFileHandle input = File.OpenHandle(temp.Combine("in")))
        using (DirectWriteStream stream = Over(file, direct))
        {
            stream.Write(head);
            stream.CopyFrom(input, 17, source.Length - 17, n => reported += n, CancellationToken.None);
            stream.Write([0x5A]);
            stream.Flush();
            new FileInfo(temp.Combine("out")).Length.Should().Be(100 + source.Length - 17 + 1);
            stream.Write(middle);
            stream.CopyFrom(input, 3, 4093, null, CancellationToken.None);
            stream.Flush();
            stream.Length.Should().Be(100 + source.Length - 17 + 1 + 5000 + 4093);
        }

        expected.AddRange(head);
        expected.AddRange(source.AsSpan(17).ToArray());
        expected.Add(0x5A);
        expected.AddRange(middle);
        expected.AddRange(source.AsSpan(3, 4093).ToArray());
        File.ReadAllBytes(temp.Combine("out")).Should().Equal(expected);
        reported.Should().Be(source.Length - 17);
    }

    [Fact]
    public async Task Asynchronous_writes_and_flush_land_byte_for_byte()
    {
        using var temp = new TempDirectory();
        byte[] first = Pattern((2 * DirectWriteStream.BufferBytes) + 3, 4), second = Pattern(511, 5);

        await using (FileStream file = NewFile(temp.Combine("out")))
        await using (DirectWriteStream stream = Over(file, direct: true))
        {
            await stream.WriteAsync(first, TestContext.Current.CancellationToken);
            await stream.FlushAsync(TestContext.Current.CancellationToken);
            await stream.WriteAsync(second, TestContext.Current.CancellationToken);
            await stream.FlushAsync(TestContext.Current.CancellationToken);
        }

        File.ReadAllBytes(temp.Combine("out")).Should().Equal([.. first, .. second]);
    }

    [Fact]
    public void Thousands_of_buffer_hand_overs_land_byte_for_byte()
    {
        // One-page buffers: every 4 KB goes to the writing thread, which often gives a buffer back before the caller
        // takes one, so all three are spare at once (the moment a semaphore sized for two overflowed on).
        using var temp = new TempDirectory();
        byte[] bytes = Pattern((3000 * DirectWriteStream.Alignment) + 1234, 9);
        File.WriteAllBytes(temp.Combine("in"), bytes);
        using (FileStream file = NewFile(temp.Combine("out")))
        using (SafeFileHandle input = File.OpenHandle(temp.Combine("in")))
        using (DirectWriteStream stream = Over(file, direct: true, DirectWriteStream.Alignment))
        {
            stream.Write(bytes.AsSpan(0, 1_000_000));
            stream.CopyFrom(input, 1_000_000, bytes.Length - 1_000_000, null, CancellationToken.None);
            stream.Flush();
        }

        File.ReadAllBytes(temp.Combine("out")).Should().Equal(bytes);
    }

    [Fact]
    public void Descriptor_has_O_DIRECT_while_the_stream_is_open_and_its_own_flags_again_after_dispose()
    {
        using var temp = new TempDirectory();
        using FileStream file = NewFile(temp.Combine("out"));
        int before = DescriptorFlags(file.SafeFileHandle);
        int oDirect = DirectWriteStream.ODirect;

        using (DirectWriteStream stream = Over(file, direct: true))
        {
            DescriptorFlags(file.SafeFileHandle).Should().Be(before | oDirect);
            stream.IsDirect.Should().BeTrue();
        }

        DescriptorFlags(file.SafeFileHandle).Should().Be(before);
        (before & oDirect).Should().Be(0);
    }

    [Fact]
    public void Unflushed_bytes_are_not_written_when_the_stream_is_disposed()
    {
        using var temp = new TempDirectory();
        using (FileStream file = NewFile(temp.Combine("out")))
        using (DirectWriteStream stream = Over(file, direct: true))
        {
            stream.Write(Pattern(4096, 6));
            stream.Length.Should().Be(4096);
        }

        new FileInfo(temp.Combine("out")).Length.Should().Be(0);
    }

    [Fact]
    public void Copy_of_a_range_past_the_end_of_the_source_throws_end_of_stream()
    {
        using var temp = new TempDirectory();
        File.WriteAllBytes(temp.Combine("in"), Pattern(1000, 7));
        using SafeFileHandle input = File.OpenHandle(temp.Combine("in"));
        using FileStream file = NewFile(temp.Combine("out"));
        using DirectWriteStream stream = Over(file, direct: true);

        Action copy = () => stream.CopyFrom(input, 900, 200, null, CancellationToken.None);

        copy.Should().Throw<EndOfStreamException>().WithMessage("the source file ended 100 bytes early, at offset 1000");
    }

    [Fact]
    public void Copy_with_a_cancelled_token_throws_and_appends_nothing()
    {
        using var temp = new TempDirectory();
        File.WriteAllBytes(temp.Combine("in"), Pattern(1000, 8));
        using SafeFileHandle input = File.OpenHandle(temp.Combine("in"));
        using FileStream file = NewFile(temp.Combine("out"));
        using DirectWriteStream stream = Over(file, direct: true);

        Action copy = () => stream.CopyFrom(input, 0, 1000, null, new CancellationToken(canceled: true));

        copy.Should().Throw<OperationCanceledException>();
        stream.Length.Should().Be(0);
    }

    [Fact]
    public void TryOver_declines_a_file_that_already_has_bytes()
    {
        using var temp = new TempDirectory();
        using FileStream file = NewFile(temp.Combine("out"));
        file.Write([1, 2, 3]);

        DirectWriteStream.TryOver(file).Should().BeNull();
        file.Flush();
        DirectWriteStream.TryOver(file).Should().BeNull();
        file.Length.Should().Be(3);
    }
}
