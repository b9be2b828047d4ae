using FluentAssertions;
using ImageFormat.Digests;
using ImageFormat.Model;
using Xunit;
using static ImageFormat.Tests.Model.ModelTestData;

namespace ImageFormat.Tests.Model;

/// <summary>Documents written by real tools (see TestData/README.md), parsed field by field.</summary>
public class RealDocumentTests
{
    [Theory]
    [InlineData("hello-world-v25.tar", "index.json", "v25-index.json")]
    [InlineData("hello-world-v25.tar", "manifest.json", "v25-manifest.json")]
    [InlineData("hello-world-v25.tar", "oci-layout", "v25-oci-layout")]
    [InlineData("hello-world-v25.tar", "blobs/sha256/411caf340c828657e915a83ed561a79d2b8150dabad4dc079d881cbfe6f86afe", "v25-image-manifest.json")]
    [InlineData("hello-world-v25.tar", "blobs/sha256/ee301c921b8aadc002973b2e0c3da17d701dcd994b606769a7e6eaa100b81d44", "v25-config.json")]
    [InlineData("test-oci-zstd-image.tar", "index.json", "zstd-index.json")]
    [InlineData("test-oci-zstd-image.tar", "oci-layout", "zstd-oci-layout")]
    [InlineData("test-oci-zstd-image.tar", "blobs/sha256/f5e3515f39a16543547c03d03ec34faf9276742e6ce7c7dd6e467a14e90b29fc", "zstd-image-manifest.json")]
    [InlineData("test-oci-zstd-image.tar", "blobs/sha256/3eaccc100f866490f00ae82727b459a737af031dcf44c791d8aa714a70f24959", "zstd-config.json")]
    [InlineData("whiteout_image.tar", "manifest.json", "whiteout-manifest.json")]
    [InlineData("whiteout_image.tar", "repositories", "whiteout-repositories")]
    [InlineData("whiteout_image.tar", "decb630649c3e1256345d416b228d6c3ceb387a55120ad44dc3ec992976d28b9.json", "whiteout-config.json")]
    [InlineData("samples/hello.tar", "manifest.json", "hello-manifest.json")]
    [InlineData("samples/hello.tar", "repositories", "hello-repositories")]
    [InlineData("samples/hello.tar", "b09c12e7651a467ce036522e14a9a09c116b86b8fa99d152d66e4c9e7f75bda7.json", "hello-latest-config.json")]
    [InlineData("samples/hello.tar", "5571c1f386721bf1313f133ab61c9f448f40cd1a012742b7839133a5660efdc3.json", "hello-base-config.json")]
    public void Checked_in_documents_are_the_exact_bytes_of_the_real_archives(string archive, string entry, string file)
    {
        string tar;
        if (archive.StartsWith("samples/", StringComparison.Ordinal))
        {
            tar = Path.Combine(RepoRoot(), archive);
        }
        else
        {
            tar = TestSupport.RepoPaths.Fixture(archive);
        }

        Read(file).Should().Equal(ReadTarEntry(tar, entry));
    }

    [Fact]
    public void Docker_25_index_with_null_manifests_reads_as_empty_and_says_so()
    {
        RawDocument<ImageIndex> doc = ImageDocuments.ParseIndex(Read("v25-index.json"), "index.json");

        doc.Value.SchemaVersion.Should().Be(2);
        doc.Value.MediaType.Should().Be(MediaTypes.OciIndex);
        doc.Value.Manifests.Should().BeEmpty();
        doc.Value.ManifestsWasNull.Should().BeTrue();
        doc.Digest.Value.Should().Be("sha256:529c6ab77d3c1159e2561b2ba2d8e2c77ec4808905c4209a6692811e5f9e34b1");
        doc.Size.Should().Be(90);
    }

    [Fact]
    public void Docker_25_index_serialises_back_to_its_exact_bytes_including_the_null()
    {
        RawDocument<ImageIndex> doc = ImageDocuments.ParseIndex(Read("v25-index.json"), "index.json");

        ImageDocuments.Serialize(doc.Value).Should().Equal(Read("v25-index.json"));
    }

