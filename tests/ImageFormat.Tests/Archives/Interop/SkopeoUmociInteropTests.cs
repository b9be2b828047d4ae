using System.Text.Json;
using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Archives.Interop;

/// <summary>Archives and layouts written by skopeo and umoci, read by us and checked against skopeo's own inspection.</summary>
public class SkopeoUmociInteropTests
{
    private static JsonElement SkopeoInspect(string skopeo, string reference, string mode = "")
    {
        string[] args = mode.Length == 0 ? ["inspect", reference] : ["inspect", mode, reference];
        ProcessResult result = ProcessRunner.Run(skopeo, args).EnsureSuccess($"skopeo {string.Join(' ', args)}");
        using JsonDocument doc = JsonDocument.Parse(result.StdOut);
        return doc.RootElement.Clone();
    }

    /// <summary>
    /// skopeo copies from the engine (skopeo 1.9 cannot copy out of a docker-archive whose layers are symlinks:
    /// "archive/tar: write too long"), converting the config for OCI targets, so the expected values are what
    /// skopeo itself reports for what it wrote.
    /// </summary>
    [Theory]
    [InlineData("docker-archive")]
    [InlineData("oci-archive")]
    [InlineData("oci")]
    public void Skopeo_written_archive_reads_with_the_config_diffids_and_layer_digests_skopeo_reports(string transport)
    {
        DockerSavedImages images = DockerSavedImages.Get();
        string skopeo = Peers.RequireSkopeo();
        using var temp = new TempDirectory();
        string target = transport == "oci" ? temp.Combine("layout") : temp.Combine($"{transport}.tar");
        string destination = transport == "oci" ? $"oci:{target}:second" : $"{transport}:{target}:{images.Second}";
        ProcessRunner.Run(skopeo, ["copy", "--src-daemon-host", images.Docker.DockerHost, $"docker-daemon:{images.Second}", destination])
            .EnsureSuccess("skopeo copy");

        using ImageArchive archive = ImageArchive.OpenFile(target);

        ArchiveImage image = archive.FindImage(null);
        JsonElement raw = SkopeoInspect(skopeo, destination, "--raw");
        JsonElement config = SkopeoInspect(skopeo, destination, "--config");
        JsonElement inspected = SkopeoInspect(skopeo, destination);
        image.Id.Value.Should().Be(raw.GetProperty("config").GetProperty("digest").GetString());
        image.Layers.Select(l => l.DiffId.Value).Should().Equal(config.GetProperty("rootfs").GetProperty("diff_ids").EnumerateArray().Select(e => e.GetString()));
        image.Layers.Select(l => l.DeclaredDigest?.Value ?? StoredDigest(l))
            .Should().Equal(inspected.GetProperty("Layers").EnumerateArray().Select(e => e.GetString()));
        if (transport == "docker-archive")
        {
            image.Id.Value.Should().Be(images.Inspect(images.Second).Id, "a docker-archive keeps Docker's config bytes");
        }
        else
        {
            image.ManifestDigest!.Value.Value.Should().Be(inspected.GetProperty("Digest").GetString());
        }

        ArchiveVerifier.Verify(archive, TestContext.Current.CancellationToken).Problems.Should().BeEmpty();
    }

    private static string StoredDigest(ArchiveLayer layer)
    {
        using Stream stored = layer.OpenStored();
        return ImageFormat.Digests.Digest.Compute(stored).Value;
    }

    [Fact]
    public void Umoci_repacked_layout_with_a_gzip_layer_reads_and_verifies()
    {
        string umoci = Peers.RequireUmoci();
        string skopeo = Peers.RequireSkopeo();
        using var temp = new TempDirectory();
        string layout = temp.Combine("layout");
        string bundle = temp.Combine("bundle");
        ProcessRunner.Run(umoci, ["init", "--layout", layout]).EnsureSuccess("umoci init");
        ProcessRunner.Run(umoci, ["new", "--image", $"{layout}:t"]).EnsureSuccess("umoci new");
        ProcessRunner.Run(umoci, ["unpack", "--image", $"{layout}:t", bundle]).EnsureSuccess("umoci unpack");
        File.WriteAllText(Path.Combine(bundle, "rootfs", "hello.txt"), "written through umoci\n");
        ProcessRunner.Run(umoci, ["repack", "--image", $"{layout}:t", bundle]).EnsureSuccess("umoci repack");

        using ImageArchive archive = ImageArchive.OpenLayout(layout);

        ArchiveImage image = archive.FindImage("t");
        image.RefNames.Should().Equal("t");
        image.Layers.Should().ContainSingle().Which.Compression.Should().Be(ImageFormat.Compression.CompressionFormat.Gzip);
        JsonElement manifest = SkopeoInspect(skopeo, $"oci:{layout}:t", "--raw");
        image.Id.Value.Should().Be(manifest.GetProperty("config").GetProperty("digest").GetString());
        ArchiveVerifier.Verify(archive, TestContext.Current.CancellationToken).Problems.Should().BeEmpty();
    }
}
