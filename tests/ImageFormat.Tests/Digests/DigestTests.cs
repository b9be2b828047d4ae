using FluentAssertions;
using ImageFormat.Digests;
using ImageFormat.Errors;
using Xunit;

namespace ImageFormat.Tests.Digests;

public class DigestTests
{
    private const string EmptySha256 = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    [Fact]
    public void Compute_of_empty_input_is_the_well_known_sha256()
    {
        Digest.Compute([]).Value.Should().Be(EmptySha256);
    }

    [Fact]
    public void Parse_accepts_canonical_sha256_and_exposes_its_parts()
    {
        Digest d = Digest.Parse(EmptySha256);
        d.Algorithm.Should().Be(DigestAlgorithm.Sha256);
        d.Encoded.Should().Be("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        d.ShortId.Should().Be("e3b0c44298fc");
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "no ':' between algorithm and encoded part")]
    [InlineData(":e3b0", "empty algorithm")]
    [InlineData("sha256:", "empty encoded part")]
    [InlineData("md5:d41d8cd98f00b204e9800998ecf8427e", "unsupported algorithm \"md5\" (expected sha256 or sha512)")]
    [InlineData("SHA256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "unsupported algorithm \"SHA256\" (expected sha256 or sha512)")]
    [InlineData("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85", "sha256 needs 64 hex characters, found 63")]
    [InlineData("sha256:E3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "uppercase hex character 'E' at 7 (digests are lowercase)")]
    [InlineData("sha256:g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "invalid character 'g' at 7")]
    [InlineData("sha256:../../../../etc/passwd/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "invalid character '.' at 7")]
    public void Parse_refuses_non_canonical_digests_with_the_reason(string input, string reason)
    {
        Digest.TryParse(input, out _, out string? why).Should().BeFalse();
        why.Should().Be(reason);
        Action parse = () => Digest.Parse(input);
        parse.Should().Throw<InvalidDigestException>()
            .Which.Should().Match<InvalidDigestException>(e => e.Code == ErrorCodes.InvalidDigest && e.Reason == reason);
    }
}
