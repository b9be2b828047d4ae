using FluentAssertions;
using ImageFormat.Errors;
using ImageFormat.References;
using Xunit;

namespace ImageFormat.Tests.References;

/// <summary>
/// Vectors from distribution/reference as Docker Engine 20.10 vendors it: reference_test.go and regexp_test.go at
/// commit 18f650b1bd1776d2c95ee0497e242ac2ece1e257 (github.com/distribution/reference history; the state before
/// the 2021 domain-split change, which 20.10.24 does not carry). Inputs and expected results are upstream's;
/// the expected error texts are the texts of the upstream error values.
/// </summary>
public class UpstreamReferenceVectorsTests
{
    private const string Ffff64 = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
    private const string Ffff128 = Ffff64 + Ffff64;

    public static TheoryData<string, string, string, string?, string?> ParseCases => new()
    {
        // input, name, domain, tag, digest (from TestReferenceParse)
        { "test_com", "test_com", "", null, null },
        { "test.com:tag", "test.com", "", "tag", null },
        { "test.com:5000", "test.com", "", "5000", null },
        { "test.com/repo:tag", "test.com/repo", "test.com", "tag", null },
        { "test:5000/repo", "test:5000/repo", "test:5000", null, null },
        { "test:5000/repo:tag", "test:5000/repo", "test:5000", "tag", null },
        { "test:5000/repo@sha256:" + Ffff64, "test:5000/repo", "test:5000", null, "sha256:" + Ffff64 },
        { "test:5000/repo:tag@sha256:" + Ffff64, "test:5000/repo", "test:5000", "tag", "sha256:" + Ffff64 },
        { "lowercase:Uppercase", "lowercase", "", "Uppercase", null },
        { string.Concat(Enumerable.Repeat("a/", 127)) + "a:tag-puts-this-over-max", string.Concat(Enumerable.Repeat("a/", 127)) + "a", "a", "tag-puts-this-over-max", null },
        { "sub-dom1.foo.com/bar/baz/quux", "sub-dom1.foo.com/bar/baz/quux", "sub-dom1.foo.com", null, null },
        { "sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com/bar/baz/quux", "sub-dom1.foo.com", "some-long-tag", null },
        { "b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io/test.example.com/my-app", "b.gcr.io", "test.example.com", null },
        { "xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com/myimage", "xn--n3h.com", "xn--n3h.com", null },
        { "xn--7o8h.com/myimage:xn--7o8h.com@sha512:" + Ffff128, "xn--7o8h.com/myimage", "xn--7o8h.com", "xn--7o8h.com", "sha512:" + Ffff128 },
        { "foo_bar.com:8080", "foo_bar.com", "", "8080", null },
        { "foo/foo_bar.com:8080", "foo/foo_bar.com", "foo", "8080", null },
    };

    [Theory]
    [MemberData(nameof(ParseCases))]
    public void Exact_parse_splits_name_domain_tag_and_digest_like_upstream(string input, string name, string domain, string? tag, string? digest)
    {
        ImageReference.TryParseExact(input, out ImageReference? reference, out string? reason).Should().BeTrue(reason);
        reference!.ToString().Should().Be(input);
        reference.Name.Should().Be(name);
        reference.Domain.Should().Be(domain);
        reference.Tag.Should().Be(tag);
        reference.Digest?.Value.Should().Be(digest);
        (reference.Digest is null).Should().Be(digest is null);
    }

    public static TheoryData<string, string> ParseErrorCases => new()
    {
        // from TestReferenceParse
        { "", "repository name must have at least one component" },
        { ":justtag", "invalid reference format" },
        { "@sha256:" + Ffff64, "invalid reference format" },
        { "repo@sha256:ffffffffffffffffffffffffffffffffff", "invalid checksum digest length" },
        { "validname@invaliddigest:" + Ffff64, "unsupported digest algorithm" },
        { "Uppercase:tag", "repository name must be lowercase" },
        { "test:5000/Uppercase/lowercase:tag", "repository name must be lowercase" },
        { string.Concat(Enumerable.Repeat("a/", 128)) + "a:tag", "repository name must not be more than 255 characters" },
        { "aa/asdf$$^/aa", "invalid reference format" },
    };

    [Theory]
    [MemberData(nameof(ParseErrorCases))]
    public void Exact_parse_refuses_with_upstreams_error(string input, string expectedReason)
    {
        ImageReference.TryParseExact(input, out ImageReference? reference, out string? reason).Should().BeFalse();
        reference.Should().BeNull();
        reason.Should().Be(expectedReason);
    }

    [Fact]
    public void Upstream_fixme_uppercase_first_component_is_taken_as_a_domain_by_exact_parse()
    {
        // reference_test.go notes "Uppercase/lowercase:tag" passes because "Uppercase" is a valid domain.
        ImageReference.TryParseExact("Uppercase/lowercase:tag", out ImageReference? reference, out _).Should().BeTrue();
        reference!.Domain.Should().Be("Uppercase");
        reference.Path.Should().Be("lowercase");
    }

