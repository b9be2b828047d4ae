using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Compression;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Images;
using ImageFormat.Model;
using ImageFormat.Progress;
using ImageFormat.Registry;
using ImageFormat.Store;
using ImageFormat.Tests.Cli;
using ImageFormat.Tests.Registry;
using ImageFormat.Tests.TestSupport;
using ImageFormat.Transports;
using Xunit;

namespace ImageFormat.Tests.Transports;

/// <summary><c>imagefmt copy</c> and <see cref="ImageCopier"/> between every transport, against docker-registry.</summary>
public class ImageCopierTests(PlainRegistryFixture fixture) : IClassFixture<PlainRegistryFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Docker_archive_to_registry_and_back_keeps_the_image_id_and_diff_ids_and_records_the_registry_tag()
    {
        TestRegistry registry = fixture.Registry;
        string archive = BuiltArchives.PathOf("built-bazel-whiteout.tar");
        Digest id;
        IReadOnlyList<Digest> diffIds;
        using (ImageArchive source = ImageArchive.OpenFile(archive))
        {
            id = source.Images[0].Config.Digest;
            diffIds = source.Images[0].GetDiffIds();
        }

        using TempDirectory dir = new();

        CliResult push = CliRunner.Run("copy", $"docker-archive:{archive}", $"docker://{registry.Host}/transports/bazel:v1");
        CliResult pull = CliRunner.Run("copy", $"docker://{registry.Host}/transports/bazel:v1", $"docker-archive:{dir.Combine("back.tar")}");

        push.ExitCode.Should().Be(0, push.StdErr);
        pull.ExitCode.Should().Be(0, pull.StdErr);
        pull.StdOut.Should().Be(push.StdOut);
        using ImageArchive back = ImageArchive.OpenFile(dir.Combine("back.tar"));
        ArchiveImage image = back.Images.Should().ContainSingle().Subject;
        image.Config.Digest.Should().Be(id);
        image.GetDiffIds().Should().Equal(diffIds);
        image.RepoTags.Should().Equal($"{registry.Host}/transports/bazel:v1");
        ArchiveVerifier.Verify(back, Ct).Problems.Should().BeEmpty();
    }

    [Fact]
    public async Task Registry_to_oci_layout_and_back_keeps_the_manifest_digest()
    {
        TestRegistry registry = fixture.Registry;
        TestImage image = TestImage.Create(61, "amd64", 20_000, 3_000);
        using (RegistryClient client = new())
        {
            await image.PushAsync(client, new RegistryRepository(registry.Host, "transports/layout-src"), "v1");
        }

        using TempDirectory dir = new();

        CliResult toLayout = CliRunner.Run("copy", $"docker://{registry.Host}/transports/layout-src:v1", $"oci:{dir.Combine("layout")}:app:v1");
        CliResult back = CliRunner.Run("copy", $"oci:{dir.Combine("layout")}:app:v1", $"docker://{registry.Host}/transports/layout-dst:v2");

        toLayout.ExitCode.Should().Be(0, toLayout.StdErr);
        back.ExitCode.Should().Be(0, back.StdErr);
        toLayout.StdOut.Should().Be(image.Manifest.Digest.Value + "\n");
        back.StdOut.Should().Be(image.Manifest.Digest.Value + "\n");
        using RegistryClient check = new();
        RegistryManifest copied = await check.GetManifestAsync(new RegistryRepository(registry.Host, "transports/layout-dst"), "v2", Ct);
        copied.Digest.Should().Be(image.Manifest.Digest);
        copied.Bytes.ToArray().Should().Equal(image.Manifest.Bytes.ToArray());
    }

    [Fact]
    public void Store_to_registry_and_into_another_store_gives_the_same_image_id()
    {
        TestRegistry registry = fixture.Registry;
        using TempDirectory dir = new();
        Digest id;
        using (ImageStore first = ImageStore.Open(dir.Combine("first")))
        {
            id = first.Load(BuiltArchives.PathOf("built-bazel-whiteout.tar")).ImageIds.Should().ContainSingle().Subject;
            first.Tag(id.Value, "transports/app:v1");
        }

        CliResult push = CliRunner.Run("--root", dir.Combine("first"), "copy", "store:transports/app:v1", $"docker://{registry.Host}/transports/store:v1");
        CliResult pull = CliRunner.Run("--root", dir.Combine("second"), "copy", $"docker://{registry.Host}/transports/store:v1", "store:pulled/app:v3");

        push.ExitCode.Should().Be(0, push.StdErr);
        pull.ExitCode.Should().Be(0, pull.StdErr);
        pull.StdOut.Should().Be(push.StdOut);
        using ImageStore second = ImageStore.Open(dir.Combine("second"));
        IContainerImage pulled = second.OpenImage("pulled/app:v3");
        pulled.Config.Digest.Should().Be(id);
        pulled.ManifestDigest.Value.Should().NotBe(push.StdOut.TrimEnd('\n'), "the store derives an OCI manifest; it pushes a Docker schema 2 one, as docker push does");
    }

    /// <summary>The manifest a registry serves for a tag, with the media type it announces, as skopeo inspect --raw reads it.</summary>
    private static async Task<(string ContentType, string Body)> ServedManifestAsync(TestRegistry registry, string repository, string tag)
    {
        using HttpClient http = new();
        using HttpRequestMessage request = new(HttpMethod.Get, $"http://{registry.Host}/v2/{repository}/manifests/{tag}");
        foreach (string type in RegistryClient.ManifestMediaTypes)
        {
            request.Headers.Accept.Add(new System.Net.Http.Headers.MediaTypeWithQualityHeaderValue(type));
        }

        using HttpResponseMessage response = await http.SendAsync(request, Ct);
        response.EnsureSuccessStatusCode();
        return (response.Content.Headers.ContentType!.MediaType!, await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task A_docker_save_archive_and_a_store_image_are_pushed_as_docker_schema_2_and_an_oci_archive_keeps_its_oci_manifest()
    {
        TestRegistry registry = fixture.Registry;
        string legacy = BuiltArchives.PathOf("built-bazel-whiteout.tar");
        string oci = BuiltArchives.PathOf("built-buildkit-zstd.tar");
        using TempDirectory dir = new();
        using (ImageStore store = ImageStore.Open(dir.Path))
        {
            store.Tag(store.Load(legacy).ImageIds[0].Value, $"{registry.Host}/transports/format-store:v1");
        }

        CliResult fromArchive = CliRunner.Run("copy", $"docker-archive:{legacy}", $"docker://{registry.Host}/transports/format-docker:v1");
        CliResult fromStore = CliRunner.Run("--root", dir.Path, "push", $"{registry.Host}/transports/format-store:v1");
        CliResult fromOci = CliRunner.Run("copy", $"oci-archive:{oci}", $"docker://{registry.Host}/transports/format-oci:v1");

        fromArchive.ExitCode.Should().Be(0, fromArchive.StdErr);
        fromStore.ExitCode.Should().Be(0, fromStore.StdErr);
        fromOci.ExitCode.Should().Be(0, fromOci.StdErr);
        using ImageArchive legacyArchive = ImageArchive.OpenFile(legacy);
        ArchiveImage image = legacyArchive.Images[0];
        string expected = $"{{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"config\":"
            + $"{{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"digest\":\"{image.Config.Digest}\",\"size\":{image.Config.Size}}},\"layers\":["
            + string.Join(",", image.Layers.Select(l => $"{{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar\",\"digest\":\"{l.DiffId}\",\"size\":{l.Size}}}"))
            + "]}";
        (await ServedManifestAsync(registry, "transports/format-docker", "v1")).Should().Be((MediaTypes.DockerManifestSchema2, expected));
        (await ServedManifestAsync(registry, "transports/format-store", "v1")).Should().Be((MediaTypes.DockerManifestSchema2, expected));
        fromArchive.StdOut.Should().Be(Digest.ComputeUtf8(expected).Value + "\n");
        fromStore.StdOut.Should().EndWith($"v1: digest: {Digest.ComputeUtf8(expected)} size: {expected.Length}\n");
        using ImageArchive ociArchive = ImageArchive.OpenFile(oci);
        (await ServedManifestAsync(registry, "transports/format-oci", "v1")).Should().Be(
            (MediaTypes.OciManifest, System.Text.Encoding.UTF8.GetString(ociArchive.Images[0].Manifest!.Bytes.Span)));
    }

    [Fact]
    public async Task Dest_compress_zstd_recompresses_every_layer_keeps_the_image_id_and_the_copy_verifies()
    {
        TestRegistry registry = fixture.Registry;
        TestImage image = TestImage.Create(62, "amd64", 30_000, 4_000);
        using (RegistryClient client = new())
        {
            await image.PushAsync(client, new RegistryRepository(registry.Host, "transports/gz"), "v1");
        }

        using TempDirectory dir = new();

        CliResult zstd = CliRunner.Run("copy", "--dest-compress", "zstd", $"docker://{registry.Host}/transports/gz:v1", $"docker://{registry.Host}/transports/zstd:v1");
        CliResult archive = CliRunner.Run("copy", $"docker://{registry.Host}/transports/zstd:v1", $"oci-archive:{dir.Combine("zstd.tar")}");

        zstd.ExitCode.Should().Be(0, zstd.StdErr);
        archive.ExitCode.Should().Be(0, archive.StdErr);
        using RegistryClient check = new();
        RegistryManifest manifest = await check.GetManifestAsync(new RegistryRepository(registry.Host, "transports/zstd"), "v1", Ct);
        zstd.StdOut.Should().Be(manifest.Digest.Value + "\n");
        manifest.Digest.Should().NotBe(image.Manifest.Digest);
        ImageManifest value = manifest.Document.Manifest!.Value;
        value.Config.Digest.Should().Be(image.ConfigDescriptor.Digest);
        value.Layers.Select(l => l.MediaType).Should().Equal(MediaTypes.OciLayerZstd, MediaTypes.OciLayerZstd);
        value.Layers.Select(l => l.Digest).Should().NotIntersectWith(image.LayerDescriptors.Select(l => l.Digest));
        using ImageArchive copied = ImageArchive.OpenFile(dir.Combine("zstd.tar"));
        copied.Images.Should().ContainSingle().Which.Layers.Should().OnlyContain(l => l.Compression == CompressionFormat.Zstd);
        ArchiveVerifier.Verify(copied, Ct).Problems.Should().BeEmpty();
        copied.Images[0].GetDiffIds().Should().Equal(image.Tars.Select(t => Digest.Compute(t)));
    }

    [Fact]
    public async Task All_copies_every_platform_into_an_oci_layout_with_their_manifest_digests()
    {
        TestRegistry registry = fixture.Registry;
        using RegistryClient client = new();
        RegistryRepository source = new(registry.Host, "transports/multi");
        (TestImage amd, TestImage arm, RawDocument<ImageIndex> index) = await TwoPlatformIndex.PushAsync(client, source, 63, 5_000, 6_000);
        using TempDirectory dir = new();

        CliResult all = CliRunner.Run("copy", "--all", $"docker://{registry.Host}/transports/multi:multi", $"oci:{dir.Combine("all")}");
        CliResult one = CliRunner.Run("copy", "--platform", "linux/arm64", $"docker://{registry.Host}/transports/multi:multi", $"oci:{dir.Combine("one")}");

        all.ExitCode.Should().Be(0, all.StdErr);
        all.StdOut.Should().Be(index.Digest.Value + "\n");
        one.StdOut.Should().Be(arm.Manifest.Digest.Value + "\n");
        using ImageArchive layout = ImageArchive.OpenLayout(dir.Combine("all"));
        layout.Images.Select(i => i.ManifestDigest).Should().Equal(amd.Manifest.Digest, arm.Manifest.Digest);
        // index.json names the registry's index alone, kept byte for byte, so the layout has the registry's digest.
        layout.Index!.Value.Manifests.Should().ContainSingle().Which.Should().BeEquivalentTo(index.ToDescriptor(MediaTypes.OciIndex));
        File.ReadAllBytes(dir.Combine("all", "blobs", "sha256", index.Digest.Encoded)).Should().Equal(index.Bytes.ToArray());
        ArchiveVerifier.Verify(layout, Ct).Problems.Should().BeEmpty();
    }

    [Fact]
    public async Task A_named_index_in_a_layout_is_copied_for_this_platform_or_the_one_asked_for()
    {
        TestRegistry registry = fixture.Registry;
        using RegistryClient client = new();
        (TestImage amd, TestImage arm, RawDocument<ImageIndex> index) = await TwoPlatformIndex.PushAsync(client, new(registry.Host, "transports/multi-named"), 64, 5_000, 6_000);
        using TempDirectory dir = new();
        string layout = dir.Combine("layout");
        CliRunner.Run("copy", "--all", $"docker://{registry.Host}/transports/multi-named:multi", $"oci:{layout}:multi").ExitCode.Should().Be(0);

        CliResult here = CliRunner.Run("copy", $"oci:{layout}:multi", $"docker-archive:{dir.Combine("here.tar")}");
        CliResult asked = CliRunner.Run("copy", "--platform", "linux/arm64", $"oci:{layout}:multi", $"oci-archive:{dir.Combine("arm.tar")}");
        CliResult all = CliRunner.Run("copy", "--all", $"oci:{layout}:multi", $"oci:{dir.Combine("again")}:multi");

        here.ExitCode.Should().Be(0, here.StdErr);
        asked.ExitCode.Should().Be(0, asked.StdErr);
        all.ExitCode.Should().Be(0, all.StdErr);
        here.StdOut.Should().Be(amd.Manifest.Digest.Value + "\n");
        asked.StdOut.Should().Be(arm.Manifest.Digest.Value + "\n");
        all.StdOut.Should().Be(index.Digest.Value + "\n");
        using ImageArchive armArchive = ImageArchive.OpenFile(dir.Combine("arm.tar"));
        armArchive.Images.Should().ContainSingle().Which.ManifestDigest.Should().Be(arm.Manifest.Digest);
        // Unnamed: index.json holds the one index, so this machine's image is taken, as skopeo takes it.
        CliRunner.Run("copy", $"oci:{layout}", $"oci:{dir.Combine("unnamed")}").StdOut.Should().Be(amd.Manifest.Digest.Value + "\n");
        // The archive commands take the name the same way.
        CliRunner.Run("archive", "config", $"oci:{layout}", "multi").Binary.Should().Equal(amd.Config);
        CliRunner.Run("archive", "inspect", $"oci:{layout}", "multi").StdOut.Should().Contain($"\"Id\": \"{amd.ConfigDescriptor.Digest}\"");
    }

    [Fact]
    public async Task FindImage_with_a_platform_picks_among_the_images_of_a_named_index()
    {
        TestRegistry registry = fixture.Registry;
        using RegistryClient client = new();
        (TestImage amd, TestImage arm, _) = await TwoPlatformIndex.PushAsync(client, new(registry.Host, "transports/multi-find"), 65, 5_000, 6_000);
        using TempDirectory dir = new();
        CliRunner.Run("copy", "--all", $"docker://{registry.Host}/transports/multi-find:multi", $"oci:{dir.Combine("layout")}:multi").ExitCode.Should().Be(0);
        using ImageArchive layout = ImageArchive.OpenLayout(dir.Combine("layout"));

        Action ambiguous = () => layout.FindImage("multi");
        Action missing = () => layout.FindImage("multi", Platform.Parse("linux/s390x"));

        layout.FindImage("multi", Platform.Parse("linux/arm64")).ManifestDigest.Should().Be(arm.Manifest.Digest);
        layout.FindImage("multi", Platform.Parse("linux/amd64")).ManifestDigest.Should().Be(amd.Manifest.Digest);
        layout.FindImage(null, Platform.Parse("linux/arm64")).ManifestDigest.Should().Be(arm.Manifest.Digest);
        ambiguous.Should().Throw<AmbiguousNameException>();
        missing.Should().Throw<NotFoundException>().WithMessage(
            $"No image for platform linux/s390x named multi (there are {amd.ConfigDescriptor.Digest.ShortId} linux/amd64; {arm.ConfigDescriptor.Digest.ShortId} linux/arm64)");
    }

    [Fact]
    public async Task The_library_copy_reports_progress_to_the_end_and_stops_when_cancelled()
    {
        TestRegistry registry = fixture.Registry;
        TestImage image = TestImage.Create(65, "amd64", 50_000);
        using RegistryClient client = new();
        await image.PushAsync(client, new RegistryRepository(registry.Host, "transports/progress"), "v1");
        using TempDirectory dir = new();
        List<ImageProgress> reports = [];
        ImageLocation source = ImageLocation.Parse($"docker://{registry.Host}/transports/progress:v1");
        ImageCopyOptions options = new() { Client = client };

        ImageCopyResult result = await ImageCopier.CopyAsync(source, ImageLocation.Parse($"docker://{registry.Host}/transports/progress-copy:v1"), options with { DestinationCompression = CompressionFormat.Gzip }, new SyncProgress(reports), Ct);
        using CancellationTokenSource cancelled = new();
        await cancelled.CancelAsync();
        Func<Task> copy = () => ImageCopier.CopyAsync(source, ImageLocation.Parse($"oci:{dir.Combine("never")}"), options, null, cancelled.Token);

        result.ImageIds.Should().Equal(image.ConfigDescriptor.Digest);
        reports.Should().NotBeEmpty();
        reports.Should().OnlyContain(r => r.Phase == ImageProgressPhase.Writing);
        reports[^1].BytesDone.Should().Be(reports[^1].BytesTotal);
        reports.Select(r => r.BytesDone).Should().BeInAscendingOrder();
        await copy.Should().ThrowAsync<OperationCanceledException>();
        Directory.Exists(dir.Combine("never")).Should().BeFalse();
    }

    [Fact]
    public void Blob_reports_of_concurrent_copies_reach_the_caller_with_bytes_done_never_decreasing()
    {
        Dictionary<Digest, long> sizes = Enumerable.Range(0, 4).ToDictionary(i => Digest.Compute([(byte)i]), _ => 1_000_000L);
        List<ImageProgress> reports = [];
        ImageCopier.BlobReporter reporter = ImageCopier.BlobReporter.Create(new SyncProgress(reports), sizes)!;

        // Four blobs copied at once, each reporting 1,000 times: a report made outside the reporter's lock reaches
        // the caller after a later one now and then.
        Parallel.ForEach(sizes.Keys, new ParallelOptions { MaxDegreeOfParallelism = 4 }, digest =>
        {
            for (long sent = 1000; sent <= 1_000_000; sent += 1000)
            {
                reporter.Report(new BlobProgress(digest, sent, 1_000_000));
            }
        });

        reports.Should().HaveCount(4000);
        reports.Select(r => r.BytesDone).Should().BeInAscendingOrder();
        reports[^1].BytesDone.Should().Be(4_000_000);
        reports[^1].BytesTotal.Should().Be(4_000_000);
    }

    [Fact]
    public void An_unknown_transport_is_one_coded_error_line_and_a_usage_exit()
    {
        CliResult result = CliRunner.Run("copy", "dir:/nowhere", "oci:out");

        result.ExitCode.Should().Be(2);
        result.StdOut.Should().BeEmpty();
        result.StdErr.Should().Be("Error: IMGFMT0309: \"dir:/nowhere\": unknown transport \"dir\"; expected docker://, docker-archive:, oci-archive:, oci: or store:\n");
    }

    [Fact]
    public void All_into_a_docker_archive_is_refused_with_its_code_before_anything_is_read()
    {
        using TempDirectory dir = new();

        CliResult result = CliRunner.Run("copy", "--all", "docker://127.0.0.1:1/none:v1", $"docker-archive:{dir.Combine("out.tar")}");

        result.ExitCode.Should().Be(2);
        result.StdErr.Should().Be($"Error: IMGFMT0310: \"docker-archive:{dir.Combine("out.tar")}\": cannot hold every platform of an index (--all); copy to docker://, oci: or oci-archive:, or pick one with --platform\n");
        File.Exists(dir.Combine("out.tar")).Should().BeFalse();
    }

    /// <summary>Collects reports on the reporting thread (<see cref="Progress{T}"/> would post them later).</summary>
    private sealed class SyncProgress(List<ImageProgress> reports) : IProgress<ImageProgress>
    {
        public void Report(ImageProgress value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }
}
