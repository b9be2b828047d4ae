using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Digests;
using ImageFormat.Images;
using ImageFormat.Model;
using ImageFormat.Registry;
using ImageFormat.Store;
using ImageFormat.Tests.Cli;
using ImageFormat.Tests.Registry;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Transports;

/// <summary>
/// Docker 20.10 and us through one docker-registry on loopback (which Docker reaches over plain HTTP: the engine
/// treats 127.0.0.0/8 as an insecure registry by default): Docker pulls and runs what we push, we pull what Docker
/// pushes, and the image IDs agree both ways.
/// </summary>
public class DockerRegistryInteropTests(PlainRegistryFixture fixture) : IClassFixture<PlainRegistryFixture>
{
    internal static string BaseImage => Environment.GetEnvironmentVariable("IMAGEFMT_BASE_IMAGE") is { Length: > 0 } b ? b : "busybox:base";

    /// <summary>The base image as <c>docker save</c> writes it.</summary>
    internal static ImageArchive SaveBase(DockerCli docker, TempDirectory dir)
    {
        docker.RunToFile(["save", BaseImage], dir.Combine("base.tar")).EnsureSuccess("docker save");
        return ImageArchive.OpenFile(dir.Combine("base.tar"));
    }

    /// <summary>The base image plus one gzip layer holding <c>/hello.txt</c>, with <c>cat /hello.txt</c> as its command.</summary>
    internal static IContainerImage HelloImage(ImageArchive baseArchive, string content) => HelloImage(baseArchive, content, 1);

    /// <summary>
    /// The base image plus <paramref name="layers"/> gzip layers, each writing <c>/hello.txt</c> anew (the last says
    /// <paramref name="content"/>, the others also their number), with <c>cat /hello.txt</c> as its command.
    /// </summary>
    internal static IContainerImage HelloImage(ImageArchive baseArchive, string content, int layers)
    {
        ImageBuilder builder = ImageBuilder.From(baseArchive.Images.Single());
        for (int i = 1; i <= layers; i++)
        {
            builder = builder.AppendLayerBytes(HelloLayer(i == layers ? content : $"{content} ({i} of {layers})"));
        }

        return builder.SetCmd(["cat", "/hello.txt"]).SetCreated(DateTimeOffset.UnixEpoch).Build();
    }

    private static byte[] HelloLayer(string content)
    {
        using MemoryStream tar = new();
        using (TarWriter writer = new(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "hello.txt")
            {
                DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content + "\n")),
                ModificationTime = DateTimeOffset.UnixEpoch,
                Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            });
        }

        using MemoryStream gz = new();
        using (GZipStream zip = new(gz, CompressionLevel.Fastest, leaveOpen: true))
        {
            zip.Write(tar.ToArray());
        }

        return gz.ToArray();
    }

    [Fact]
    public void Docker_20_10_pulls_and_runs_what_we_push_and_reports_our_config_digest_as_its_image_id()
    {
        DockerCli docker = Peers.RequireDocker();
        TestRegistry registry = fixture.Registry;
        using TempDirectory dir = new();
        string content = $"pushed by imagefmt {Guid.NewGuid():N}";
        string name = $"{registry.Host}/interop/ours:v1";
        Digest id;
        using (ImageArchive baseArchive = SaveBase(docker, dir))
        using (ImageStore store = ImageStore.Open(dir.Combine("store")))
        {
            id = store.AddImage(HelloImage(baseArchive, content), null, name);
        }

        CliResult push = CliRunner.Run("--root", dir.Combine("store"), "push", name);
        try
        {
            ProcessResult pull = docker.Run(["pull", name]);
            ProcessResult run = docker.Run(["run", "--rm", "--network", "none", name]);
            ProcessResult inspect = docker.Run(["image", "inspect", "--format", "{{.Id}}", name]);

            push.ExitCode.Should().Be(0, push.StdErr);
            pull.ExitCode.Should().Be(0, pull.StdErr);
            run.ExitCode.Should().Be(0, run.StdErr);
            run.StdOut.Should().Be(content + "\n");
            inspect.StdOut.Should().Be(id.Value + "\n");
        }
        finally
        {
            docker.Run(["rmi", name]);
        }
    }

    [Fact]
    public void We_pull_what_Docker_20_10_pushed_and_get_the_image_id_docker_has()
    {
        DockerCli docker = Peers.RequireDocker();
        TestRegistry registry = fixture.Registry;
        using TempDirectory dir = new();
        string name = $"{registry.Host}/interop/docker:v1";
        // An image of its own (the base with a label), so that no other test sees a new tag on the base image.
        string container = docker.RunChecked("create", BaseImage, "true").StdOut.Trim();
        docker.RunChecked("commit", "--change", $"LABEL test={Guid.NewGuid():N}", container, name);
        docker.RunChecked("rm", container);
        string dockerId;
        ProcessResult pushed;
        try
        {
            dockerId = docker.RunChecked("image", "inspect", "--format", "{{.Id}}", name).StdOut.Trim();
            pushed = docker.RunChecked("push", name);
        }
        finally
        {
            docker.Run(["rmi", name]);
        }

        CliResult pull = CliRunner.Run("--root", dir.Path, "pull", name);

        pull.ExitCode.Should().Be(0, pull.StdErr);
        string digestLine = pushed.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        string digest = digestLine.Split(' ')[2];
        pull.StdOut.Should().EndWith($"Digest: {digest}\nStatus: Downloaded newer image for {name}\n{name}\n");
        using ImageStore store = ImageStore.Open(dir.Path);
        store.OpenImage(name).Config.Digest.Value.Should().Be(dockerId);
    }

    [Fact]
    public async Task A_layer_docker_pulled_uncompressed_and_pushes_again_as_gzip_is_read_as_the_tar_it_is()
    {
        DockerCli docker = Peers.RequireDocker();
        TestRegistry registry = fixture.Registry;
        using TempDirectory dir = new();
        string ours = $"{registry.Host}/interop/plain:v1";
        string again = $"{registry.Host}/interop/again:v1";
        Digest id;
        using (ImageArchive baseArchive = SaveBase(docker, dir))
        using (ImageStore store = ImageStore.Open(dir.Combine("store")))
        {
            id = store.AddImage(HelloImage(baseArchive, "pushed twice"), null, ours);
        }

        CliRunner.Run("--root", dir.Combine("store"), "push", ours).ExitCode.Should().Be(0);
        try
        {
            docker.RunChecked("pull", ours);
            docker.RunChecked("tag", ours, again);
            docker.RunChecked("push", again);
        }
        finally
        {
            docker.Run(["rmi", ours, again]);
        }

        CliResult pull = CliRunner.Run("--root", dir.Combine("second"), "pull", again);

        pull.ExitCode.Should().Be(0, pull.StdErr);
        using RegistryClient client = new();
        RegistryManifest manifest = await client.GetManifestAsync(new RegistryRepository(registry.Host, "interop/again"), "v1", TestContext.Current.CancellationToken);
        using ImageStore second = ImageStore.Open(dir.Combine("second"));
        IContainerImage pulled = second.OpenImage(again);
        pulled.Config.Digest.Should().Be(id);
        manifest.Document.Manifest!.Value.Layers.Should().OnlyContain(l => l.MediaType == MediaTypes.DockerLayerGzip);

        // Our layer went up as a plain tar, so Docker reuses that blob under the gzip type: its digest is its diffID.
        // (The base layer's digest depends on what Docker pushed of it before, to this registry: a gzip it made, or not.)
        manifest.Document.Manifest!.Value.Layers[^1].Digest.Should().Be(pulled.GetDiffIds()[^1]);
    }
}
