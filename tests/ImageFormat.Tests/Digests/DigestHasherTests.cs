using System.Text;
using FluentAssertions;
using ImageFormat.Digests;
using Xunit;

namespace ImageFormat.Tests.Digests;

public class DigestHasherTests
{
    // FIPS 180-2 test vectors for "abc".
    internal const string AbcSha256 = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    internal const string AbcSha512 = "sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";
    internal const string EmptySha256 = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    [Fact]
    public void Hashing_in_pieces_gives_the_one_shot_digest_and_counts_bytes()
    {
        using var hasher = new DigestHasher();
        hasher.Append("a"u8);
        hasher.Append(""u8);
        hasher.Append("bc"u8);
        hasher.BytesHashed.Should().Be(3);
        hasher.GetDigest().Value.Should().Be(AbcSha256);
    }

    [Fact]
    public void Sha512_hasher_gives_the_sha512_digest()
    {
        using var hasher = new DigestHasher(DigestAlgorithm.Sha512);
        hasher.Algorithm.Should().Be(DigestAlgorithm.Sha512);
        hasher.Append("abc"u8);
        hasher.GetDigest().Value.Should().Be(AbcSha512);
    }

    [Fact]
    public void GetDigest_starts_over()
    {
        using var hasher = new DigestHasher();
        hasher.Append("abc"u8);
        hasher.GetDigest();
        hasher.BytesHashed.Should().Be(0);
        hasher.GetDigest().Value.Should().Be(EmptySha256);
    }

    [Fact]
    public void Reset_forgets_appended_bytes()
    {
        using var hasher = new DigestHasher();
        hasher.Append("xyz"u8);
        hasher.Reset();
        hasher.BytesHashed.Should().Be(0);
        hasher.Append("abc"u8);
        hasher.GetDigest().Value.Should().Be(AbcSha256);
    }

    [Fact]
    public void PeekDigest_does_not_finish()
    {
        using var hasher = new DigestHasher();
        hasher.Append("ab"u8);
        hasher.PeekDigest().Should().Be(Digest.Compute("ab"u8));
        hasher.Append("c"u8);
        hasher.GetDigest().Value.Should().Be(AbcSha256);
    }

    [Fact]
    public void Disposed_hasher_refuses_work()
    {
        var hasher = new DigestHasher();
        hasher.Dispose();
        hasher.Dispose();
        Action append = () => hasher.Append("a"u8);
        append.Should().Throw<ObjectDisposedException>();
        Action finish = () => hasher.GetDigest();
        finish.Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public void Undefined_algorithm_is_refused()
    {
        Action create = () => _ = new DigestHasher((DigestAlgorithm)7);
        create.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Large_input_in_uneven_pieces_matches_one_shot()
    {
        byte[] data = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("0123456789", 10_000)));
        using var hasher = new DigestHasher();
        for (int i = 0; i < data.Length; i += 777)
        {
            hasher.Append(data.AsSpan(i, Math.Min(777, data.Length - i)));
        }

        hasher.BytesHashed.Should().Be(100_000);
        hasher.GetDigest().Should().Be(Digest.Compute(data));
    }

    // Long content moves to a background thread past DigestHasher.InlineBytes; these compare it with the BCL's
    // one-shot SHA-256 of the same bytes (Digest.Compute), so a lost, repeated or reordered chunk changes the digest.
    [Theory]
    [InlineData(DigestHasher.InlineBytes, 4096)]
    [InlineData(DigestHasher.InlineBytes + 1, 4096)]
    [InlineData(3 * DigestHasher.InlineBytes + 12_345, 1)]
    [InlineData(3 * DigestHasher.InlineBytes + 12_345, 65_536)]
    [InlineData(9 * DigestHasher.ChunkBytes + 7, 3 * DigestHasher.ChunkBytes + 1)]
    public void Long_content_hashed_on_a_second_core_gives_the_one_shot_digest(int length, int piece)
    {
        byte[] data = RandomBytes(length, seed: length ^ piece);
        using var offloaded = new DigestHasher(DigestAlgorithm.Sha256, offload: true);
        using var inline = new DigestHasher(DigestAlgorithm.Sha256, offload: false);
        for (int i = 0; i < data.Length; i += piece)
        {
            ReadOnlySpan<byte> next = data.AsSpan(i, Math.Min(piece, data.Length - i));
            offloaded.Append(next);
            inline.Append(next);
        }

        offloaded.IsOffloaded.Should().Be(length > DigestHasher.InlineBytes);
        inline.IsOffloaded.Should().BeFalse();
        offloaded.BytesHashed.Should().Be(length);
        Digest expected = Digest.Compute(data);
        offloaded.GetDigest().Should().Be(expected);
        inline.GetDigest().Should().Be(expected);
    }

