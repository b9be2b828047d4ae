using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Archives.Writers;
using ImageFormat.Compression;
using ImageFormat.Tests.TestSupport;
using Xunit;
using static ImageFormat.Tests.Archives.Writers.WriterTestSupport;

namespace ImageFormat.Tests.Archives.Writers;

/// <summary>
/// A small image made by real Docker 20.10 on busybox:base with one file, saved by Docker and copied by skopeo;
/// removed (by its unique tag) when the tests are done.
/// </summary>
public sealed class DockerImageFixture : IDisposable
{
    private readonly TempDirectory _temp = new();
    private DockerCli? _docker;

    public string Tag { get; } = $"imagefmt-writers-{Guid.NewGuid():N}"[..30] + ":v1";

    public string Content { get; } = $"written by the writers tests {Guid.NewGuid():N}";

    public string Saved => _temp.Combine("docker-save.tar");

    public string SkopeoOci => _temp.Combine("skopeo-oci.tar");

    public string SkopeoDocker => _temp.Combine("skopeo-docker.tar");

    public string Id { get; private set; } = string.Empty;

    public string TempPath => _temp.Path;

    /// <summary>Builds the image and the archives once; skips the test when Docker or skopeo is missing.</summary>
    public DockerCli Ensure()
    {
        DockerCli docker = Peers.RequireDocker();
        string skopeo = Peers.RequireSkopeo();
        if (_docker is not null)
        {
            return _docker;
        }

        string container = docker.RunChecked("create", "busybox:base", "sh", "-c", $"echo '{Content}' > /hello.txt").StdOut.Trim();
        docker.RunChecked("start", "-a", container);
        docker.RunChecked("commit", container, Tag);
        docker.RunChecked("rm", container);
        Id = docker.RunChecked("image", "inspect", "--format", "{{.Id}}", Tag).StdOut.Trim();
        docker.RunToFile(["save", Tag], Saved).EnsureSuccess("docker save");
        ProcessRunner.Run(skopeo, ["copy", $"docker-archive:{Saved}", $"oci-archive:{SkopeoOci}:v1"]).EnsureSuccess("skopeo copy to oci-archive");
        ProcessRunner.Run(skopeo, ["copy", $"docker-archive:{Saved}", $"docker-archive:{SkopeoDocker}:{Tag}"]).EnsureSuccess("skopeo copy to docker-archive");
        _docker = docker;
        return docker;
    }

    public void Dispose()
    {
        if (_docker is not null)
        {
            _docker.Run(["rmi", Tag]);
        }

        _temp.Dispose();
    }
}

public class WriterInteropTests(DockerImageFixture image) : IClassFixture<DockerImageFixture>
{
    [Theory]
    [InlineData(ArchiveFormat.Docker, null)]
    [InlineData(ArchiveFormat.Docker, CompressionFormat.Gzip)]
    [InlineData(ArchiveFormat.Legacy, null)]
    public void Docker_20_10_loads_runs_and_reports_our_ids(ArchiveFormat format, CompressionFormat? compression)
    {
        DockerCli docker = image.Ensure();
        string output = Path.Combine(image.TempPath, $"ours-{format}-{compression}.tar");
        Convert(image.Saved, output, format, compression);

        docker.Run(["rmi", image.Tag]);
        docker.RunChecked("load", "-i", output).StdOut.Should().Be($"Loaded image: {image.Tag}\n");
        docker.RunChecked("image", "inspect", "--format", "{{.Id}} {{.RootFS.Layers}}", image.Tag).StdOut.Trim()
            .Should().Be($"{image.Id} [{string.Join(" ", ExpectedDiffIds())}]");
        docker.RunChecked("run", "--rm", image.Tag, "cat", "/hello.txt").StdOut.Should().Be(image.Content + "\n");
    }

