using FluentAssertions;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.References;
using Xunit;

namespace ImageFormat.Tests.References;

/// <summary>
/// ImageReference behaviour. Where a test names Engine 20.10.24, the expected reason is what that daemon answered
/// (POST /images/busybox:base/tag?repo=... or GET /images/.../json) on this project's peer engine.
/// </summary>
public class ImageReferenceTests
{
    private const string Hex64 = "39d975d7325c1d7bbcdf6ca637b088e02abd68f17260fce3b485cb5d0cc86143";

    [Theory]
    [InlineData("ubuntu:14.04", "docker.io/library/ubuntu:14.04", "ubuntu:14.04", "ubuntu")]
    [InlineData("ubuntu", "docker.io/library/ubuntu", "ubuntu", "ubuntu")]
    [InlineData("user/app", "docker.io/user/app", "user/app", "user/app")]
    [InlineData("localhost:5000/x", "localhost:5000/x", "localhost:5000/x", "localhost:5000/x")]
    [InlineData("localhost/x:1", "localhost/x:1", "localhost/x:1", "localhost/x")]
    [InlineData("index.docker.io/library/ubuntu:14.04", "docker.io/library/ubuntu:14.04", "ubuntu:14.04", "ubuntu")]
    [InlineData("docker.io/library/a/b", "docker.io/library/a/b", "library/a/b", "library/a/b")]
    [InlineData("localhost", "docker.io/library/localhost", "localhost", "localhost")]
    [InlineData("localhost:5000", "docker.io/library/localhost:5000", "localhost:5000", "localhost")]
    public void Familiar_and_full_forms(string input, string full, string familiar, string familiarName)
    {
        ImageReference reference = ImageReference.Parse(input);
        reference.ToString().Should().Be(full);
        reference.FamiliarString().Should().Be(familiar);
        reference.FamiliarName.Should().Be(familiarName);
    }

    [Fact]
    public void Parts_of_a_familiar_reference_are_normalized()
    {
        ImageReference reference = ImageReference.Parse("ubuntu:14.04");
        reference.Domain.Should().Be("docker.io");
        reference.Path.Should().Be("library/ubuntu");
        reference.Name.Should().Be("docker.io/library/ubuntu");
        reference.Tag.Should().Be("14.04");
        reference.Digest.Should().BeNull();
        reference.IsNameOnly.Should().BeFalse();
    }

    [Fact]
    public void A_first_component_that_is_no_host_becomes_part_of_the_path_as_in_docker()
    {
        // splitDockerDomain takes "my_reg.local" as the registry (it has a '.'), but the name pattern then
        // cannot read it as a host (underscore) and reads the whole name as a path without domain.
        ImageReference reference = ImageReference.Parse("my_reg.local/app:1");
        reference.Domain.Should().BeEmpty();
        reference.Path.Should().Be("my_reg.local/app");
        reference.Name.Should().Be("my_reg.local/app");
        reference.ToString().Should().Be("my_reg.local/app:1");
        reference.FamiliarString().Should().Be("my_reg.local/app:1");
    }

    [Fact]
    public void An_uppercase_host_is_allowed_but_an_uppercase_first_component_without_dot_is_not()
    {
        ImageReference.Parse("Example.com/app").Domain.Should().Be("Example.com");
        // Engine 20.10.24: "Foo/bar" -> "invalid reference format: repository name must be lowercase"
        // (the later upstream change that reads "Foo" as a host is not in 20.10).
        ReasonFor("Foo/bar").Should().Be("invalid reference format: repository name must be lowercase");
    }

    [Fact]
    public void Default_tag_is_added_when_neither_tag_nor_digest()
    {
        ImageReference name = ImageReference.Parse("busybox");
        name.IsNameOnly.Should().BeTrue();
        ImageReference tagged = name.WithDefaultTag();
        tagged.Tag.Should().Be("latest");
        tagged.ToString().Should().Be("docker.io/library/busybox:latest");

        ImageReference already = ImageReference.Parse("busybox:1");
        already.WithDefaultTag().Should().BeSameAs(already);
        ImageReference digested = ImageReference.Parse("busybox@sha256:" + Hex64);
        digested.WithDefaultTag().Should().BeSameAs(digested);
    }

    [Fact]
    public void WithTag_keeps_the_digest_and_WithDigest_keeps_the_tag()
    {
        Digest digest = Digest.Parse("sha256:" + Hex64);
        ImageReference both = ImageReference.Parse("busybox@sha256:" + Hex64).WithTag("TAG5");
        both.ToString().Should().Be("docker.io/library/busybox:TAG5@sha256:" + Hex64);
        ImageReference.Parse("test.com:8000/foo:latest").WithDigest(digest).ToString()
            .Should().Be("test.com:8000/foo:latest@sha256:" + Hex64);
        both.WithoutTagOrDigest().ToString().Should().Be("docker.io/library/busybox");
    }

