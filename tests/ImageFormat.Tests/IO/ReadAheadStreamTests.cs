using FluentAssertions;
using ImageFormat.Digests;
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
    public void Disposing_before_the_end_stops_the_producer_and_a_second_dispose_is_harmless()
    {
        using var inner = new MemoryStream(Data(1 << 20));
        var ahead = new ReadAheadStream(inner, chunkSize: 4096, chunks: 2);
        ahead.ReadByte().Should().BeGreaterThanOrEqualTo(0);

        ahead.Dispose();

        inner.CanRead.Should().BeFalse("the inner stream is disposed with it, and Dispose returned, so the producer stopped");
        ahead.Invoking(a => a.Dispose()).Should().NotThrow("disposing twice is allowed, as for any stream");
    }

    [Fact]
    public void A_failure_is_thrown_again_by_every_later_read_and_lend()
    {
        byte[] data = Data(5000);
        Digest wrong = Digest.Compute([1, 2, 3]);
        using var ahead = new ReadAheadStream(new VerifyingReadStream(new MemoryStream(data), wrong, data.Length, "blob"), chunkSize: 4096, chunks: 2);
        Action readAll = () => ahead.CopyTo(Stream.Null);
        Action readAgain = () => ahead.ReadByte();
        Action lendAgain = () => ahead.Lend(10, out _);

        readAll.Should().Throw<DigestMismatchException>();
        readAgain.Should().Throw<DigestMismatchException>();
        readAgain.Should().Throw<DigestMismatchException>();
        lendAgain.Should().Throw<DigestMismatchException>();
    }

    [Fact]
    public async Task Lent_bytes_stay_unchanged_while_reading_goes_on_and_their_chunk_is_reused_only_after_the_lease_ends()
    {
        byte[] data = Data((3 * 16) + 5);
        using var ahead = new ReadAheadStream(new MemoryStream(data), chunkSize: 16, chunks: 2);

        ReadOnlyMemory<byte> first = ahead.Lend(100, out IDisposable? firstLease);
        first.ToArray().Should().Equal(data[..16], "a lend never goes past its chunk");
        ahead.Lend(10, out IDisposable? secondLease).ToArray().Should().Equal(data[16..26]);
        ReadOnlyMemory<byte> third = ahead.Lend(100, out IDisposable? thirdLease);
        third.ToArray().Should().Equal(data[26..32]);

        // Both chunks are lent: reading on needs one of them back, so the read waits for a lease to end.
        byte[] tail = new byte[data.Length - 32];
        Task<int> reading = Task.Run(() => ahead.ReadAtLeast(tail, tail.Length, throwOnEndOfStream: false));
        await Task.Delay(200, TestContext.Current.CancellationToken);
        reading.IsCompleted.Should().BeFalse("every chunk is lent");
        first.ToArray().Should().Equal(data[..16]);

        firstLease!.Dispose();
        firstLease.Dispose();
        secondLease!.Dispose();
        (await reading.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken)).Should().Be(tail.Length);
        tail.Should().Equal(data[32..]);
        third.ToArray().Should().Equal(data[26..32], "its chunk is still lent: one of its two leases ended, the other did not");
        thirdLease!.Dispose();
        ahead.Lend(10, out IDisposable? endLease).IsEmpty.Should().BeTrue();
        endLease.Should().BeNull();
    }

    [Fact]
    public async Task An_inner_stream_that_retains_what_it_read_holds_its_chunk_until_its_lease_ends()
    {
        byte[] data = Data(5 * 16);
        var inner = new RetainingStream(data);
        using var ahead = new ReadAheadStream(inner, chunkSize: 16, chunks: 2);

        byte[] head = new byte[32];
        ahead.ReadExactly(head);
        head.Should().Equal(data[..32]);

        // The consumer is done with both chunks, but the inner stream still holds them: nothing more can be read.
        byte[] tail = new byte[data.Length - 32];
        Task<int> reading = Task.Run(() => ahead.ReadAtLeast(tail, tail.Length, throwOnEndOfStream: false));
        await Task.Delay(200, TestContext.Current.CancellationToken);
        reading.IsCompleted.Should().BeFalse("both chunks are retained by the inner stream");
        inner.Retained.Select(r => r.Bytes.ToArray()).Should().BeEquivalentTo([data[..16], data[16..32]], o => o.WithStrictOrdering());

        inner.Release();
        (await reading.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken)).Should().Be(tail.Length);
        tail.Should().Equal(data[32..]);
    }

    [Fact]
    public void A_verifying_inner_stream_hashing_in_the_chunks_verifies_long_content_and_fails_tampered_content_after_its_bytes()
    {
        byte[] data = Data((3 * DigestHasher.InlineBytes) + 12_345);
        Digest digest = Digest.Compute(data);
        byte[] tampered = (byte[])data.Clone();
        tampered[^1] ^= 1;

        using (var ahead = new ReadAheadStream(new VerifyingReadStream(new MemoryStream(data), digest, data.Length, "blob"), chunkSize: 65_536, chunks: 2))
        using (var copy = new MemoryStream())
        {
            ahead.CopyTo(copy);
            copy.ToArray().Should().Equal(data);
        }

        using (var ahead = new ReadAheadStream(new VerifyingReadStream(new MemoryStream(tampered), digest, data.Length, "blob"), chunkSize: 65_536, chunks: 2))
        using (var copy = new MemoryStream())
        {
            Action read = () => ahead.CopyTo(copy);
            read.Should().Throw<DigestMismatchException>().Which.Actual.Should().Be(Digest.Compute(tampered));
            copy.ToArray().Should().Equal(tampered);
        }
    }

    /// <summary>
    /// Reads its content up to 16 bytes at a time into the caller's buffer and keeps a lease on each piece until
    /// <see cref="Release"/>, remembering the bytes as they lie in that buffer; after it, gives each lease back at once.
    /// </summary>
    private sealed class RetainingStream(byte[] content) : ForwardReadStream, IRetainingReader
    {
        private readonly List<(ReadOnlyMemory<byte> Bytes, IDisposable Lease)> _retained = [];
        private int _position;
        private bool _released;

        public IReadOnlyList<(ReadOnlyMemory<byte> Bytes, IDisposable Lease)> Retained
        {
            get
            {
                lock (_retained)
                {
                    return [.. _retained];
                }
            }
        }

        public override int Read(Span<byte> buffer) => throw new InvalidOperationException("the read-ahead must read retaining");

        public int ReadRetaining(Memory<byte> buffer, Func<IDisposable> lease)
        {
            int n = Math.Min(Math.Min(buffer.Length, 16), content.Length - _position);
            if (n == 0)
            {
                return 0;
            }

            content.AsSpan(_position, n).CopyTo(buffer.Span);
            _position += n;
            lock (_retained)
            {
                if (_released)
                {
                    lease().Dispose();
                }
                else
                {
                    _retained.Add((buffer[..n], lease()));
                }
            }

            return n;
        }

        public void Release()
        {
            lock (_retained)
            {
                foreach ((_, IDisposable lease) in _retained)
                {
                    lease.Dispose();
                }

                _retained.Clear();
                _released = true;
            }
        }
    }
}