    [Fact]
    public void Docker_25_archive_manifest_has_null_repo_tags_and_layer_sources()
    {
        RawDocument<IReadOnlyList<DockerArchiveManifestEntry>> doc = ImageDocuments.ParseArchiveManifest(Read("v25-manifest.json"), "manifest.json");

        DockerArchiveManifestEntry entry = doc.Value.Should().ContainSingle().Subject;
        entry.Config.Should().Be("blobs/sha256/ee301c921b8aadc002973b2e0c3da17d701dcd994b606769a7e6eaa100b81d44");
        entry.RepoTags.Should().BeNull();
        entry.Layers.Should().Equal("blobs/sha256/12660636fe55438cc3ae7424da7ac56e845cdb52493ff9cf949c47a7f57f8b43");
        entry.Parent.Should().BeNull();
        Digest layer = Digest.Parse("sha256:12660636fe55438cc3ae7424da7ac56e845cdb52493ff9cf949c47a7f57f8b43");
        Descriptor source = entry.LayerSources.Should().ContainSingle().Subject.Value;
        entry.LayerSources!.Keys.Should().Equal(layer);
        source.MediaType.Should().Be(MediaTypes.OciLayer);
        source.Size.Should().Be(10752);
        source.Digest.Should().Be(layer);
        doc.Digest.Value.Should().Be("sha256:f023d8418e5202ea270d00f3d63ea2c1158d58948a6542a26fe58e6d0acd1ffc");
    }

    [Fact]
    public void Docker_25_image_manifest_digest_is_its_blob_name()
    {
        RawDocument<ImageManifest> doc = ImageDocuments.ParseManifest(Read("v25-image-manifest.json"), "blobs/sha256/411caf34");

        doc.Digest.Value.Should().Be("sha256:411caf340c828657e915a83ed561a79d2b8150dabad4dc079d881cbfe6f86afe");
        doc.Size.Should().Be(447);
        doc.Value.MediaType.Should().Be(MediaTypes.OciManifest);
        doc.Value.Config.MediaType.Should().Be(MediaTypes.OciConfig);
        doc.Value.Config.Digest.Value.Should().Be("sha256:ee301c921b8aadc002973b2e0c3da17d701dcd994b606769a7e6eaa100b81d44");
        doc.Value.Config.Size.Should().Be(581);
        doc.Value.Config.Platform!.ToString().Should().Be("linux/arm64");
        doc.Value.Layers.Should().ContainSingle().Which.Size.Should().Be(10752);
        ImageDocuments.Serialize(doc.Value).Should().Equal(Read("v25-image-manifest.json"));
    }

