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
