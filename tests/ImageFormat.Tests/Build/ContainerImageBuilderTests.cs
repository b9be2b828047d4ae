using System.Text;
using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Archives.Writers;
using ImageFormat.Build;
using ImageFormat.Images;
using ImageFormat.Model;
using ImageFormat.Store;
using ImageFormat.Tar;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Build;

public sealed class ContainerImageBuilderTests : IDisposable
{
    private static readonly byte[] Elf = [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0];
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string HelloBase => RepoPaths.Sample("hello.tar") + "#hello:latest";

    private List<ContainerFile> PublishOutput(string folder)
    {
        _temp.WriteFile($"{folder}/app", Elf);
        _temp.WriteFile($"{folder}/app.dll", "managed"u8);
        _temp.WriteFile($"{folder}/run.sh", "#!/bin/sh\necho hi\n"u8);
        _temp.WriteFile($"{folder}/wwwroot/index.html", "<p>hi</p>"u8);
        return
        [
            new(_temp.Combine(folder, "wwwroot", "index.html"), "wwwroot\\index.html"),
            new(_temp.Combine(folder, "run.sh"), "run.sh"),
            new(_temp.Combine(folder, "app.dll"), "app.dll"),
            new(_temp.Combine(folder, "app"), "app"),
        ];
    }

    private ContainerImageRequest Request(string folder = "publish", string output = "out/app.tar") => new()
    {
        BaseImage = HelloBase,
        Repository = "myapp",
        Tags = ["1.0", "latest"],
        Platform = "linux/amd64",
        Files = PublishOutput(folder),
        ArchiveOutputPath = _temp.Combine(output),
        IntermediateDirectory = _temp.Path,
    };

    private static List<(TarEntryHeader Header, string Content)> Entries(ArchiveLayer layer)
    {
        var entries = new List<(TarEntryHeader, string)>();
        using Stream stream = layer.OpenUncompressed();
        using var reader = new TarEntryReader(stream);
        while (reader.GetNextEntry() is { } header)
        {
            using var content = new StreamReader(reader.OpenEntryData(), Encoding.UTF8);
            entries.Add((header, content.ReadToEnd()));
        }

        return entries;
    }

    [Fact]
    public void Build_writes_a_docker_archive_whose_new_top_layer_holds_the_files_sorted_under_the_working_directory()
    {
        ContainerImageResult result = ContainerImageBuilder.Build(Request(), TestContext.Current.CancellationToken);

        using ImageArchive archive = ImageArchive.OpenFile(_temp.Combine("out", "app.tar"));
        archive.Dialect.Should().Be(ArchiveDialect.DockerManifest | ArchiveDialect.OciLayout | ArchiveDialect.Repositories);
        ArchiveImage image = archive.Images.Should().ContainSingle().Subject;
        image.RepoTags.Should().Equal("myapp:1.0", "myapp:latest");
        image.Id.ToString().Should().Be(result.ImageId);
        result.Tags.Should().Equal("myapp:1.0", "myapp:latest");
        using ImageArchive hello = ImageArchive.OpenFile(RepoPaths.Sample("hello.tar"));
        ArchiveImage baseImage = hello.FindImage("hello:latest");
        image.Layers.Should().HaveCount(baseImage.Layers.Count + 1);
        image.Layers.Take(baseImage.Layers.Count).Select(l => l.DiffId).Should().Equal(baseImage.Layers.Select(l => l.DiffId));
        ArchiveVerifier.Verify(archive, TestContext.Current.CancellationToken).Problems.Should().BeEmpty();

        var entries = Entries(image.Layers[^1]);
        entries.Select(e => (e.Header.Name, e.Header.Type, Convert.ToString(e.Header.Mode, 8), e.Content)).Should().Equal(
            ("app/", TarEntryKind.Directory, "755", ""),
            ("app/app", TarEntryKind.RegularFile, "755", Encoding.Latin1.GetString(Elf)),
            ("app/app.dll", TarEntryKind.RegularFile, "644", "managed"),
            ("app/run.sh", TarEntryKind.RegularFile, "755", "#!/bin/sh\necho hi\n"),
            ("app/wwwroot/", TarEntryKind.Directory, "755", ""),
            ("app/wwwroot/index.html", TarEntryKind.RegularFile, "644", "<p>hi</p>"));
        entries.Should().OnlyContain(e => e.Header.Uid == 0 && e.Header.Gid == 0 && e.Header.UserName == "" && e.Header.GroupName == "" && e.Header.ModificationTime == DateTimeOffset.UnixEpoch);
        result.LayerEntries.Should().Be(6);
    }