    [Fact]
    public void Peek_reset_and_reuse_of_an_offloaded_hasher_see_every_byte()
    {
        byte[] data = RandomBytes(2 * DigestHasher.InlineBytes + 99, seed: 5);
        byte[] first = data.AsSpan(0, DigestHasher.InlineBytes + DigestHasher.ChunkBytes + 3).ToArray();
        using var hasher = new DigestHasher(DigestAlgorithm.Sha256, offload: true);
        hasher.Append(first);
        hasher.IsOffloaded.Should().BeTrue();
        hasher.PeekDigest().Should().Be(Digest.Compute(first));
        hasher.Append(data.AsSpan(first.Length));
        hasher.GetDigest().Should().Be(Digest.Compute(data));

        hasher.Append(data);
        hasher.Reset();
        hasher.IsOffloaded.Should().BeFalse();
        hasher.Append("abc"u8);
        hasher.GetDigest().Value.Should().Be(AbcSha256);

        hasher.Append(data);
        hasher.GetDigest().Should().Be(Digest.Compute(data));
    }

    [Fact]
    public void Disposing_an_offloaded_hasher_mid_content_ends_its_thread()
    {
        var hasher = new DigestHasher(DigestAlgorithm.Sha256, offload: true);
        hasher.Append(RandomBytes(3 * DigestHasher.InlineBytes, seed: 9));
        hasher.IsOffloaded.Should().BeTrue();
        hasher.Dispose();
        hasher.IsOffloaded.Should().BeFalse();
        Action append = () => hasher.Append("a"u8);
        append.Should().Throw<ObjectDisposedException>();
    }

    // Copied and lent pieces alternate across the point where hashing moves to a second core, so a lent piece queued
    // ahead of copied bytes still waiting in a partly filled chunk would reorder the content. Each lease scribbles
    // over its bytes when disposed, as a reused buffer would, so a lease disposed before its bytes are hashed
    // changes the digest.
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Lent_bytes_are_hashed_in_order_with_copied_ones_before_their_lease_is_disposed_once(bool offload)
    {
        byte[] data = RandomBytes((3 * DigestHasher.InlineBytes) + 777, seed: 11);
        using var hasher = new DigestHasher(DigestAlgorithm.Sha256, offload);
        var leases = new List<ScribblingLease>();
        int turn = 0;
        for (int i = 0; i < data.Length; turn++)
        {
            int piece = Math.Min(turn % 3 == 0 ? 100_000 : 300_001, data.Length - i);
            if (turn % 2 == 0)
            {
                hasher.Append(data.AsSpan(i, piece));
            }
            else
            {
                byte[] lent = data.AsSpan(i, piece).ToArray();
                var lease = new ScribblingLease(lent);
                leases.Add(lease);
                hasher.Append(lent, lease);
            }

            i += piece;
        }

        hasher.IsOffloaded.Should().Be(offload);
        hasher.BytesHashed.Should().Be(data.Length);
        hasher.GetDigest().Should().Be(Digest.Compute(data));
        leases.Should().HaveCountGreaterThan(4).And.OnlyContain(l => l.Disposals == 1);
    }

    [Fact]
    public void Lent_bytes_appended_to_a_disposed_hasher_are_refused_and_their_lease_is_disposed()
    {
        var hasher = new DigestHasher(DigestAlgorithm.Sha256, offload: true);
        hasher.Dispose();
        var lease = new ScribblingLease(new byte[3]);

        Action append = () => hasher.Append(new byte[3], lease);

        append.Should().Throw<ObjectDisposedException>();
        lease.Disposals.Should().Be(1);
    }

    [Fact]
    public void Disposing_an_offloaded_hasher_with_lent_bytes_queued_disposes_every_lease()
    {
        var hasher = new DigestHasher(DigestAlgorithm.Sha256, offload: true);
        hasher.Append(RandomBytes(DigestHasher.InlineBytes, seed: 3));
        var leases = Enumerable.Range(0, 3 * DigestHasher.MaxChunksInFlight).Select(_ => new ScribblingLease(new byte[DigestHasher.ChunkBytes])).ToList();
        foreach (ScribblingLease lease in leases)
        {
            hasher.Append(lease.Bytes, lease);
        }

        hasher.Dispose();

        leases.Should().OnlyContain(l => l.Disposals == 1);
    }

    /// <summary>A lease on lent bytes that overwrites them when disposed, as the lender reusing its buffer would.</summary>
    private sealed class ScribblingLease(byte[] bytes) : IDisposable
    {
        private int _disposals;

        public byte[] Bytes => bytes;

        public int Disposals => Volatile.Read(ref _disposals);

        public void Dispose()
        {
            Interlocked.Increment(ref _disposals);
            bytes.AsSpan().Fill(0xAA);
        }
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        byte[] data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }
}
