using System.Text.Json;
using FluentAssertions;
using ImageFormat.Digests;
using Xunit;

namespace ImageFormat.Tests.TestSupport;

/// <summary>Checks that the real peers answer, so that later interop tests fail for their own reasons.</summary>
public class InteropSmokeTests
{
    [Fact]
    public void Docker_engine_answers_and_has_the_busybox_base_image()
    {
        DockerCli docker = Peers.RequireDocker();
        docker.ServerVersion.Should().StartWith("20.10");
        ProcessResult inspect = docker.RunChecked("image", "inspect", "--format", "{{.Id}} {{len .RootFS.Layers}}", "busybox:base");
        inspect.StdOut.Should().MatchRegex("^sha256:[0-9a-f]{64} 1\n$");
    }

    [Fact]
    public void Skopeo_inspects_the_sample_archive()
    {
        string skopeo = Peers.RequireSkopeo();
        string reference = $"docker-archive:{RepoPaths.Sample("hello.tar")}:hello:latest";
        (string imageId, string[] diffIds) = DockerInspectOf("hello:latest");

        ProcessResult inspect = ProcessRunner.Run(skopeo, ["inspect", reference]).EnsureSuccess("skopeo inspect");
        using JsonDocument doc = JsonDocument.Parse(inspect.StdOut);
        // For a docker-archive source skopeo lists the layers as stored, which in a legacy save are the
        // uncompressed tars: their digests are Docker's diffIDs.
        doc.RootElement.GetProperty("Layers").EnumerateArray().Select(e => e.GetString()).Should().Equal(diffIds);

        using var temp = new TempDirectory();
        string config = temp.Combine("config.json");
        ProcessRunner.RunToFile(skopeo, ["inspect", "--raw", "--config", reference], config).EnsureSuccess("skopeo inspect --raw --config");
        Digest.Compute(File.ReadAllBytes(config)).ToString().Should().Be(imageId);
        imageId.Should().Be("sha256:b09c12e7651a467ce036522e14a9a09c116b86b8fa99d152d66e4c9e7f75bda7");
    }

    private static (string Id, string[] DiffIds) DockerInspectOf(string tag)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(RepoPaths.Sample("hello.docker-inspect.json")));
        JsonElement image = doc.RootElement.EnumerateArray()
            .Single(i => i.GetProperty("RepoTags").EnumerateArray().Any(t => t.GetString() == tag));
        return (
            image.GetProperty("Id").GetString()!,
            [.. image.GetProperty("RootFS").GetProperty("Layers").EnumerateArray().Select(e => e.GetString()!)]);
    }
}
