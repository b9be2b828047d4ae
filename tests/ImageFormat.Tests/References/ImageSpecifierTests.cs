using FluentAssertions;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.References;
using Xunit;

namespace ImageFormat.Tests.References;

/// <summary>How what a user types to a Docker command is classified (distribution/reference's ParseAnyReference).</summary>
public class ImageSpecifierTests
{
    private const string Hex = "39d975d7325c1d7bbcdf6ca637b088e02abd68f17260fce3b485cb5d0cc86143";
    private static readonly Digest Id = Digest.Parse("sha256:" + Hex);

    [Fact]
    public void Sixty_four_hex_characters_are_an_image_id()
    {
        ImageSpecifier s = ImageSpecifier.Parse(Hex);
        s.IsImageId.Should().BeTrue();
        s.ImageId.Should().Be(Id);
        s.Reference.Should().BeNull();
        s.Text.Should().Be(Hex);
        s.ToString().Should().Be(Hex);
    }

    [Fact]
    public void A_full_digest_is_an_image_id()
    {
        ImageSpecifier.Parse("sha256:" + Hex).ImageId.Should().Be(Id);
        string sha512 = "sha512:" + new string('c', 128);
        ImageSpecifier.Parse(sha512).ImageId.Should().Be(Digest.Parse(sha512));
    }

    [Fact]
    public void A_short_id_is_a_reference_whose_text_is_tried_as_a_prefix()
    {
        ImageSpecifier s = ImageSpecifier.Parse("39d975d7325c");
        s.IsImageId.Should().BeFalse();
        s.Reference!.ToString().Should().Be("docker.io/library/39d975d7325c");
        s.IsIdPrefixOf(Id).Should().BeTrue();
        s.IsIdPrefixOf(Digest.Parse("sha256:" + new string('0', 64))).Should().BeFalse();
    }

    [Fact]
    public void A_short_id_with_algorithm_parses_as_repository_sha256_with_a_tag()
    {
        // As in Docker 20.10: "sha256:39d9" is the reference docker.io/library/sha256:39d9; the image store then
        // resolves the same text as a short ID.
        ImageSpecifier s = ImageSpecifier.Parse("sha256:39d9");
        s.Reference!.Path.Should().Be("library/sha256");
        s.Reference.Tag.Should().Be("39d9");
        s.IsIdPrefixOf(Id).Should().BeTrue();
        new ShortIdIndex([Id]).Lookup(s.Text).Should().Be(Id);
    }

    [Fact]
    public void A_digest_with_uppercase_hex_is_a_reference_with_a_tag_not_an_id()
    {
        ImageSpecifier s = ImageSpecifier.Parse("sha256:" + Hex.ToUpperInvariant());
        s.IsImageId.Should().BeFalse();
        s.Reference!.Tag.Should().Be(Hex.ToUpperInvariant());
    }

    [Fact]
    public void A_name_is_not_an_id_prefix()
    {
        ImageSpecifier s = ImageSpecifier.Parse("busybox:base");
        s.Reference!.ToString().Should().Be("docker.io/library/busybox:base");
        s.IsIdPrefixOf(Id).Should().BeFalse();
    }

    [Theory]
    [InlineData("39D9", "invalid reference format: repository name must be lowercase")] // as Engine 20.10.24 answers
    [InlineData("", "invalid reference format")]
    [InlineData("a b", "invalid reference format")]
    public void Invalid_text_is_refused_with_dockers_reason(string text, string reason)
    {
        ImageSpecifier.TryParse(text, out ImageSpecifier? s, out string? why).Should().BeFalse();
        s.Should().BeNull();
        why.Should().Be(reason);
        Action parse = () => ImageSpecifier.Parse(text);
        parse.Should().Throw<InvalidReferenceException>().Which.Reason.Should().Be(reason);
    }

    [Fact]
    public void Null_is_a_caller_error()
    {
        Action parse = () => ImageSpecifier.Parse(null!);
        parse.Should().Throw<ArgumentNullException>();
        ImageSpecifier.TryParse(null, out _, out string? reason).Should().BeFalse();
        reason.Should().Be("invalid reference format");
    }
}
