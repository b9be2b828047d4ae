using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Compression;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Archives;

public class ImageArchiveTests
{
    private const string HelloLatestId = "sha256:b09c12e7651a467ce036522e14a9a09c116b86b8fa99d152d66e4c9e7f75bda7";
    private const string HelloBaseId = "sha256:5571c1f386721bf1313f133ab61c9f448f40cd1a012742b7839133a5660efdc3";
    private const string BaseDiffId = "sha256:6db5840b9f3cdbd71e08d783a1f89c833f47943619ae1acf6cb0b35d3e065738";
    private const string GreetingDiffId = "sha256:5b367c4d1b91adac12ca4a1c63950e898cb6578734a946c54195aadc3a504e0e";

    private static string HelloTar => Path.Combine(RepoPaths.Samples, "hello.tar");

    [Fact]
    public void Legacy_docker_save_lists_both_images_with_tags_parent_and_diffids()
    {
        using ImageArchive archive = ImageArchive.OpenFile(HelloTar);

        archive.Dialect.Should().Be(ArchiveDialect.DockerManifest | ArchiveDialect.Repositories | ArchiveDialect.LegacyLayerDirectories);
        archive.Problems.Should().BeEmpty();
        archive.Images.Select(i => i.Id.Value).Should().Equal(HelloLatestId, HelloBaseId);
        ArchiveImage latest = archive.Images[0];
        latest.RepoTags.Should().Equal("hello:latest");
        latest.Parent.Should().Be(Digest.Parse(HelloBaseId));
        latest.Platform.Should().Be("linux/amd64");
        latest.Layers.Select(l => l.DiffId.Value).Should().Equal(BaseDiffId, GreetingDiffId);
        latest.Layers.Select(l => l.Entry).Should().Equal(
            "bac20b2c6f28038948b4e09a1c106a7126e7e1855b4ca8ecb5031c9bd0cf4938/layer.tar",
            "d5382533fef5dad712d809b085daf3f1748784d92f217510ced3888a2ab8d4f8/layer.tar");
        latest.Manifest.Should().BeNull();
        archive.Images[1].RepoTags.Should().Equal("hello:base");
        archive.Images[1].Parent.Should().BeNull();
    }

    [Fact]
    public void Shared_layer_written_as_relative_symlink_resolves_to_the_first_copy()
    {
        using ImageArchive archive = ImageArchive.OpenFile(HelloTar);

        ArchiveLayer baseLayer = archive.FindImage("hello:base").Layers.Single();
        baseLayer.Entry.Should().Be("62ed6481ad52a9a35abb6f1d0f36f5edf5788703bee5be4b4596048042090a29/layer.tar");
        baseLayer.ResolvedEntry.Should().Be("bac20b2c6f28038948b4e09a1c106a7126e7e1855b4ca8ecb5031c9bd0cf4938/layer.tar");
        baseLayer.Size.Should().Be(10240);
        using Stream content = baseLayer.OpenUncompressed();
        Digest.Compute(content).Value.Should().Be(BaseDiffId);
    }

    [Fact]
    public void Config_bytes_are_kept_exactly_and_hash_to_the_image_id()
    {
        using ImageArchive archive = ImageArchive.OpenFile(HelloTar);

        ArchiveImage image = archive.FindImage("hello:latest");
        image.ConfigEntry.Should().Be("b09c12e7651a467ce036522e14a9a09c116b86b8fa99d152d66e4c9e7f75bda7.json");
        Digest.Compute(image.Config.Bytes.Span).Value.Should().Be(HelloLatestId);
        image.Config.Value.Author.Should().Be("ImageFormat samples");
        image.Config.Value.Comment.Should().BeNull("Docker 20.10's commit records the message only in the history");
        image.Config.Value.History[^1].Comment.Should().Be("add /greeting");
    }

    [Theory]
    [InlineData("hello", HelloLatestId)]
    [InlineData("hello:latest", HelloLatestId)]
    [InlineData("docker.io/library/hello:base", HelloBaseId)]
    [InlineData("b09c12e7651a", HelloLatestId)]
    [InlineData("5571", HelloBaseId)]
    [InlineData(HelloBaseId, HelloBaseId)]
    [InlineData("5571c1f386721bf1313f133ab61c9f448f40cd1a012742b7839133a5660efdc3", HelloBaseId)]
    public void FindImage_accepts_tags_full_and_short_ids(string name, string expectedId)
    {
        using ImageArchive archive = ImageArchive.OpenFile(HelloTar);

        archive.FindImage(name).Id.Value.Should().Be(expectedId);
    }

    [Fact]
    public void FindImage_of_a_missing_name_lists_what_the_archive_holds()
    {
        using ImageArchive archive = ImageArchive.OpenFile(HelloTar);

        Action find = () => archive.FindImage("nope:1");
        find.Should().Throw<NotFoundException>().WithMessage("No such image: nope:1 (the archive holds b09c12e7651a hello:latest; 5571c1f38672 hello:base)");
    }

    [Fact]
    public void FindImage_without_a_name_in_a_two_image_archive_is_ambiguous()
    {
        using ImageArchive archive = ImageArchive.OpenFile(HelloTar);

        Action find = () => archive.FindImage(null);
        find.Should().Throw<AmbiguousNameException>().Which.Candidates.Should().Equal("b09c12e7651a hello:latest", "5571c1f38672 hello:base");
    }

