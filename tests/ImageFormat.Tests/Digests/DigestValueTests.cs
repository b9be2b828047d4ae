using FluentAssertions;
using ImageFormat.Digests;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Digests;

public class DigestValueTests
{
    private const string A = "sha256:0000000000000000000000000000000000000000000000000000000000000001";
    private const string B = "sha256:0000000000000000000000000000000000000000000000000000000000000002";

    [Fact]
    public void Equal_digests_are_equal_and_hash_alike()
    {
        Digest a1 = Digest.Parse(A);
        Digest a2 = Digest.Parse(new string(A.ToCharArray()));
        (a1 == a2).Should().BeTrue();
        (a1 != a2).Should().BeFalse();
        a1.Equals((object)a2).Should().BeTrue();
        a1.GetHashCode().Should().Be(a2.GetHashCode());
        a1.Should().NotBe(Digest.Parse(B));
        a1.Equals("not a digest").Should().BeFalse();
    }

    [Fact]
    public void Digests_order_ordinally()
    {
        Digest a = Digest.Parse(A);
        Digest b = Digest.Parse(B);
        (a < b).Should().BeTrue();
        (a <= b).Should().BeTrue();
        (b > a).Should().BeTrue();
        (b >= a).Should().BeTrue();
        (a >= Digest.Parse(A)).Should().BeTrue();
        a.CompareTo(b).Should().BeNegative();
        Digest sha512 = Digest.Compute("x"u8, DigestAlgorithm.Sha512);
        (a < sha512).Should().BeTrue("\"sha256:\" sorts before \"sha512:\"");
        new[] { b, sha512, a }.Order().Should().Equal(a, b, sha512);
    }

    [Fact]
    public void FixedTimeEquals_agrees_with_Equals()
    {
        Digest a = Digest.Parse(A);
        a.FixedTimeEquals(Digest.Parse(A)).Should().BeTrue();
        a.FixedTimeEquals(Digest.Parse(B)).Should().BeFalse();
        a.FixedTimeEquals(Digest.Compute("x"u8, DigestAlgorithm.Sha512)).Should().BeFalse();
        a.FixedTimeEquals(default).Should().BeFalse();
        default(Digest).FixedTimeEquals(default).Should().BeTrue();
    }

    [Fact]
    public void Default_digest_is_empty_everywhere()
    {
        Digest d = default;
        d.IsEmpty.Should().BeTrue();
        d.Value.Should().BeEmpty();
        d.ToString().Should().BeEmpty();
        d.Encoded.Should().BeEmpty();
        d.ShortId.Should().BeEmpty();
        d.GetHashCode().Should().Be(0);
        d.Should().Be(default(Digest));
        (d < Digest.Parse(A)).Should().BeTrue();
        Digest.Parse(A).IsEmpty.Should().BeFalse();
    }

    [Fact]
    public void FromHash_formats_lowercase_hex_with_the_algorithm()
    {
        byte[] hash = new byte[32];
        hash[31] = 0xAB;
        Digest d = Digest.FromHash(DigestAlgorithm.Sha256, hash);
        d.Value.Should().Be("sha256:00000000000000000000000000000000000000000000000000000000000000ab");
        d.Should().Be(Digest.Parse(d.Value));
    }

    [Fact]
    public void FromHash_refuses_a_hash_of_the_wrong_length()
    {
        Action make = () => Digest.FromHash(DigestAlgorithm.Sha512, new byte[32]);
        make.Should().Throw<ArgumentException>().WithParameterName("hash").WithMessage("sha512 hashes are 64 bytes, got 32*");
    }

    [Fact]
    public void Sha512_digests_parse_and_compute()
    {
        Digest d = Digest.Compute("abc"u8, DigestAlgorithm.Sha512);
        d.Value.Should().Be(DigestHasherTests.AbcSha512);
        d.Algorithm.Should().Be(DigestAlgorithm.Sha512);
        d.Encoded.Should().HaveLength(128);
        Digest.Parse(DigestHasherTests.AbcSha512).Should().Be(d);
        Digest.TryParse("sha512:" + new string('a', 64), out _, out string? why).Should().BeFalse();
        why.Should().Be("sha512 needs 128 hex characters, found 64");
    }

    [Fact]
    public void Compute_of_a_stream_reads_it_to_the_end()
    {
        Digest.Compute(new MemoryStream("abc"u8.ToArray())).Value.Should().Be(DigestHasherTests.AbcSha256);
        Digest.Compute(new MemoryStream("abc"u8.ToArray()), DigestAlgorithm.Sha512).Value.Should().Be(DigestHasherTests.AbcSha512);
        Digest.ComputeUtf8("abc").Value.Should().Be(DigestHasherTests.AbcSha256);
    }

    [Fact]
    public async Task ComputeAsync_matches_Compute()
    {
        var ct = TestContext.Current.CancellationToken;
        (await Digest.ComputeAsync(new TrickleStream("abc"u8.ToArray()), cancellationToken: ct)).Value.Should().Be(DigestHasherTests.AbcSha256);
        (await Digest.ComputeAsync(new TrickleStream("abc"u8.ToArray()), DigestAlgorithm.Sha512, ct)).Value.Should().Be(DigestHasherTests.AbcSha512);
    }

    [Fact]
    public void TryFormat_writes_the_value_or_reports_a_short_buffer()
    {
        Digest d = Digest.Parse(A);
        Span<char> big = stackalloc char[100];
        d.TryFormat(big, out int written, default, null).Should().BeTrue();
        big[..written].ToString().Should().Be(A);
        d.TryFormat(stackalloc char[10], out written, default, null).Should().BeFalse();
        written.Should().Be(0);
        $"{d}".Should().Be(A);
    }

    [Fact]
    public void EncodedStartsWith_matches_short_ids()
    {
        Digest d = Digest.Parse(DigestHasherTests.AbcSha256);
        d.EncodedStartsWith("ba7816bf").Should().BeTrue();
        d.EncodedStartsWith("sha256").Should().BeFalse();
        d.ShortId.Should().Be("ba7816bf8f01");
    }
}
