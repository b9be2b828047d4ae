using FluentAssertions;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.IO;
using Xunit;

namespace ImageFormat.Tests.IO;

public class ReadAheadStreamTests
{
    private static byte[] Data(int length)
    {
        byte[] data = new byte[length];
        new Random(length).NextBytes(data);
        return data;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1000)]
    [InlineData((3 * 4096) + 17)]
    public void Gives_exactly_the_inner_bytes_in_order(int length)
    {
        byte[] data = Data(length);
        using var ahead = new ReadAheadStream(new MemoryStream(data), chunkSize: 4096, chunks: 2);
        using var copy = new MemoryStream();

        byte[] small = new byte[333];
        int n;
        while ((n = ahead.Read(small, 0, small.Length)) > 0)
        {
            copy.Write(small, 0, n);
        }

        copy.ToArray().Should().Equal(data);
        ahead.Read(small, 0, small.Length).Should().Be(0, "the end is sticky");
    }

    [Fact]
    public void A_failure_at_the_end_comes_after_every_byte_read_before_it()
    {
        byte[] data = Data(10_000);
        Digest wrong = Digest.Compute([1, 2, 3]);
        using var ahead = new ReadAheadStream(new VerifyingReadStream(new MemoryStream(data), wrong, data.Length, "blob"), chunkSize: 4096, chunks: 2);
        using var copy = new MemoryStream();

        Action read = () => ahead.CopyTo(copy);

        read.Should().Throw<DigestMismatchException>().Which.Expected.Should().Be(wrong);
        copy.ToArray().Should().Equal(data);
    }

    [Fact]
    public void Disposing_before_the_end_stops_the_producer()
    {
        using var inner = new MemoryStream(Data(1 << 20));
        var ahead = new ReadAheadStream(inner, chunkSize: 4096, chunks: 2);
        ahead.ReadByte().Should().BeGreaterThanOrEqualTo(0);

        ahead.Dispose();

        inner.CanRead.Should().BeFalse("the inner stream is disposed with it, and Dispose returned, so the producer stopped");
    }
}