    [Fact]
    public void WithDigest_refuses_the_empty_digest()
    {
        Action act = () => ImageReference.Parse("busybox").WithDigest(default);
        act.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("digest");
    }

    [Fact]
    public void Equality_compares_every_part()
    {
        ImageReference.Parse("ubuntu:14.04").Should().Be(ImageReference.Parse("docker.io/library/ubuntu:14.04"));
        (ImageReference.Parse("ubuntu:14.04") == ImageReference.Parse("index.docker.io/ubuntu:14.04")).Should().BeTrue();
        ImageReference.Parse("ubuntu:14.04").GetHashCode().Should().Be(ImageReference.Parse("library/ubuntu:14.04").GetHashCode());
        (ImageReference.Parse("ubuntu:14.04") != ImageReference.Parse("ubuntu:14.04.1")).Should().BeTrue();
        ImageReference.Parse("ubuntu").Should().NotBe(ImageReference.Parse("ubuntu:latest"));
        ImageReference.Parse("a@sha256:" + Hex64).Should().NotBe(ImageReference.Parse("a"));
        ImageReference.Parse("ubuntu").Equals(null).Should().BeFalse();
    }

    [Fact]
    public void A_64_hex_repository_is_refused_with_dockers_message()
    {
        // Engine 20.10.24 answers exactly this.
        ReasonFor(new string('a', 64)).Should().Be($"invalid repository name ({new string('a', 64)}), cannot specify 64-byte hexadecimal strings");
        ImageReference.Parse(new string('a', 63)).Path.Should().Be("library/" + new string('a', 63));
        ImageReference.Parse("docker.io/" + Hex64).Path.Should().Be("library/" + Hex64);
        ImageReference.Parse("user/" + Hex64).Path.Should().Be("user/" + Hex64);
        ImageReference.Parse(Hex64 + ":tag").Path.Should().Be("library/" + Hex64);
    }

    [Fact]
    public void Parse_throws_InvalidReferenceException_with_code_input_and_reason()
    {
        Action parse = () => ImageReference.Parse("UPPER");
        InvalidReferenceException e = parse.Should().Throw<InvalidReferenceException>().Which;
        e.Code.Should().Be(ErrorCodes.InvalidReference);
        e.Input.Should().Be("UPPER");
        e.Reason.Should().Be("invalid reference format: repository name must be lowercase");
        e.Message.Should().Be("invalid reference format \"UPPER\": invalid reference format: repository name must be lowercase");
    }

