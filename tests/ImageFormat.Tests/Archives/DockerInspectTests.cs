using System.Text.Json.Nodes;
using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Archives;

public class DockerInspectTests
{
    [Theory]
    [InlineData("hello:latest", 1)]
    [InlineData("hello:base", 0)]
    public void Inspect_of_an_archived_image_equals_what_docker_printed_for_it_apart_from_daemon_state(string tag, int index)
    {
        using ImageArchive archive = ImageArchive.OpenFile(RepoPaths.Sample("hello.tar"));
        JsonNode ours = JsonNode.Parse(ArchiveInspect.Format([archive.FindImage(tag)]))![0]!;
        JsonNode docker = JsonNode.Parse(File.ReadAllText(RepoPaths.Sample("hello.docker-inspect.json")))![index]!;

        // What a daemon adds after loading (its graph driver, the time it tagged the image) is not in an archive.
        foreach (string daemonOnly in new[] { "GraphDriver", "Metadata" })
        {
            ((JsonObject)ours).Remove(daemonOnly);
            ((JsonObject)docker).Remove(daemonOnly);
        }

        JsonNode.DeepEquals(ours, docker).Should().BeTrue($"ours:\n{ours}\ndocker:\n{docker}");
    }

    [Fact]
    public void Inspect_output_is_an_array_with_four_space_indentation_like_docker()
    {
        using ImageArchive archive = ImageArchive.OpenFile(RepoPaths.Sample("hello.tar"));

        string text = ArchiveInspect.Format([archive.FindImage("hello:base")]);

        text.Should().StartWith("[\n    {\n        \"Id\": \"sha256:5571c1f386721bf1313f133ab61c9f448f40cd1a012742b7839133a5660efdc3\",\n        \"RepoTags\": [\n            \"hello:base\"\n        ],");
    }
}
