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
}