    [Fact]
    public void Engine25_dual_format_reads_from_manifest_json_and_warns_about_null_manifests()
    {
        using ImageArchive archive = ImageArchive.OpenFile(RepoPaths.Fixture("hello-world-v25.tar"));

        archive.Dialect.Should().Be(ArchiveDialect.DockerManifest | ArchiveDialect.OciLayout);
        ArchiveImage image = archive.FindImage(null);
        image.Id.Value.Should().Be("sha256:ee301c921b8aadc002973b2e0c3da17d701dcd994b606769a7e6eaa100b81d44");
        image.RepoTags.Should().BeEmpty();
        image.Platform.Should().Be("linux/arm64");
        ArchiveLayer layer = image.Layers.Single();
        layer.DeclaredDigest!.Value.Value.Should().Be("sha256:12660636fe55438cc3ae7424da7ac56e845cdb52493ff9cf949c47a7f57f8b43");
        layer.DeclaredSize.Should().Be(10752);
        layer.MediaType.Should().Be("application/vnd.oci.image.layer.v1.tar");
        archive.Problems.Should().ContainSingle().Which.Should().Be(new ArchiveProblem(ProblemSeverity.Warning, ErrorCodes.InvalidDocument, "index.json",
            "\"manifests\" is null (written by Docker Engine 25.0.0 to 25.0.2); the images are read from manifest.json"));
    }

    [Fact]
    public void Pure_oci_archive_with_a_zstd_layer_reads_through_index_json()
    {
        using ImageArchive archive = ImageArchive.OpenFile(RepoPaths.Fixture("test-oci-zstd-image.tar"));

        archive.Dialect.Should().Be(ArchiveDialect.OciLayout);
        archive.Problems.Should().BeEmpty();
        ArchiveImage image = archive.FindImage(null);
        image.Id.Value.Should().Be("sha256:3eaccc100f866490f00ae82727b459a737af031dcf44c791d8aa714a70f24959");
        image.ManifestDigest!.Value.Value.Should().Be("sha256:f5e3515f39a16543547c03d03ec34faf9276742e6ce7c7dd6e467a14e90b29fc");
        ArchiveLayer layer = image.Layers.Single();
        layer.Compression.Should().Be(CompressionFormat.Zstd);
        using Stream tar = layer.OpenUncompressed();
        Digest.Compute(tar).Value.Should().Be("sha256:356d5e7f4012d87cb1078ac1f480e90528eec4940ce45c50380321436db38758");
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("bzip2")]
    [InlineData("zstd")]
    public void Whole_archive_compressed_is_detected_from_the_bytes_and_spooled(string tool)
    {
        string path = Peers.RequireTool(tool);
        using var temp = new TempDirectory();
        string compressed = Path.Combine(temp.Path, "hello.bin");
        ProcessRunner.RunToFile(path, ["-c", HelloTar], compressed).ExitCode.Should().Be(0);

        using ImageArchive archive = ImageArchive.OpenFile(compressed);

        archive.Compression.Should().Be(tool switch { "gzip" => CompressionFormat.Gzip, "bzip2" => CompressionFormat.Bzip2, _ => CompressionFormat.Zstd });
        archive.Spooled.Should().BeTrue();
        archive.Images.Select(i => i.Id.Value).Should().Equal(HelloLatestId, HelloBaseId);
        ArchiveVerifier.Verify(archive, TestContext.Current.CancellationToken).Problems.Should().BeEmpty();
    }

    [Fact]
    public void Xz_compressed_archive_is_refused_with_an_error_naming_xz()
    {
        string xz = Peers.RequireTool("xz");
        using var temp = new TempDirectory();
        string compressed = Path.Combine(temp.Path, "hello.tar.xz");
        ProcessRunner.RunToFile(xz, ["-c", HelloTar], compressed).ExitCode.Should().Be(0);

        Action open = () => ImageArchive.OpenFile(compressed).Dispose();

        open.Should().Throw<InvalidArchiveException>().Which.Message.Should().Contain("xz");
    }

    [Fact]
    public void Non_seekable_input_is_spooled_and_reads_the_same()
    {
        using var stream = new NonSeekableStream(File.ReadAllBytes(HelloTar));

        using ImageArchive archive = ImageArchive.OpenStream(stream, leaveOpen: false);

        archive.Spooled.Should().BeTrue();
        archive.Compression.Should().Be(CompressionFormat.None);
        archive.Images.Select(i => i.Id.Value).Should().Equal(HelloLatestId, HelloBaseId);
        using Stream layer = archive.Images[0].Layers[1].OpenUncompressed();
        Digest.Compute(layer).Value.Should().Be(GreetingDiffId);
    }

    [Fact]
    public void Indexing_an_uncompressed_file_reads_only_headers_and_documents()
    {
        using ImageArchive archive = ImageArchive.OpenFile(HelloTar);

        archive.Spooled.Should().BeFalse();

        // 17 headers of 512 bytes and the end-of-archive blocks, plus the small JSON documents read on purpose
        // afterwards (not counted here): the layers' 12 KiB are skipped by seeking.
        archive.BytesReadWhileIndexing.Should().BeLessThanOrEqualTo((17 * 512) + 1024);
    }

    [Fact]
    public void Oci_layout_directory_reads_like_the_archive()
    {
        string tar = Peers.RequireTool("tar");
        using var temp = new TempDirectory();
        ProcessRunner.Run(tar, ["-xf", RepoPaths.Fixture("test-oci-zstd-image.tar"), "-C", temp.Path]).ExitCode.Should().Be(0);

        using ImageArchive layout = ImageArchive.OpenLayout(temp.Path);

        layout.FindImage(null).Id.Value.Should().Be("sha256:3eaccc100f866490f00ae82727b459a737af031dcf44c791d8aa714a70f24959");
        ArchiveVerifier.Verify(layout, TestContext.Current.CancellationToken).Problems.Should().BeEmpty();
    }

    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;

        public override long Seek(long offset, SeekOrigin loc) => throw new NotSupportedException();

        public override long Position { get => base.Position; set => throw new NotSupportedException(); }

        public override long Length => throw new NotSupportedException();
    }
}