    [Fact]
    public void The_same_inputs_in_another_folder_and_order_give_the_same_image_id()
    {
        ContainerImageResult first = ContainerImageBuilder.Build(Request("one", "a.tar"), TestContext.Current.CancellationToken);
        ContainerImageRequest second = Request("two/deeper", "b.tar");
        ContainerImageResult again = ContainerImageBuilder.Build(second with { Files = [.. second.Files.Reverse()] }, TestContext.Current.CancellationToken);

        again.ImageId.Should().Be(first.ImageId);
        again.LayerDigest.Should().Be(first.LayerDigest);
        File.ReadAllBytes(_temp.Combine("b.tar")).Should().Equal(File.ReadAllBytes(_temp.Combine("a.tar")));
    }

    [Fact]
    public void The_config_inherits_the_base_and_adds_what_the_sdk_adds_with_one_history_entry_for_the_new_layer()
    {
        using ImageArchive hello = ImageArchive.OpenFile(RepoPaths.Sample("hello.tar"));
        ImageConfig baseConfig = hello.FindImage("hello:latest").Config.Value with
        {
            Config = new ContainerConfig { Env = ["PATH=/usr/bin", "APP_UID=1654", "MODE=base"], Cmd = ["/bin/sh"], Labels = new Dictionary<string, string> { ["b"] = "base", ["a"] = "base" }, ExposedPorts = ["80/tcp"] },
        };
        ContainerImageRequest request = Request() with
        {
            Environment = [new("MODE", "app"), new("NEW", "1")],
            Labels = [new("a", "app"), new("c", "app")],
            AppCommand = ["/app/app"],
            AppCommandArgs = ["--serve"],
            Created = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000),
        };

        ImageConfig config = MakeConfig(hello.FindImage("hello:latest"), baseConfig, request, "/app/", ["8080/tcp", "53/udp"]);