    [Theory]
    // Each reason checked against Engine 20.10.24.
    [InlineData("", "invalid reference format")]
    [InlineData("UPPER", "invalid reference format: repository name must be lowercase")]
    [InlineData("-a", "invalid reference format")]
    [InlineData("a//b", "invalid reference format")]
    [InlineData("a@sha256:abc", "invalid reference format")]
    [InlineData("a:\u212A", "repository name must be lowercase")] // U+212A KELVIN SIGN lowercases to ASCII 'k'
    [InlineData("\u212Aubuntu", "invalid reference format: repository name must be lowercase")]
    [InlineData("foo@sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "invalid checksum digest format")]
    [InlineData("foo@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "invalid checksum digest length")]
    [InlineData("foo@md5:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "unsupported digest algorithm")]
    public void Reasons_match_the_engine(string input, string reason)
    {
        ReasonFor(input).Should().Be(reason);
    }

    [Theory]
    [InlineData("ÜBUNTU", "invalid reference format: repository name must be lowercase")] // Go's ToLower changes it
    [InlineData("ubüntu", "invalid reference format")]
    [InlineData("İmage", "invalid reference format: repository name must be lowercase")]
    [InlineData("a:İ", "repository name must be lowercase")] // U+0130 lowercases to 'i' in Go
    [InlineData("a:Ü", "invalid reference format")]
    [InlineData("foo:t@SHA256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "invalid checksum digest format")]
    [InlineData("foo@SHA256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "invalid reference format: repository name must be lowercase")] // Docker checks up to the first ':'
    [InlineData("foo:t@SHA256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "invalid checksum digest format")]
    [InlineData("foo@sha384:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "unsupported digest algorithm")]
    [InlineData("foo@sha512:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "invalid checksum digest length")]
    [InlineData("a:b:c", "invalid reference format")]
    [InlineData("a@b@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "invalid reference format")]
    [InlineData("a:", "invalid reference format")]
    [InlineData("a@", "invalid reference format")]
    [InlineData("localhost:/a", "invalid reference format")]
    [InlineData("host:99999999999999999999/a", null)]
    public void Unicode_case_and_digest_edge_cases(string input, string? reason)
    {
        ReasonFor(input).Should().Be(reason);
    }

    [Fact]
    public void Name_length_counts_the_normalized_domain_and_stops_at_255()
    {
        // Engine 20.10.24 refuses 238 'a's: "docker.io/library/" (18) + 238 = 256.
        ImageReference.Parse(new string('a', 237)).Name.Length.Should().Be(255);
        ReasonFor(new string('a', 238)).Should().Be("repository name must not be more than 255 characters");
        ImageReference.Parse("example.com/" + new string('b', 243)).Name.Length.Should().Be(255);
        ReasonFor("example.com/" + new string('b', 244)).Should().Be("repository name must not be more than 255 characters");
        ImageReference.Parse(new string('a', 237) + ":" + new string('t', 128)).Tag!.Length.Should().Be(128);
    }

    [Fact]
    public void Tag_length_stops_at_128()
    {
        ImageReference.Parse("a:" + new string('t', 128)).Tag.Should().HaveLength(128);
        ReasonFor("a:" + new string('t', 129)).Should().Be("invalid reference format");

        ImageReference a = ImageReference.Parse("a");
        a.WithTag(new string('t', 128)).Tag.Should().HaveLength(128);
        Action tooLong = () => a.WithTag(new string('t', 129));
        tooLong.Should().Throw<InvalidReferenceException>().Which.Reason.Should().Be("invalid tag format");
    }

    [Theory]
    [InlineData("_", true)]
    [InlineData("A", true)]
    [InlineData("v1.0-rc_2", true)]
    [InlineData(".a", false)]
    [InlineData("-a", false)]
    [InlineData("a/b", false)]
    [InlineData("a+b", false)]
    [InlineData("é", false)]
    [InlineData("", false)]
    public void Tag_grammar(string tag, bool valid)
    {
        ReferenceGrammar.IsTag(tag).Should().Be(valid);
    }

    public static TheoryData<string, string> HostileInputs => new()
    {
        { new string('a', 1_000_000), "repository name must not be more than 255 characters" },
        { new string('A', 1_000_000), "invalid reference format: repository name must be lowercase" },
        { "a:" + new string('b', 1_000_000), "invalid reference format" },
        { "a@sha256:" + new string('f', 1_000_000), "invalid checksum digest length" },
        { string.Concat(Enumerable.Repeat("a-", 500_000)), "invalid reference format" },
        { string.Concat(Enumerable.Repeat("a/", 500_000)) + "a", "repository name must not be more than 255 characters" },
        { string.Concat(Enumerable.Repeat("a.", 500_000)) + "a/b", "repository name must not be more than 255 characters" },
        { new string('/', 1_000_000), "invalid reference format" },
        { new string(':', 1_000_000), "invalid reference format" },
        { new string('@', 1_000_000), "invalid reference format" },
        { "ubuntu\n", "invalid reference format" },
        { "ubuntu\0:latest", "invalid reference format" },
        { "ub\u0007untu", "invalid reference format" },
        { " ubuntu", "invalid reference format" },
        { "ubuntu:lat est", "invalid reference format" },
        { "ubuntu:lat\u00e9st", "invalid reference format" },
        { "\ud800", "invalid reference format" },
        { "🐳/app", "invalid reference format" },
        { "../../etc/passwd", "invalid reference format" },
    };

    [Theory]
    [MemberData(nameof(HostileInputs))]
    public void Hostile_input_gives_only_a_typed_error(string input, string reason)
    {
        Action parse = () => ImageReference.Parse(input);
        InvalidReferenceException e = parse.Should().Throw<InvalidReferenceException>().Which;
        e.Reason.Should().Be(reason);
        e.Message.Length.Should().BeLessThan(400);
    }

    [Fact]
    public void Null_is_a_caller_error_for_Parse_and_a_plain_failure_for_TryParse()
    {
        Action parse = () => ImageReference.Parse(null!);
        parse.Should().Throw<ArgumentNullException>();
        ImageReference.TryParse(null, out ImageReference? r, out string? reason).Should().BeFalse();
        r.Should().BeNull();
        reason.Should().Be("invalid reference format");
    }

    [Fact]
    public void Full_form_round_trips_through_ParseFull()
    {
        foreach (string input in new[] { "ubuntu:14.04", "user/app@sha256:" + Hex64, "localhost:5000/x:y@sha256:" + Hex64, "my_reg.local/app" })
        {
            ImageReference reference = ImageReference.Parse(input);
            ImageReference.ParseFull(reference.ToString()).Should().Be(reference);
            ImageReference.Parse(reference.FamiliarString()).Should().Be(reference);
        }
    }

    private static string? ReasonFor(string input)
    {
        return ImageReference.TryParse(input, out _, out string? reason) ? null : reason;
    }
}
