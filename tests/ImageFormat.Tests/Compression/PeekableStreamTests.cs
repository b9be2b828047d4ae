using FluentAssertions;
using ImageFormat.Compression;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Compression;

public class PeekableStreamTests
{
    private static readonly byte[] Data = [.. Enumerable.Range(0, 100).Select(i => (byte)i)];

    [Fact]
    public void Peeked_bytes_are_replayed_by_the_following_reads()
    {
        using var peekable = new PeekableStream(new TrickleStream(Data, maxPerRead: 3));
        peekable.Peek(6).ToArray().Should().Equal(0, 1, 2, 3, 4, 5);
        peekable.Position.Should().Be(0);
        StreamBytes.ReadAll(peekable).Should().Equal(Data);
        peekable.Position.Should().Be(100);
    }

    [Fact]
    public void Peek_returns_fewer_bytes_only_at_the_end()
    {
        using var peekable = new PeekableStream(new TrickleStream([1, 2, 3], maxPerRead: 1));
        peekable.Peek(10).ToArray().Should().Equal(1, 2, 3);
        StreamBytes.ReadAll(peekable).Should().Equal(1, 2, 3);
    }

    [Fact]
    public void Peek_after_a_partial_read_looks_at_the_next_unread_bytes()
    {
        using var peekable = new PeekableStream(new TrickleStream(Data, maxPerRead: 7));
        byte[] first = new byte[4];
        peekable.ReadExactly(first);
        peekable.Peek(2).ToArray().Should().Equal(4, 5);
        peekable.Peek(20).ToArray().Should().Equal(Data[4..24]);
        StreamBytes.ReadAll(peekable).Should().Equal(Data[4..]);
    }

    [Fact]
    public async Task Async_peek_and_read_replay_the_same_bytes()
    {
        await using var peekable = new PeekableStream(new TrickleStream(Data, maxPerRead: 5));
        ReadOnlyMemory<byte> head = await peekable.PeekAsync(8, TestContext.Current.CancellationToken);
        head.ToArray().Should().Equal(Data[..8]);
        using var copy = new MemoryStream();
        await peekable.CopyToAsync(copy, TestContext.Current.CancellationToken);
        copy.ToArray().Should().Equal(Data);
    }

    [Fact]
    public void Disposing_honours_leave_open()
    {
        var inner = new MemoryStream(Data);
        new PeekableStream(inner, leaveOpen: true).Dispose();
        inner.CanRead.Should().BeTrue();
        new PeekableStream(inner, leaveOpen: false).Dispose();
        inner.CanRead.Should().BeFalse();
    }
}
