using FluentAssertions;
using ImageFormat.Digests;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Digests;

public class HashingStreamTests
{
    private static readonly byte[] Abc = "abc"u8.ToArray();

    [Fact]
    public void Reading_to_the_end_gives_the_digest_and_count()
    {
        byte[] data = MakeData(1000);
        using var stream = new HashingReadStream(new TrickleStream(data, 7));
        var copy = new MemoryStream();
        byte[] buffer = new byte[64];
        int n;
        while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            copy.Write(buffer, 0, n);
        }

        copy.ToArray().Should().Equal(data);
        stream.BytesRead.Should().Be(1000);
        stream.IsCompleted.Should().BeTrue();
        stream.Digest.Should().Be(Digest.Compute(data));
    }

    [Fact]
    public void Read_stream_digest_is_unavailable_before_the_end()
    {
        using var stream = new HashingReadStream(new TrickleStream(Abc));
        stream.ReadByte().Should().Be('a');
        stream.IsCompleted.Should().BeFalse();
        Func<Digest> digest = () => stream.Digest;
        digest.Should().Throw<InvalidOperationException>();
    }

    [Fact]
    public void CopyTo_through_the_read_stream_completes_the_digest()
    {
        using var stream = new HashingReadStream(new TrickleStream(Abc));
        var copy = new MemoryStream();
        stream.CopyTo(copy);
        copy.ToArray().Should().Equal(Abc);
        stream.Digest.Value.Should().Be(DigestHasherTests.AbcSha256);
        stream.BytesRead.Should().Be(3);
    }

    [Fact]
    public async Task CopyToAsync_through_the_read_stream_completes_the_digest()
    {
        await using var stream = new HashingReadStream(new TrickleStream(Abc), DigestAlgorithm.Sha512);
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy, TestContext.Current.CancellationToken);
        copy.ToArray().Should().Equal(Abc);
        stream.Digest.Value.Should().Be(DigestHasherTests.AbcSha512);
    }

    [Fact]
    public async Task ReadAsync_hashes_what_it_returns()
    {
        byte[] data = MakeData(100);
        using var stream = new HashingReadStream(new TrickleStream(data, 9));
        byte[] buffer = new byte[16];
        long total = 0;
        int n;
        while ((n = await stream.ReadAsync(buffer, TestContext.Current.CancellationToken)) > 0)
        {
            total += n;
        }

        total.Should().Be(100);
        stream.Digest.Should().Be(Digest.Compute(data));
    }

    [Fact]
    public void GetDigest_finishes_early_and_later_reads_throw()
    {
        using var stream = new HashingReadStream(new TrickleStream(Abc));
        stream.ReadByte();
        stream.ReadByte();
        stream.GetDigest().Should().Be(Digest.Compute("ab"u8));
        stream.GetDigest().Should().Be(Digest.Compute("ab"u8));
        stream.BytesRead.Should().Be(2);
        Action read = () => stream.ReadByte();
        read.Should().Throw<InvalidOperationException>();
    }

    [Fact]
    public void Read_after_the_end_returns_zero_and_keeps_the_digest()
    {
        using var stream = new HashingReadStream(new TrickleStream(Abc));
        stream.CopyTo(Stream.Null);
        stream.ReadByte().Should().Be(-1);
        stream.Digest.Value.Should().Be(DigestHasherTests.AbcSha256);
    }

    [Fact]
    public void Zero_length_read_does_not_end_the_stream()
    {
        using var stream = new HashingReadStream(new TrickleStream(Abc));
        stream.Read(Span<byte>.Empty).Should().Be(0);
        stream.IsCompleted.Should().BeFalse();
        stream.CopyTo(Stream.Null);
        stream.Digest.Value.Should().Be(DigestHasherTests.AbcSha256);
    }

    [Fact]
    public void Read_stream_is_not_seekable_or_writable()
    {
        using var stream = new HashingReadStream(new MemoryStream(Abc));
        stream.CanSeek.Should().BeFalse();
        stream.CanWrite.Should().BeFalse();
        stream.CanRead.Should().BeTrue();
        ((Action)(() => stream.Seek(0, SeekOrigin.Begin))).Should().Throw<NotSupportedException>();
        ((Func<long>)(() => stream.Length)).Should().Throw<NotSupportedException>();
        ((Func<long>)(() => stream.Position)).Should().Throw<NotSupportedException>();
        ((Action)(() => stream.Write(Abc, 0, 1))).Should().Throw<NotSupportedException>();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Read_stream_disposes_the_inner_stream_unless_left_open(bool leaveOpen)
    {
        var inner = new TrickleStream(Abc);
        new HashingReadStream(inner, leaveOpen: leaveOpen).Dispose();
        inner.Disposed.Should().Be(!leaveOpen);
    }

    [Fact]
    public void Read_stream_refuses_unreadable_or_null_inner()
    {
        ((Action)(() => _ = new HashingReadStream(null!))).Should().Throw<ArgumentNullException>();
        var writeOnly = new HashingWriteStream(Stream.Null);
        ((Action)(() => _ = new HashingReadStream(writeOnly))).Should().Throw<ArgumentException>().WithParameterName("inner");
    }

    [Fact]
    public void Writing_forwards_hashes_and_counts()
    {
        var inner = new MemoryStream();
        using var stream = new HashingWriteStream(inner, leaveOpen: true);
        stream.Write(Abc, 0, 1);
        stream.WriteByte((byte)'b');
        stream.Write("c"u8);
        stream.BytesWritten.Should().Be(3);
        stream.IsCompleted.Should().BeFalse();
        stream.GetDigest().Value.Should().Be(DigestHasherTests.AbcSha256);
        inner.ToArray().Should().Equal(Abc);
    }

    [Fact]
    public async Task WriteAsync_forwards_hashes_and_counts()
    {
        var inner = new MemoryStream();
        var stream = new HashingWriteStream(inner, DigestAlgorithm.Sha512, leaveOpen: true);
        await using (stream)
        {
            await stream.WriteAsync(Abc.AsMemory(0, 2), TestContext.Current.CancellationToken);
            await stream.WriteAsync(Abc.AsMemory(2, 1), TestContext.Current.CancellationToken);
            await stream.FlushAsync(TestContext.Current.CancellationToken);
        }

        stream.BytesWritten.Should().Be(3);
        stream.Digest.Value.Should().Be(DigestHasherTests.AbcSha512);
        inner.ToArray().Should().Equal(Abc);
    }

    [Fact]
    public void Writing_to_Stream_Null_only_hashes()
    {
        byte[] data = MakeData(5000);
        using var stream = new HashingWriteStream(Stream.Null);
        new MemoryStream(data).CopyTo(stream, 1000);
        stream.GetDigest().Should().Be(Digest.Compute(data));
        stream.BytesWritten.Should().Be(5000);
    }

    [Fact]
    public void Disposing_the_write_stream_finishes_the_digest()
    {
        var stream = new HashingWriteStream(Stream.Null);
        using (stream)
        {
            stream.Write(Abc);
            ((Func<Digest>)(() => stream.Digest)).Should().Throw<InvalidOperationException>();
        }

        stream.Digest.Value.Should().Be(DigestHasherTests.AbcSha256);
        stream.GetDigest().Value.Should().Be(DigestHasherTests.AbcSha256);
    }

    [Fact]
    public void Writing_after_GetDigest_throws()
    {
        using var stream = new HashingWriteStream(Stream.Null);
        stream.GetDigest().Value.Should().Be(DigestHasherTests.EmptySha256);
        stream.CanWrite.Should().BeFalse();
        ((Action)(() => stream.Write(Abc))).Should().Throw<InvalidOperationException>();
    }

    [Fact]
    public void Failed_inner_write_is_not_counted()
    {
        using var stream = new HashingWriteStream(new MemoryStream(new byte[2]), leaveOpen: false);
        stream.Write("ab"u8);
        ((Action)(() => stream.Write("c"u8))).Should().Throw<NotSupportedException>();
        stream.BytesWritten.Should().Be(2);
        stream.GetDigest().Should().Be(Digest.Compute("ab"u8));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Write_stream_disposes_the_inner_stream_unless_left_open(bool leaveOpen)
    {
        var inner = new MemoryStream();
        new HashingWriteStream(inner, leaveOpen: leaveOpen).Dispose();
        inner.CanWrite.Should().Be(leaveOpen);
    }

    [Fact]
    public void Write_stream_is_not_readable_or_seekable()
    {
        using var stream = new HashingWriteStream(Stream.Null);
        stream.CanRead.Should().BeFalse();
        stream.CanSeek.Should().BeFalse();
        ((Action)(() => stream.ReadByte())).Should().Throw<NotSupportedException>();
        ((Action)(() => stream.SetLength(1))).Should().Throw<NotSupportedException>();
        ((Action)(() => _ = new HashingWriteStream(new MemoryStream(Abc, writable: false)))).Should().Throw<ArgumentException>();
    }

    internal static byte[] MakeData(int length)
    {
        byte[] data = new byte[length];
        new Random(1234).NextBytes(data);
        return data;
    }
}