    [Theory]
    // from TestSplitHostname (WithName)
    [InlineData("test.com/foo", "test.com", "foo")]
    [InlineData("test_com/foo", "", "test_com/foo")]
    [InlineData("test:8080/foo", "test:8080", "foo")]
    [InlineData("test.com:8080/foo", "test.com:8080", "foo")]
    [InlineData("test-com:8080/foo", "test-com:8080", "foo")]
    [InlineData("xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo")]
    public void Name_splits_into_domain_and_path_like_upstream(string input, string domain, string path)
    {
        ImageReference.TryParseExact(input, out ImageReference? reference, out _).Should().BeTrue();
        reference!.Domain.Should().Be(domain);
        reference.Path.Should().Be(path);
    }

    [Theory]
    // from TestParseNamed
    [InlineData("test.com/foo", "test.com", "foo")]
    [InlineData("test:8080/foo", "test:8080", "foo")]
    [InlineData("docker.io/library/foo", "docker.io", "library/foo")]
    public void ParseFull_accepts_canonical_names(string input, string domain, string path)
    {
        ImageReference reference = ImageReference.ParseFull(input);
        reference.Domain.Should().Be(domain);
        reference.Path.Should().Be(path);
    }

    [Theory]
    // from TestParseNamed: each is valid but not in full form
    [InlineData("test_com/foo")]
    [InlineData("test.com")]
    [InlineData("foo")]
    [InlineData("library/foo")]
    [InlineData("docker.io/foo")]
    public void ParseFull_refuses_names_that_are_not_canonical(string input)
    {
        Action parse = () => ImageReference.ParseFull(input);
        parse.Should().Throw<InvalidReferenceException>()
            .Which.Reason.Should().Be("repository name must be canonical");
    }

    [Theory]
    // from TestFullNameRegexp (regexp_test.go): whether the anchored name pattern matches
    [InlineData("", false)]
    [InlineData("short", true)]
    [InlineData("simple/name", true)]
    [InlineData("library/ubuntu", true)]
    [InlineData("docker/stevvooe/app", true)]
    [InlineData("aa/aa/aa/aa/aa/aa/aa/aa/aa/bb/bb/bb/bb/bb/bb", true)]
    [InlineData("aa/aa/bb/bb/bb", true)]
    [InlineData("a/a/a/a", true)]
    [InlineData("a/a/a/a/", false)]
    [InlineData("a//a/a", false)]
    [InlineData("a", true)]
    [InlineData("a/aa", true)]
    [InlineData("a/aa/a", true)]
    [InlineData("foo.com", true)]
    [InlineData("foo.com/", false)]
    [InlineData("foo.com:8080/bar", true)]
    [InlineData("foo.com:http/bar", false)]
    [InlineData("foo.com/bar", true)]
    [InlineData("foo.com/bar/baz", true)]
    [InlineData("localhost:8080/bar", true)]
    [InlineData("sub-dom1.foo.com/bar/baz/quux", true)]
    [InlineData("blog.foo.com/bar/baz", true)]
    [InlineData("a^a", false)]
    [InlineData("aa/asdf$$^/aa", false)]
    [InlineData("asdf$$^/aa", false)]
    [InlineData("aa-a/a", true)]
    [InlineData("a-/a/a/a", false)]
    [InlineData("foo.com/a-/a/a", false)]
    [InlineData("-foo/bar", false)]
    [InlineData("foo/bar-", false)]
    [InlineData("foo-/bar", false)]
    [InlineData("foo/-bar", false)]
    [InlineData("_foo/bar", false)]
    [InlineData("foo_bar", true)]
    [InlineData("foo_bar.com", true)]
    [InlineData("foo_bar.com:8080", false)]
    [InlineData("foo_bar.com:8080/app", false)]
    [InlineData("foo.com/foo_bar", true)]
    [InlineData("____/____", false)]
    [InlineData("_docker/_docker", false)]
    [InlineData("docker_/docker_", false)]
    [InlineData("b.gcr.io/test.example.com/my-app", true)]
    [InlineData("xn--n3h.com/myimage", true)]
    [InlineData("xn--7o8h.com/myimage", true)]
    [InlineData("example.com/xn--7o8h.com/myimage", true)]
    [InlineData("example.com/some_separator__underscore/myimage", true)]
    [InlineData("example.com/__underscore/myimage", false)]
    [InlineData("example.com/..dots/myimage", false)]
    [InlineData("example.com/.dots/myimage", false)]
    [InlineData("example.com/nodouble..dots/myimage", false)]
    [InlineData("docker./docker", false)]
    [InlineData(".docker/docker", false)]
    [InlineData("docker-/docker", false)]
    [InlineData("-docker/docker", false)]
    [InlineData("do..cker/docker", false)]
    [InlineData("do__cker:8080/docker", false)]
    [InlineData("do__cker/docker", true)]
    [InlineData("registry.io/foo/project--id.module--name.ver---sion--name", true)]
    [InlineData("Asdf.com/foo/bar", true)]
    [InlineData("Foo/FarB", false)]
    public void Name_grammar_matches_like_upstreams_full_name_pattern(string input, bool match)
    {
        ReferenceGrammar.TrySplitName(input, out _).Should().Be(match);
    }

    [Fact]
    public void Name_grammar_accepts_128_components_upstreams_long_vector()
    {
        ReferenceGrammar.TrySplitName(string.Concat(Enumerable.Repeat("a/", 128)) + "a", out _).Should().BeTrue();
    }
}
