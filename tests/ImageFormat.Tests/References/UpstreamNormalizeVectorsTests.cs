using FluentAssertions;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.References;
using Xunit;

namespace ImageFormat.Tests.References;

/// <summary>
/// Vectors from distribution/reference's normalize_test.go at commit 18f650b1bd1776d2c95ee0497e242ac2ece1e257,
/// the ParseNormalizedNamed that Docker Engine 20.10 vendors.
/// </summary>
public class UpstreamNormalizeVectorsTests
{
    [Theory]
    // TestValidateReferenceName, valid
    [InlineData("docker/docker")]
    [InlineData("library/debian")]
    [InlineData("debian")]
    [InlineData("docker.io/docker/docker")]
    [InlineData("docker.io/library/debian")]
    [InlineData("docker.io/debian")]
    [InlineData("index.docker.io/docker/docker")]
    [InlineData("index.docker.io/library/debian")]
    [InlineData("index.docker.io/debian")]
    [InlineData("127.0.0.1:5000/docker/docker")]
    [InlineData("127.0.0.1:5000/library/debian")]
    [InlineData("127.0.0.1:5000/debian")]
    [InlineData("thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev")]
    [InlineData("docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a")]
    // TestValidateRemoteName, valid
    [InlineData("docker-rules/docker")]
    [InlineData("docker---rules/docker")]
    [InlineData("doc/docker")]
    [InlineData("d/docker")]
    [InlineData("jess/t")]
    [InlineData("dock__er/docker")]
    public void Parse_accepts_upstreams_valid_names(string input)
    {
        ImageReference.TryParse(input, out ImageReference? reference, out string? reason).Should().BeTrue(reason);
        reference.Should().NotBeNull();
    }

    [Theory]
    // TestValidateReferenceName and TestValidateRemoteName, invalid; the reasons are what Engine 20.10.24 answers.
    [InlineData("https://github.com/docker/docker", "invalid reference format")]
    [InlineData("docker/Docker", "invalid reference format: repository name must be lowercase")]
    [InlineData("-docker", "invalid reference format")]
    [InlineData("-docker/docker", "invalid reference format")]
    [InlineData("-docker.io/docker/docker", "invalid reference format")]
    [InlineData("docker///docker", "invalid reference format")]
    [InlineData("docker.io/docker/Docker", "invalid reference format: repository name must be lowercase")]
    [InlineData("docker.io/docker///docker", "invalid reference format")]
    [InlineData("1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", "invalid repository name (1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a), cannot specify 64-byte hexadecimal strings")]
    [InlineData("docker-/docker", "invalid reference format")]
    [InlineData("-docker-/docker", "invalid reference format")]
    [InlineData("____/____", "invalid reference format")]
    [InlineData("_docker/_docker", "invalid reference format")]
    [InlineData("dock..er/docker", "invalid reference format")]
    [InlineData("dock_.er/docker", "invalid reference format")]
    [InlineData("dock-.er/docker", "invalid reference format")]
    [InlineData("docker/", "invalid reference format")]
    [InlineData("this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255/docker", "repository name must not be more than 255 characters")]
    public void Parse_refuses_upstreams_invalid_names(string input, string expectedReason)
    {
        ImageReference.TryParse(input, out _, out string? reason).Should().BeFalse();
        reason.Should().Be(expectedReason);
        Action parse = () => ImageReference.Parse(input);
        parse.Should().Throw<InvalidReferenceException>().Which.Reason.Should().Be(expectedReason);
    }

