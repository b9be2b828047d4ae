using FluentAssertions;
using ImageFormat.Errors;
using ImageFormat.Transports;
using Xunit;

namespace ImageFormat.Tests.Transports;

public class ImageLocationTests
{
    [Theory]
    [InlineData("docker://localhost:5000/app:v1", ImageTransport.Docker, null, "localhost:5000/app:v1")]
    [InlineData("docker-archive:out/app.tar", ImageTransport.DockerArchive, "out/app.tar", null)]
    [InlineData("docker-archive:app.tar:app:v2", ImageTransport.DockerArchive, "app.tar", "app:v2")]
    [InlineData("oci-archive:app.tar:v1", ImageTransport.OciArchive, "app.tar", "v1")]
    [InlineData("oci:layout", ImageTransport.Oci, "layout", null)]
    [InlineData("oci:layout:app:v1", ImageTransport.Oci, "layout", "app:v1")]
    [InlineData("store:app:v1", ImageTransport.Store, null, "app:v1")]
    public void Parse_splits_skopeos_transport_syntax(string text, ImageTransport transport, string? path, string? reference)
    {
        ImageLocation location = ImageLocation.Parse(text);

        location.Transport.Should().Be(transport);
        location.Path.Should().Be(path);
        location.Reference.Should().Be(reference);
        location.ToString().Should().Be(text);
    }

    /// <summary>The names skopeo 1.9.3 accepts after <c>oci:DIR:</c>, each the ref name verbatim (checked side by side with it).</summary>
    [Theory]
    [InlineData("oci:l:v1.0", "v1.0")]
    [InlineData("oci:l:a/b:c@d", "a/b:c@d")]
    [InlineData("oci:l:x--y", "x--y")]
    [InlineData("oci:l:A.B", "A.B")]
    [InlineData("oci:l:x+y", "x+y")]
    [InlineData("oci:l:1", "1")]
    [InlineData("oci-archive:f.tar:Foo_Bar-1.0", "Foo_Bar-1.0")]
    [InlineData("oci:l:127.0.0.1:5000/team/app:v1", "127.0.0.1:5000/team/app:v1")]
    public void An_oci_name_is_any_ref_name_of_the_oci_grammar_kept_verbatim(string text, string reference)
    {
        ImageLocation.Parse(text).Reference.Should().Be(reference);
    }

    /// <summary>The names skopeo 1.9.3 refuses ("Invalid image NAME"), checked side by side with it.</summary>
    [Theory]
    [InlineData("oci", "a b")]
    [InlineData("oci", "-x")]
    [InlineData("oci", "x__y")]
    [InlineData("oci", "x/")]
    [InlineData("oci", "\u00e4")]
    [InlineData("oci", "x..y")]
    [InlineData("oci", "x-.y")]
    [InlineData("oci", "a//b")]
    [InlineData("oci", "x---y")]
    [InlineData("oci", "x.")]
    [InlineData("oci-archive", "a:/b")]
    public void An_oci_name_outside_the_ref_name_grammar_is_a_coded_error(string transport, string escapedName)
    {
        string name = System.Text.RegularExpressions.Regex.Unescape(escapedName);
        string text = $"{transport}:l:{name}";

        Action parse = () => ImageLocation.Parse(text);

        parse.Should().Throw<ImageLocationException>().Which.Should().Match<ImageLocationException>(e =>
            e.Code == ErrorCodes.InvalidImageLocation
            && e.Message == $"\"{text}\": {transport}: \"{name}\" is not an OCI ref name (letters and digits, joined by one of - . _ : @ + or by --, in components separated by /)");
    }

    [Fact]
    public void A_registry_location_is_normalized_as_docker_does()
    {
        ImageLocation location = ImageLocation.Parse("docker://busybox@sha256:" + new string('a', 64));

        location.RegistryReference!.ToString().Should().Be("docker.io/library/busybox@sha256:" + new string('a', 64));
    }

    [Theory]
    [InlineData("dir:/tmp/x", "\"dir:/tmp/x\": unknown transport \"dir\"; expected docker://, docker-archive:, oci-archive:, oci: or store:")]
    [InlineData("app:v1", "\"app:v1\": unknown transport \"app\"; expected docker://, docker-archive:, oci-archive:, oci: or store:")]
    [InlineData("oci:", "\"oci:\": oci: needs a path (oci:PATH[:REF])")]
    [InlineData("oci:layout:", "\"oci:layout:\": oci: the reference after the path is empty")]
    [InlineData("store:", "\"store:\": store: needs an image name or ID (store:REF)")]
    [InlineData("docker://Upper/app", "\"docker://Upper/app\": not a registry reference: invalid reference format: repository name must be lowercase")]
    [InlineData("docker-archive:a.tar:app@sha256:0000000000000000000000000000000000000000000000000000000000000000", "\"docker-archive:a.tar:app@sha256:0000000000000000000000000000000000000000000000000000000000000000\": docker-archive: the reference must be a tag (NAME[:TAG]): a digest reference")]
    public void A_bad_location_is_a_coded_error_saying_why(string text, string message)
    {
        Action parse = () => ImageLocation.Parse(text);

        parse.Should().Throw<ImageLocationException>()
            .Which.Should().Match<ImageLocationException>(e => e.Code == ErrorCodes.InvalidImageLocation && e.Message == message && e.Location == text);
    }
}