    [Fact]
    public void Docker_25_config_digest_is_its_blob_name_and_fields_are_exact()
    {
        RawDocument<ImageConfig> doc = ImageDocuments.ParseConfig(Read("v25-config.json"), "config");
        ImageConfig c = doc.Value;

        doc.Digest.Value.Should().Be("sha256:ee301c921b8aadc002973b2e0c3da17d701dcd994b606769a7e6eaa100b81d44");
        c.Architecture.Should().Be("arm64");
        c.Os.Should().Be("linux");
        c.Created.Should().Be("2023-05-02T16:49:27Z");
        c.CreatedTime.Should().Be(new DateTimeOffset(2023, 5, 2, 16, 49, 27, TimeSpan.Zero));
        c.Config!.Env.Should().Equal("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        c.Config.Cmd.Should().Equal("/hello");
        c.Config.WorkingDir.Should().Be("/");
        c.Config.ArgsEscaped.Should().BeTrue();
        c.Config.OnBuild.Should().BeNull();
        c.RootFs.Type.Should().Be("layers");
        c.RootFs.DiffIds.Should().Equal(Digest.Parse("sha256:12660636fe55438cc3ae7424da7ac56e845cdb52493ff9cf949c47a7f57f8b43"));
        c.History.Should().HaveCount(2);
        c.History[0].CreatedBy.Should().Be("COPY hello / # buildkit");
        c.History[0].EmptyLayer.Should().BeNull();
        c.History[1].CreatedBy.Should().Be("CMD [\"/hello\"]");
        c.History[1].Comment.Should().Be("buildkit.dockerfile.v0");
        c.History[1].EmptyLayer.Should().BeTrue();
        c.AdditionalFields.Should().BeNull();
    }

    [Fact]
    public void Oci_layout_headers_parse_with_and_without_a_space()
    {
        ImageDocuments.ParseOciLayout(Read("v25-oci-layout"), "oci-layout").Value.ImageLayoutVersion.Should().Be("1.0.0");
        ImageDocuments.ParseOciLayout(Read("zstd-oci-layout"), "oci-layout").Value.ImageLayoutVersion.Should().Be("1.0.0");
        ImageDocuments.Serialize(ImageDocuments.ParseOciLayout(Read("zstd-oci-layout"), "oci-layout").Value)
            .Should().Equal(Read("zstd-oci-layout"));
    }

    [Fact]
    public void BuildKit_index_names_the_zstd_manifest_with_platform_and_annotation()
    {
        RawDocument<ImageIndex> doc = ImageDocuments.ParseIndex(Read("zstd-index.json"), "index.json");

        doc.Value.ManifestsWasNull.Should().BeFalse();
        Descriptor m = doc.Value.Manifests.Should().ContainSingle().Subject;
        m.MediaType.Should().Be(MediaTypes.OciManifest);
        m.Digest.Value.Should().Be("sha256:f5e3515f39a16543547c03d03ec34faf9276742e6ce7c7dd6e467a14e90b29fc");
        m.Size.Should().Be(477);
        m.GetAnnotation("org.opencontainers.image.created").Should().Be("2025-01-26T22:05:43Z");
        m.Platform!.Architecture.Should().Be("arm64");
        m.Platform.Os.Should().Be("linux");
        doc.Digest.Value.Should().Be("sha256:4628826241775327105af1e57a61d75b1912123fecb1101cda5296ae1b5f3033");
    }

    [Fact]
    public void BuildKit_indented_manifest_keeps_its_raw_bytes_and_digest()
    {
        byte[] bytes = Read("zstd-image-manifest.json");
        RawDocument<ImageManifest> doc = ImageDocuments.ParseManifest(bytes, "manifest");

        doc.Bytes.ToArray().Should().Equal(bytes);
        doc.Digest.Value.Should().Be("sha256:f5e3515f39a16543547c03d03ec34faf9276742e6ce7c7dd6e467a14e90b29fc");
        Descriptor layer = doc.Value.Layers.Should().ContainSingle().Subject;
        layer.MediaType.Should().Be(MediaTypes.OciLayerZstd);
        MediaTypes.TryGetLayerCompression(layer.MediaType, out LayerCompression compression).Should().BeTrue();
        compression.Should().Be(LayerCompression.Zstd);
        layer.Size.Should().Be(4314);
        doc.Value.Config.Digest.Value.Should().Be("sha256:3eaccc100f866490f00ae82727b459a737af031dcf44c791d8aa714a70f24959");
    }

    [Fact]
    public void BuildKit_config_keeps_nanosecond_created_text_with_offset()
    {
        RawDocument<ImageConfig> doc = ImageDocuments.ParseConfig(Read("zstd-config.json"), "config");

        doc.Digest.Value.Should().Be("sha256:3eaccc100f866490f00ae82727b459a737af031dcf44c791d8aa714a70f24959");
        doc.Value.Created.Should().Be("2025-01-26T22:54:00.500849935+01:00");
        doc.Value.CreatedTime.Should().Be(new DateTimeOffset(2025, 1, 26, 22, 54, 0, TimeSpan.FromHours(1)).AddTicks(5008499));
        doc.Value.RootFs.DiffIds.Should().Equal(Digest.Parse("sha256:356d5e7f4012d87cb1078ac1f480e90528eec4940ce45c50380321436db38758"));
        ImageDocuments.Serialize(doc.Value).Should().Equal(Read("zstd-config.json"));
    }

    [Fact]
    public void Bazel_archive_manifest_and_repositories_parse()
    {
        DockerArchiveManifestEntry entry = ImageDocuments.ParseArchiveManifest(Read("whiteout-manifest.json"), "manifest.json").Value.Should().ContainSingle().Subject;
        entry.Config.Should().Be("decb630649c3e1256345d416b228d6c3ceb387a55120ad44dc3ec992976d28b9.json");
        entry.RepoTags.Should().Equal("bazel/pkg/v1/mutate:whiteout_image");
        entry.Layers.Should().HaveCount(3);
        entry.Layers[2].Should().Be("9c974b5759fc644ca0e9f30966a6a1007bd4f77388523e2b625a4bc7dfa9281e/layer.tar");
        entry.LayerSources.Should().BeNull();

        var repositories = ImageDocuments.ParseRepositories(Read("whiteout-repositories"), "repositories").Value;
        repositories.Keys.Should().Equal("bazel/pkg/v1/mutate");
        repositories["bazel/pkg/v1/mutate"]["whiteout_image"].Should().Be("9c974b5759fc644ca0e9f30966a6a1007bd4f77388523e2b625a4bc7dfa9281e");
    }

    [Fact]
    public void Bazel_config_digest_is_its_file_name()
    {
        RawDocument<ImageConfig> doc = ImageDocuments.ParseConfig(Read("whiteout-config.json"), "decb6306.json");

        doc.Digest.Value.Should().Be("sha256:decb630649c3e1256345d416b228d6c3ceb387a55120ad44dc3ec992976d28b9");
        doc.Value.Author.Should().Be("Bazel");
        doc.Value.Config.Should().Be(new ContainerConfig());
        doc.Value.History.Should().HaveCount(3).And.OnlyContain(h => h.Author == "Bazel" && h.CreatedBy == "bazel build ...");
        doc.Value.RootFs.DiffIds.Should().HaveCount(3);
        doc.Value.CreatedTime.Should().Be(DateTimeOffset.UnixEpoch);
    }

    [Fact]
    public void Docker_20_10_archive_manifest_has_parent_link_and_serialises_back_to_its_bytes()
    {
        IReadOnlyList<DockerArchiveManifestEntry> entries = ImageDocuments.ParseArchiveManifest(Read("hello-manifest.json"), "manifest.json").Value;

        entries.Should().HaveCount(2);
        entries[0].Config.Should().Be("b09c12e7651a467ce036522e14a9a09c116b86b8fa99d152d66e4c9e7f75bda7.json");
        entries[0].RepoTags.Should().Equal("hello:latest");
        entries[0].Parent.Should().Be(Digest.Parse("sha256:5571c1f386721bf1313f133ab61c9f448f40cd1a012742b7839133a5660efdc3"));
        entries[1].RepoTags.Should().Equal("hello:base");
        entries[1].Parent.Should().BeNull();
        // Docker writes manifest.json with json.Encoder, which ends the document with a newline.
        ImageDocuments.SerializeArchiveManifest(entries).Append((byte)'\n').Should().Equal(Read("hello-manifest.json"));
    }

    [Fact]
    public void Docker_20_10_repositories_serialise_back_to_their_exact_bytes_less_the_encoder_newline()
    {
        var doc = ImageDocuments.ParseRepositories(Read("hello-repositories"), "repositories");

        doc.Value["hello"]["base"].Should().Be("62ed6481ad52a9a35abb6f1d0f36f5edf5788703bee5be4b4596048042090a29");
        doc.Value["hello"]["latest"].Should().Be("d5382533fef5dad712d809b085daf3f1748784d92f217510ced3888a2ab8d4f8");
        ImageDocuments.SerializeRepositories(doc.Value).Append((byte)'\n').Should().Equal(Read("hello-repositories"));
    }

    [Theory]
    [InlineData("hello-latest-config.json", "sha256:b09c12e7651a467ce036522e14a9a09c116b86b8fa99d152d66e4c9e7f75bda7")]
    [InlineData("hello-base-config.json", "sha256:5571c1f386721bf1313f133ab61c9f448f40cd1a012742b7839133a5660efdc3")]
    public void Docker_20_10_config_digest_is_the_image_id(string file, string imageId)
    {
        ImageDocuments.ParseConfig(Read(file), file).Digest.Value.Should().Be(imageId);
    }

    [Fact]
    public void Docker_20_10_committed_config_has_container_fields_and_history()
    {
        ImageConfig c = ImageDocuments.ParseConfig(Read("hello-latest-config.json"), "config").Value;

        c.Author.Should().Be("ImageFormat samples");
        c.Container.Should().Be("293203adaa279d95a0d530bd63ba5cca6c40874551fbe2774c899334781eda56");
        c.DockerVersion.Should().Be("20.10.24+dfsg1");
        c.Created.Should().Be("2026-11-27T22:48:51.27236017Z");
        c.ContainerConfig!.Hostname.Should().Be("293203adaa27");
        c.ContainerConfig.AttachStdout.Should().BeTrue();
        c.ContainerConfig.AttachStdin.Should().BeFalse();
        c.ContainerConfig.Image.Should().Be("hello:base");
        c.ContainerConfig.Labels.Should().BeEmpty();
        c.ContainerConfig.Env.Should().BeNull();
        c.Config!.Cmd.Should().Equal("/bin/true");
        c.History.Should().HaveCount(2);
        c.History[1].Author.Should().Be("ImageFormat samples");
        c.History[1].CreatedBy.Should().Be("/bin/true");
        c.History[1].Comment.Should().Be("add /greeting");
        c.RootFs.DiffIds.Select(d => d.Value).Should().Equal(
            "sha256:6db5840b9f3cdbd71e08d783a1f89c833f47943619ae1acf6cb0b35d3e065738",
            "sha256:5b367c4d1b91adac12ca4a1c63950e898cb6578734a946c54195aadc3a504e0e");
    }

    [Theory]
    [InlineData("v25-image-manifest.json", false)]
    [InlineData("zstd-image-manifest.json", false)]
    [InlineData("zstd-index.json", true)]
    [InlineData("v25-index.json", true)]
    public void ParseManifestOrIndex_dispatches_on_media_type(string file, bool isIndex)
    {
        ManifestOrIndex doc = ImageDocuments.ParseManifestOrIndex(Read(file), file);

        doc.IsIndex.Should().Be(isIndex);
        (doc.Manifest is null).Should().Be(isIndex);
        doc.Digest.Should().Be(Digest.Compute(Read(file)));
        doc.Bytes.ToArray().Should().Equal(Read(file));
    }
}