        config.Config!.Env.Should().Equal("PATH=/usr/bin", "APP_UID=1654", "MODE=app", "NEW=1");
        config.Config.Labels.Should().Equal(new Dictionary<string, string> { ["a"] = "app", ["b"] = "base", ["c"] = "app" });
        config.Config.Labels!.Keys.Should().Equal("a", "b", "c");
        config.Config.ExposedPorts.Should().Equal("53/udp", "80/tcp", "8080/tcp");
        config.Config.Entrypoint.Should().Equal("/app/app", "--serve");
        config.Config.Cmd.Should().BeNull("a new entrypoint resets the base's command");
        config.Config.User.Should().Be("1654", "the SDK runs as the base's APP_UID");
        config.Config.WorkingDir.Should().Be("/app/");
        config.Created.Should().Be("2023-11-14T22:13:20Z");
        config.History.Should().HaveCount(baseConfig.History.Count + 1);
        config.History[^1].Created.Should().Be("2023-11-14T22:13:20Z");
        config.History[^1].CreatedBy.Should().Be("ImageFormat.Build: publish output to /app/");
        config.RootFs.DiffIds.Should().Equal([.. baseConfig.RootFs.DiffIds, baseConfig.RootFs.DiffIds[0]]);
        config.Container.Should().BeNull();
        config.ContainerConfig.Should().BeNull();
    }

    [Fact]
    public void Default_args_become_the_command_and_an_explicit_user_wins_over_app_uid()
    {
        using ImageArchive hello = ImageArchive.OpenFile(RepoPaths.Sample("hello.tar"));
        ImageConfig baseConfig = hello.FindImage("hello:latest").Config.Value with { Config = new ContainerConfig { Env = ["APP_UID=1654"], Entrypoint = ["/bin/sh"] } };

        ImageConfig config = MakeConfig(hello.FindImage("hello:latest"), baseConfig, Request() with { User = "root", DefaultArgs = ["-c", "true"] }, "/srv/", []);

        config.Config!.Entrypoint.Should().Equal("/bin/sh");
        config.Config.Cmd.Should().Equal("-c", "true");
        config.Config.User.Should().Be("root");
        config.Config.WorkingDir.Should().Be("/srv/");
    }

    [Fact]
    public void Oci_archive_output_holds_the_same_image()
    {
        ContainerImageResult docker = ContainerImageBuilder.Build(Request(output: "d.tar"), TestContext.Current.CancellationToken);
        ContainerImageResult oci = ContainerImageBuilder.Build(Request(output: "o.tar") with { ArchiveFormat = ArchiveFormat.OciArchive }, TestContext.Current.CancellationToken);

        using ImageArchive archive = ImageArchive.OpenFile(_temp.Combine("o.tar"));
        archive.Dialect.Should().Be(ArchiveDialect.OciLayout);
        archive.Images.Should().ContainSingle().Which.Id.ToString().Should().Be(docker.ImageId);
        oci.ImageId.Should().Be(docker.ImageId);
    }

    [Fact]
    public void Load_into_store_without_an_archive_tags_the_image_in_the_store()
    {
        string root = _temp.Combine("store");
        ContainerImageResult result = ContainerImageBuilder.Build(Request() with { ArchiveOutputPath = null, LoadIntoStore = true, StoreRoot = root }, TestContext.Current.CancellationToken);

        using ImageStore store = ImageStore.Open(root);
        store.GetImage("myapp:1.0").Id.ToString().Should().Be(result.ImageId);
        File.Exists(_temp.Combine("out", "app.tar")).Should().BeFalse();
    }

    [Fact]
    public void A_base_from_an_oci_layout_directory_is_used_as_a_base()
    {
        using (ImageArchive hello = ImageArchive.OpenFile(RepoPaths.Sample("hello.tar")))
        {
            ArchiveWriter.WriteLayout([ImageToWrite.FromArchive(hello.FindImage("hello:latest"))], _temp.Combine("layout"), new ArchiveWriterOptions { Format = ArchiveFormat.OciLayout });
        }

        ContainerImageResult fromLayout = ContainerImageBuilder.Build(Request(output: "l.tar") with { BaseImage = "oci:" + _temp.Combine("layout") }, TestContext.Current.CancellationToken);
        ContainerImageResult fromArchive = ContainerImageBuilder.Build(Request(output: "a.tar"), TestContext.Current.CancellationToken);

        fromLayout.ImageId.Should().Be(fromArchive.ImageId);
    }

    [Theory]
    [InlineData("missing.tar", "IMGFMT0400", "does not exist")]
    [InlineData("", "IMGFMT0401", "ContainerBaseImage is not set")]
    [InlineData("HELLO#nope:1", "IMGFMT0400", "after '#' name an image the archive holds")]
    [InlineData("HELLO", "IMGFMT0404", "holds 2 different images for linux/amd64")]
    public void A_bad_base_is_an_error_with_a_code_that_says_what_to_change(string baseImage, string code, string message)
    {
        string resolved = baseImage.Replace("HELLO", RepoPaths.Sample("hello.tar"), StringComparison.Ordinal);
        if (resolved == "missing.tar")
        {
            resolved = _temp.Combine("missing.tar");
        }

        Action build = () => ContainerImageBuilder.Build(Request() with { BaseImage = resolved }, TestContext.Current.CancellationToken);

        build.Should().Throw<ContainerBuildException>().Where(e => e.Code == code && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void A_base_without_the_requested_platform_names_what_it_holds()
    {
        Action build = () => ContainerImageBuilder.Build(Request() with { Platform = "linux/arm64" }, TestContext.Current.CancellationToken);

        build.Should().Throw<ContainerBuildException>()
            .Where(e => e.Code == BuildErrorCodes.PlatformNotInBase)
            .WithMessage("*has no image for linux/arm64 (it holds linux/amd64)*ContainerRuntimeIdentifier*");
    }

    [Theory]
    [InlineData("MyApp", "1.0", "ContainerRepository 'MyApp' is not a valid repository name*")]
    [InlineData("myapp", "-bad", "ContainerImageTag '-bad' is not a valid tag*")]
    [InlineData("myapp", "a:b", "ContainerImageTag 'a:b' is not a valid tag*")]
    [InlineData("myapp:1", "1.0", "ContainerRepository 'myapp:1' is not a valid repository name*")]
    public void A_bad_repository_or_tag_is_IMGFMT0403(string repository, string tag, string message)
    {
        Action build = () => ContainerImageBuilder.Build(Request() with { Repository = repository, Tags = [tag] }, TestContext.Current.CancellationToken);

        build.Should().Throw<ContainerBuildException>().Where(e => e.Code == BuildErrorCodes.InvalidTag).WithMessage(message);
    }

    [Theory]
    [InlineData("http", "ContainerPort 'http' is not a port*")]
    [InlineData("70000", "ContainerPort '70000' is not a port*")]
    [InlineData("80/icmp", "ContainerPort '80/icmp' is not a port*")]
    public void A_bad_port_is_IMGFMT0407(string port, string message)
    {
        Action build = () => ContainerImageBuilder.Build(Request() with { Ports = [port] }, TestContext.Current.CancellationToken);

        build.Should().Throw<ContainerBuildException>().Where(e => e.Code == BuildErrorCodes.InvalidProperty).WithMessage(message);
    }

    [Fact]
    public void A_relative_working_directory_is_IMGFMT0407()
    {
        Action build = () => ContainerImageBuilder.Build(Request() with { WorkingDirectory = "app/../x" }, TestContext.Current.CancellationToken);

        build.Should().Throw<ContainerBuildException>().Where(e => e.Code == BuildErrorCodes.InvalidProperty).WithMessage("ContainerWorkingDirectory 'app/../x' must be an absolute path*");
    }

    [Fact]
    public void No_output_is_IMGFMT0411()
    {
        Action build = () => ContainerImageBuilder.Build(Request() with { ArchiveOutputPath = null }, TestContext.Current.CancellationToken);

        build.Should().Throw<ContainerBuildException>().Where(e => e.Code == BuildErrorCodes.NoOutput);
    }

    [Fact]
    public void A_cancelled_token_stops_the_build_and_writes_no_archive()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        Action build = () => ContainerImageBuilder.Build(Request(), cancellation.Token);

        build.Should().Throw<OperationCanceledException>();
        File.Exists(_temp.Combine("out", "app.tar")).Should().BeFalse();
    }

    [Theory]
    [InlineData("linux-x64", "linux/amd64")]
    [InlineData("linux-musl-arm64", "linux/arm64")]
    [InlineData("linux-arm", "linux/arm/v7")]
    [InlineData("win-x64", "windows/amd64")]
    public void Runtime_identifiers_map_to_oci_platforms(string rid, string platform) =>
        ContainerImageBuilder.PlatformOf(rid).Should().Be(platform);

    [Fact]
    public void An_unknown_runtime_identifier_is_IMGFMT0407()
    {
        Action map = () => ContainerImageBuilder.PlatformOf("osx-arm64");

        map.Should().Throw<ContainerBuildException>().Where(e => e.Code == BuildErrorCodes.InvalidProperty);
    }

    [Fact]
    public void Build_error_codes_are_unique_in_their_range_and_distinct_from_the_library_codes()
    {
        string[] codes = [.. typeof(BuildErrorCodes).GetFields().Select(f => (string)f.GetValue(null)!)];
        string[] library = [.. typeof(ImageFormat.Errors.ErrorCodes).GetFields().Where(f => f.IsLiteral).Select(f => (string)f.GetValue(null)!)];

        codes.Should().OnlyHaveUniqueItems();
        codes.Should().OnlyContain(c => string.CompareOrdinal(c, "IMGFMT0400") >= 0 && string.CompareOrdinal(c, "IMGFMT0419") <= 0);
        codes.Intersect(library).Should().BeEmpty();
    }

    /// <summary>
    /// The config of the image the task makes over <paramref name="image"/> given <paramref name="baseConfig"/>, with
    /// the image's first layer appended again as the published layer (its diffID is then the last in the config).
    /// </summary>
    private static ImageConfig MakeConfig(IContainerImage image, ImageConfig baseConfig, ContainerImageRequest request, string workingDirectory, IReadOnlyList<string> ports)
    {
        IContainerImage baseImage = ImageBuilder.From(image).UpdateConfig(_ => baseConfig).Build();
        return ContainerImageBuilder.MakeImage(baseImage, request, workingDirectory, ports, image.Layers[0]).Config.Value;
    }
}