    public static TheoryData<string, string, string, string, string?> RepositoryInfoCases => new()
    {
        // TestParseRepositoryInfo: remote name (path), familiar name, full name, ambiguous name, domain
        { "fooo/bar", "fooo/bar", "docker.io/fooo/bar", "docker.io", "index.docker.io/fooo/bar" },
        { "library/ubuntu", "ubuntu", "docker.io/library/ubuntu", "docker.io", "library/ubuntu" },
        { "nonlibrary/ubuntu", "nonlibrary/ubuntu", "docker.io/nonlibrary/ubuntu", "docker.io", null },
        { "other/library", "other/library", "docker.io/other/library", "docker.io", null },
        { "private/moonbase", "127.0.0.1:8000/private/moonbase", "127.0.0.1:8000/private/moonbase", "127.0.0.1:8000", null },
        { "privatebase", "127.0.0.1:8000/privatebase", "127.0.0.1:8000/privatebase", "127.0.0.1:8000", null },
        { "private/moonbase", "example.com/private/moonbase", "example.com/private/moonbase", "example.com", null },
        { "privatebase", "example.com/privatebase", "example.com/privatebase", "example.com", null },
        { "private/moonbase", "example.com:8000/private/moonbase", "example.com:8000/private/moonbase", "example.com:8000", null },
        { "privatebasee", "example.com:8000/privatebasee", "example.com:8000/privatebasee", "example.com:8000", null },
        { "library/ubuntu-12.04-base", "ubuntu-12.04-base", "docker.io/library/ubuntu-12.04-base", "docker.io", "index.docker.io/library/ubuntu-12.04-base" },
        { "library/foo", "foo", "docker.io/library/foo", "docker.io", "docker.io/foo" },
        { "library/foo/bar", "library/foo/bar", "docker.io/library/foo/bar", "docker.io", null },
        { "store/foo/bar", "store/foo/bar", "docker.io/store/foo/bar", "docker.io", null },
    };

    [Theory]
    [MemberData(nameof(RepositoryInfoCases))]
    public void Familiar_full_and_ambiguous_forms_normalize_to_the_same_reference(string path, string familiarName, string fullName, string domain, string? ambiguousName)
    {
        List<string> forms = [familiarName, fullName];
        if (ambiguousName is not null)
        {
            forms.Add(ambiguousName);
        }

        foreach (string form in forms)
        {
            ImageReference reference = ImageReference.Parse(form);
            reference.FamiliarName.Should().Be(familiarName, form);
            reference.ToString().Should().Be(fullName, form);
            reference.Name.Should().Be(fullName, form);
            reference.Domain.Should().Be(domain, form);
            reference.Path.Should().Be(path, form);
        }
    }

    [Fact]
    public void Reference_with_tag_and_digest_keeps_both_in_full_and_familiar_forms()
    {
        // TestParseReferenceWithTagAndDigest
        const string Familiar = "busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa";
        ImageReference reference = ImageReference.Parse(Familiar);
        reference.ToString().Should().Be("docker.io/library/" + Familiar);
        reference.Tag.Should().Be("latest");
        reference.Digest.Should().Be(Digest.Parse("sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa"));
        reference.FamiliarString().Should().Be(Familiar);
    }

    [Fact]
    public void Invalid_components_are_refused()
    {
        // TestInvalidReferenceComponents
        ImageReference.TryParse("-foo", out _).Should().BeFalse();
        ImageReference busybox = ImageReference.Parse("busybox");
        Action withTag = () => busybox.WithTag("-foo");
        withTag.Should().Throw<InvalidReferenceException>().Which.Reason.Should().Be("invalid tag format");
    }

    [Theory]
    // TestNormalizedSplitHostname
    [InlineData("test.com/foo", "test.com", "foo")]
    [InlineData("test_com/foo", "docker.io", "test_com/foo")]
    [InlineData("docker/migrator", "docker.io", "docker/migrator")]
    [InlineData("test.com:8080/foo", "test.com:8080", "foo")]
    [InlineData("test-com:8080/foo", "test-com:8080", "foo")]
    [InlineData("foo", "docker.io", "library/foo")]
    [InlineData("xn--n3h.com/foo", "xn--n3h.com", "foo")]
    [InlineData("xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo")]
    [InlineData("docker.io/foo", "docker.io", "library/foo")]
    [InlineData("docker.io/library/foo", "docker.io", "library/foo")]
    [InlineData("docker.io/library/foo/bar", "docker.io", "library/foo/bar")]
    public void Normalized_names_split_into_domain_and_path_like_upstream(string input, string domain, string path)
    {
        ImageReference reference = ImageReference.Parse(input);
        reference.Domain.Should().Be(domain);
        reference.Path.Should().Be(path);
    }

