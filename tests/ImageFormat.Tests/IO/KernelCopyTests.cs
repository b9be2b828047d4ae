using FluentAssertions;
using ImageFormat.IO;
using ImageFormat.Tests.TestSupport;
using Microsoft.Win32.SafeHandles;
using Xunit;

namespace ImageFormat.Tests.IO;

public class KernelCopyTests
{
    private static byte[] Pattern(int length)
    {
        byte[] bytes = new byte[length];
        new Random(1234).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public void Copy_puts_exactly_the_range_at_the_destination_offset_and_reports_every_byte()
    {
        using var temp = new TempDirectory();
        byte[] source = Pattern((3 * KernelCopy.ChunkBytes / 2) + 4321);
        File.WriteAllBytes(temp.Combine("in"), source);
        File.WriteAllBytes(temp.Combine("out"), [.. Enumerable.Repeat((byte)0xEE, 100)]);
        long reported = 0;
        using (SafeFileHandle input = File.OpenHandle(temp.Combine("in")))
        using (SafeFileHandle output = File.OpenHandle(temp.Combine("out"), FileMode.Open, FileAccess.ReadWrite))
        {
            KernelCopy.Copy(input, 17, output, 50, source.Length - 17 - 9, n => reported += n, CancellationToken.None);
        }

        byte[] result = File.ReadAllBytes(temp.Combine("out"));
        result.Length.Should().Be(50 + source.Length - 26);
        result.AsSpan(0, 50).ToArray().Should().OnlyContain(b => b == 0xEE);
        result.AsSpan(50).SequenceEqual(source.AsSpan(17, source.Length - 26)).Should().BeTrue();
        reported.Should().Be(source.Length - 26);
    }

    [Fact]
    public void Copy_of_a_range_past_the_end_of_the_source_throws_end_of_stream()
    {
        using var temp = new TempDirectory();
        File.WriteAllBytes(temp.Combine("in"), Pattern(1000));
        using SafeFileHandle input = File.OpenHandle(temp.Combine("in"));
        using SafeFileHandle output = File.OpenHandle(temp.Combine("out"), FileMode.CreateNew, FileAccess.Write);

        Action copy = () => KernelCopy.Copy(input, 900, output, 0, 200, null, CancellationToken.None);

        copy.Should().Throw<EndOfStreamException>().WithMessage("the source file ended 100 bytes early, at offset 1000");
    }

    [Fact]
    public void Copy_with_a_cancelled_token_throws_and_writes_nothing()
    {
        using var temp = new TempDirectory();
        File.WriteAllBytes(temp.Combine("in"), Pattern(1000));
        using (SafeFileHandle input = File.OpenHandle(temp.Combine("in")))
        using (SafeFileHandle output = File.OpenHandle(temp.Combine("out"), FileMode.CreateNew, FileAccess.Write))
        {
            Action copy = () => KernelCopy.Copy(input, 0, output, 0, 1000, null, new CancellationToken(canceled: true));
            copy.Should().Throw<OperationCanceledException>();
        }

        new FileInfo(temp.Combine("out")).Length.Should().Be(0);
    }
}