    [Theory]
    [InlineData(ArchiveFormat.Docker)]
    [InlineData(ArchiveFormat.Legacy)]
    public void Docker_20_10_loads_an_untagged_image_by_id(ArchiveFormat format)
    {
        DockerCli docker = image.Ensure();
        using ImageArchive saved = ImageArchive.OpenFile(image.Saved);
        ImageToWrite tagged = ImageToWrite.FromArchive(saved.Images.Single());
        string output = Path.Combine(image.TempPath, $"untagged-{format}.tar");
        ArchiveWriter.WriteFile([new ImageToWrite(tagged.Config, tagged.Layers)], output, new ArchiveWriterOptions { Format = format });

        docker.RunChecked("load", "-i", output).StdOut.Should().Be($"Loaded image ID: {image.Id}\n");
    }

    [Fact]
    public void Skopeo_inspects_and_copies_every_dialect_and_umoci_unpacks_the_layout()
    {
        image.Ensure();
        string skopeo = Peers.RequireSkopeo();
        string umoci = Peers.RequireUmoci();
        string dir = image.TempPath;
        Convert(image.Saved, Path.Combine(dir, "s-docker.tar"), ArchiveFormat.Docker);
        Convert(image.Saved, Path.Combine(dir, "s-legacy.tar"), ArchiveFormat.Legacy);
        Convert(image.Saved, Path.Combine(dir, "s-oci.tar"), ArchiveFormat.OciArchive, CompressionFormat.Zstd);
        Convert(image.Saved, Path.Combine(dir, "s-layout"), ArchiveFormat.OciLayout, CompressionFormat.Gzip);
        string tag = image.Tag.Split(':')[1];
        string[] sources =
        [
            $"docker-archive:{dir}/s-docker.tar:{image.Tag}",
            $"docker-archive:{dir}/s-legacy.tar:{image.Tag}",
            $"oci-archive:{dir}/s-oci.tar:{tag}",
            $"oci:{dir}/s-layout:{tag}",
        ];
        for (int i = 0; i < sources.Length; i++)
        {
            ProcessRunner.Run(skopeo, ["inspect", "--config", sources[i]]).EnsureSuccess($"skopeo inspect {sources[i]}")
                .StdOut.Should().Contain(ExpectedDiffIds()[^1], sources[i]);
            ProcessRunner.Run(skopeo, ["copy", sources[i], $"oci:{dir}/copy{i}:x"]).EnsureSuccess($"skopeo copy {sources[i]}");
        }

        string bundle = Path.Combine(dir, "bundle");
        ProcessRunner.Run(umoci, ["unpack", "--image", $"{dir}/s-layout:{tag}", bundle]).EnsureSuccess("umoci unpack");
        File.ReadAllText(Path.Combine(bundle, "rootfs", "hello.txt")).Should().Be(image.Content + "\n");
    }

    [Theory]
    [InlineData(ArchiveFormat.Docker)]
    [InlineData(ArchiveFormat.Legacy)]
    [InlineData(ArchiveFormat.OciArchive)]
    [InlineData(ArchiveFormat.OciLayout)]
    public void Round_trip_of_docker_and_skopeo_archives_keeps_every_digest(ArchiveFormat format)
    {
        image.Ensure();
        foreach (string input in new[] { image.Saved, image.SkopeoOci, image.SkopeoDocker })
        {
            string output = Path.Combine(image.TempPath, $"rt-{format}-{Path.GetFileNameWithoutExtension(input)}" + (format == ArchiveFormat.OciLayout ? "" : ".tar"));
            Convert(input, output, format);
            using ImageArchive original = ImageArchive.OpenFile(input);
            using ImageArchive written = Open(output);
            ShouldBeValid(written);
            written.Images.Select(i => (i.Id, string.Join(",", i.Layers.Select(l => l.DiffId)))).Should()
                .Equal(original.Images.Select(i => (i.Id, string.Join(",", i.Layers.Select(l => l.DiffId)))), input);
            if (format != ArchiveFormat.Legacy)
            {
                written.Images.Select(i => i.ManifestDigest).Should().Equal(original.Images.Select(i => i.ManifestDigest ?? written.Images[0].ManifestDigest), input);
            }
        }
    }

    private string[] ExpectedDiffIds()
    {
        using ImageArchive saved = ImageArchive.OpenFile(image.Saved);
        return [.. saved.Images.Single().Layers.Select(l => l.DiffId.Value)];
    }
}