    [Theory]
    // TestParseAnyReference, the cases without a digest set
    [InlineData("redis", "docker.io/library/redis")]
    [InlineData("redis:latest", "docker.io/library/redis:latest")]
    [InlineData("docker.io/library/redis:latest", "docker.io/library/redis:latest")]
    [InlineData("redis@sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c", "docker.io/library/redis@sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c")]
    [InlineData("docker.io/library/redis@sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c", "docker.io/library/redis@sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c")]
    [InlineData("dmcgowan/myapp", "docker.io/dmcgowan/myapp")]
    [InlineData("dmcgowan/myapp:latest", "docker.io/dmcgowan/myapp:latest")]
    [InlineData("docker.io/mcgowan/myapp:latest", "docker.io/mcgowan/myapp:latest")]
    [InlineData("dmcgowan/myapp@sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c", "docker.io/dmcgowan/myapp@sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c")]
    [InlineData("docker.io/dmcgowan/myapp@sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c", "docker.io/dmcgowan/myapp@sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c")]
    [InlineData("dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9", "docker.io/library/dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9")]
    public void Any_reference_that_is_not_an_id_is_a_normalized_reference(string input, string full)
    {
        ImageSpecifier specifier = ImageSpecifier.Parse(input);
        specifier.IsImageId.Should().BeFalse();
        specifier.Reference!.ToString().Should().Be(full);
        specifier.Reference.Should().Be(ImageReference.ParseFull(full));
    }

    [Theory]
    // TestParseAnyReference, the identifier and digest cases
    [InlineData("dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c")]
    [InlineData("sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c")]
    public void Any_reference_that_is_an_id_is_an_image_id(string input)
    {
        ImageSpecifier specifier = ImageSpecifier.Parse(input);
        specifier.IsImageId.Should().BeTrue();
        specifier.Reference.Should().BeNull();
        specifier.ImageId.Should().Be(Digest.Parse("sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c"));
    }

    [Theory]
    // TestParseAnyReference, the digest-set cases, looked up the way Docker 20.10's image store does
    // (no minimum length, unlike ParseAnyReferenceWithSet's six characters).
    [InlineData("dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9")]
    [InlineData("dbcc1c")]
    [InlineData("dbcc1")]
    public void Upstream_short_ids_resolve_in_a_digest_set(string input)
    {
        var index = new ShortIdIndex(
        [
            Digest.Parse("sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c"),
            Digest.Parse("sha256:abcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c"),
        ]);
        index.TryLookup(input, out Digest found).Should().Be(ShortIdMatch.Found);
        found.Value.Should().Be("sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c");
    }

    [Fact]
    public void Upstream_short_id_absent_from_the_set_is_not_found()
    {
        var index = new ShortIdIndex([Digest.Parse("sha256:abcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c")]);
        index.TryLookup("dbcc1c", out _).Should().Be(ShortIdMatch.NotFound);
    }

    [Theory]
    // TestParseDockerRef, the cases without a digest: the default tag is added
    [InlineData("busybox", "docker.io/library/busybox:latest")]
    [InlineData("busybox:latest", "docker.io/library/busybox:latest")]
    [InlineData("library/busybox", "docker.io/library/busybox:latest")]
    [InlineData("docker.io/busybox", "docker.io/library/busybox:latest")]
    [InlineData("docker.io/library/busybox", "docker.io/library/busybox:latest")]
    [InlineData("docker.io/busybox:latest", "docker.io/library/busybox:latest")]
    [InlineData("library/busybox:latest", "docker.io/library/busybox:latest")]
    [InlineData("docker.io/library/busybox:latest", "docker.io/library/busybox:latest")]
    [InlineData("gcr.io/library/busybox", "gcr.io/library/busybox:latest")]
    [InlineData("busybox@sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582", "docker.io/library/busybox@sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582")]
    public void Default_tag_is_added_only_to_name_only_references(string input, string expected)
    {
        ImageReference.Parse(input).WithDefaultTag().ToString().Should().Be(expected);
    }
}
