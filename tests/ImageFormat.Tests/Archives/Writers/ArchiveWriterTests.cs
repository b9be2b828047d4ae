using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Archives.Writers;
using ImageFormat.Compression;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.References;
using ImageFormat.Tests.TestSupport;
using Xunit;
using static ImageFormat.Tests.Archives.Writers.WriterTestSupport;

namespace ImageFormat.Tests.Archives.Writers;

public class ArchiveWriterTests
{
    public static TheoryData<ArchiveFormat> TarFormats => [ArchiveFormat.Docker, ArchiveFormat.Legacy, ArchiveFormat.OciArchive];

    public static TheoryData<string, ArchiveFormat> InputsAndFormats()
    {
        var data = new TheoryData<string, ArchiveFormat>();
        foreach (string input in new[] { "hello.tar" }.Concat(BuiltArchives.Names).Concat(Fixtures.Select(Path.GetFileName))!)
        {
            foreach (ArchiveFormat format in Enum.GetValues<ArchiveFormat>())
            {
                data.Add(input!, format);
            }
        }

        return data;
    }

    private static string Input(string name) => name == "hello.tar" ? Hello
        : name.StartsWith("built-", StringComparison.Ordinal) ? BuiltArchives.PathOf(name)
        : RepoPaths.Fixture(name);

    [Fact]
    public void Legacy_write_of_hello_reproduces_dockers_manifest_repositories_and_entries()
    {
        using var temp = new TempDirectory();
        string output = temp.Combine("legacy.tar");
        Convert(Hello, output, ArchiveFormat.Legacy);

        ReadEntry(output, "manifest.json").Should().Equal(ReadEntry(Hello, "manifest.json"));
        ReadEntry(output, "repositories").Should().Equal(ReadEntry(Hello, "repositories"));
        List<Entry> ours = Entries(output);
        List<Entry> docker = Entries(Hello);
        ours.Select(e => (e.Name, e.Type, e.Link, e.Size)).Should().Equal(docker.Select(e => (e.Name, e.Type, e.Link, e.Size)));
        foreach (Entry entry in docker.Where(e => !e.Name.EndsWith('/') && e.Type == '0'))
        {
            ReadEntry(output, entry.Name).Should().Equal(ReadEntry(Hello, entry.Name), entry.Name);
        }

        // Docker stamps a directory whose layer.tar is a symlink with the wall clock; everything else matches it.
        string linked = "62ed6481ad52a9a35abb6f1d0f36f5edf5788703bee5be4b4596048042090a29/";
        ours.Where(e => !e.Name.StartsWith(linked, StringComparison.Ordinal)).Select(e => (e.Name, e.MTime))
            .Should().Equal(docker.Where(e => !e.Name.StartsWith(linked, StringComparison.Ordinal)).Select(e => (e.Name, e.MTime)));
        ours.Single(e => e.Name == linked).MTime.Should().Be(docker.Single(e => e.Name == "5571c1f386721bf1313f133ab61c9f448f40cd1a012742b7839133a5660efdc3.json").MTime);
    }

    [Theory]
    [MemberData(nameof(TarFormats))]
    public void Entries_are_owned_by_root_without_names_with_fixed_modes(ArchiveFormat format)
    {
        using var temp = new TempDirectory();
        string output = temp.Combine("out.tar");
        Convert(Hello, output, format);

        foreach (Entry entry in Entries(output))
        {
            (entry.Uid, entry.Gid, entry.UserName, entry.GroupName).Should().Be((0L, 0L, "", ""), entry.Name);
            entry.Mode.Should().Be(entry.Type switch { '5' => 0x1ED, '2' => 0x1FF, _ => 0x1A4 }, entry.Name);
        }
    }

    [Fact]
    public void Docker_format_writes_the_engine_25_layout_for_hello()
    {
        using var temp = new TempDirectory();
        string output = temp.Combine("docker.tar");
        Convert(Hello, output, ArchiveFormat.Docker);

        Entries(output).Select(e => e.Name).Should().Equal(
            "blobs/", "blobs/sha256/",
            "blobs/sha256/5571c1f386721bf1313f133ab61c9f448f40cd1a012742b7839133a5660efdc3",
            "blobs/sha256/5b367c4d1b91adac12ca4a1c63950e898cb6578734a946c54195aadc3a504e0e",
            "blobs/sha256/6db5840b9f3cdbd71e08d783a1f89c833f47943619ae1acf6cb0b35d3e065738",
            "blobs/sha256/7bc4c3ad385def342dfde9426d12e3de61e07d1df04634deb9e8a9a7435145a2",
            "blobs/sha256/9a5e004f8dad591a3e06b9e9a00814d40a4bef5c111a01d60af8d500db0c0193",
            "blobs/sha256/b09c12e7651a467ce036522e14a9a09c116b86b8fa99d152d66e4c9e7f75bda7",
            "index.json", "manifest.json", "oci-layout", "repositories");
        System.Text.Encoding.UTF8.GetString(ReadEntry(output, "oci-layout")).Should().Be("{\"imageLayoutVersion\": \"1.0.0\"}");
        System.Text.Encoding.UTF8.GetString(ReadEntry(output, "repositories")).Should().Be(
            "{\"hello\":{\"base\":\"6db5840b9f3cdbd71e08d783a1f89c833f47943619ae1acf6cb0b35d3e065738\",\"latest\":\"5b367c4d1b91adac12ca4a1c63950e898cb6578734a946c54195aadc3a504e0e\"}}\n");
        System.Text.Encoding.UTF8.GetString(ReadEntry(output, "index.json")).Should().Be(
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
            + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:7bc4c3ad385def342dfde9426d12e3de61e07d1df04634deb9e8a9a7435145a2\",\"size\":549,"
            + "\"annotations\":{\"io.containerd.image.name\":\"docker.io/library/hello:latest\",\"org.opencontainers.image.ref.name\":\"latest\"},\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
            + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:9a5e004f8dad591a3e06b9e9a00814d40a4bef5c111a01d60af8d500db0c0193\",\"size\":398,"
            + "\"annotations\":{\"io.containerd.image.name\":\"docker.io/library/hello:base\",\"org.opencontainers.image.ref.name\":\"base\"},\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}");

        using ImageArchive written = ImageArchive.OpenFile(output);
        ArchiveImage latest = written.FindImage("hello:latest");
        latest.Parent.Should().Be(Digest.Parse("sha256:5571c1f386721bf1313f133ab61c9f448f40cd1a012742b7839133a5660efdc3"));
        written.DockerManifest!.Value[0].LayerSources!.Keys.Should().Equal(latest.Layers.Select(l => l.DiffId).Order());
    }

    [Theory]
    [InlineData("built-engine25.tar")]
    [InlineData("hello-world-v25.tar")]
    public void Untagged_image_gets_an_index_descriptor_without_names_and_null_RepoTags(string input)
    {
        using var temp = new TempDirectory();
        string output = temp.Combine("out.tar");
        Convert(Input(input), output, ArchiveFormat.Docker);

        using ImageArchive written = ImageArchive.OpenFile(output);
        written.Index!.Value.Manifests.Should().ContainSingle().Which.Annotations.Should().BeNull();
        System.Text.Encoding.UTF8.GetString(ReadEntry(output, "manifest.json")).Should().Contain("\"RepoTags\":null");
        Entries(output).Select(e => e.Name).Should().NotContain("repositories");
    }

    [Theory]
    [MemberData(nameof(InputsAndFormats))]
    public void Round_trip_keeps_every_id_tag_diffid_and_stored_digest(string input, ArchiveFormat format)
    {
        using var temp = new TempDirectory();
        string output = temp.Combine(format == ArchiveFormat.OciLayout ? "layout" : "out.tar");
        Convert(Input(input), output, format);

        using ImageArchive original = ImageArchive.OpenFile(Input(input));
        using ImageArchive written = Open(output);
        ShouldBeValid(written);
        Identities(written).Should().Equal(Identities(original));
        foreach (ArchiveImage image in original.Images)
        {
            ArchiveImage copy = written.Images.Single(i => i.Id == image.Id);
            copy.Parent.Should().Be(format is ArchiveFormat.Docker or ArchiveFormat.Legacy ? image.Parent : null);
            if (format != ArchiveFormat.Legacy)
            {
                copy.Layers.Select(l => LayerToWrite.FromArchive(l).Digest).Should().Equal(image.Layers.Select(l => LayerToWrite.FromArchive(l).Digest));
                if (image.Manifest is not null)
                {
                    copy.ManifestDigest.Should().Be(image.ManifestDigest);
                }
            }
        }
    }

    [Theory]
    [InlineData(CompressionFormat.Gzip, "built-buildkit-zstd.tar")]
    [InlineData(CompressionFormat.Zstd, "built-buildkit-zstd.tar")]
    [InlineData(CompressionFormat.None, "built-buildkit-zstd.tar")]
    [InlineData(CompressionFormat.Gzip, "test-oci-zstd-image.tar")]
    [InlineData(CompressionFormat.Zstd, "test-oci-zstd-image.tar")]
    [InlineData(CompressionFormat.None, "test-oci-zstd-image.tar")]
    public void Recompressing_changes_layer_digests_and_keeps_diffids(CompressionFormat compression, string name)
    {
        using var temp = new TempDirectory();
        string input = Input(name);
        string output = temp.Combine("out.tar");
        Convert(Hello, temp.Combine("hello.tar"), ArchiveFormat.Docker, compression);
        Convert(input, output, ArchiveFormat.Docker, compression);

        foreach (string path in new[] { output, temp.Combine("hello.tar") })
        {
            using ImageArchive written = ImageArchive.OpenFile(path);
            ShouldBeValid(written);
            foreach (ArchiveLayer layer in written.Images.SelectMany(i => i.Layers))
            {
                layer.Compression.Should().Be(compression);
                layer.MediaType.Should().Be(ArchiveWriter.OciLayerMediaType(compression));
            }
        }

        using ImageArchive original = ImageArchive.OpenFile(input);
        using ImageArchive recompressed = ImageArchive.OpenFile(output);
        Identities(recompressed).Should().Equal(Identities(original));
    }

    [Fact]
    public void Recompressing_to_gzip_gives_gos_bytes_for_the_hello_layers()
    {
        using var temp = new TempDirectory();
        string output = temp.Combine("out.tar");
        Convert(Hello, output, ArchiveFormat.OciArchive, CompressionFormat.Gzip);

        using ImageArchive written = ImageArchive.OpenFile(output);
        foreach (ArchiveLayer layer in written.Images.SelectMany(i => i.Layers))
        {
            using Stream stored = layer.OpenStored();
            using var expected = new MemoryStream();
            using (Stream gzip = Compressor.Open(expected, CompressionFormat.Gzip, null, leaveOpen: true))
            {
                using Stream plain = layer.OpenUncompressed();
                plain.CopyTo(gzip);
            }

            layer.DeclaredDigest.Should().Be(Digest.Compute(expected.ToArray()));
        }
    }

    [Theory]
    [MemberData(nameof(TarFormats))]
    public void Writing_twice_with_shuffled_input_order_of_the_same_images_gives_identical_bytes_and_a_non_seekable_stream_works(ArchiveFormat format)
    {
        using ImageArchive archive = ImageArchive.OpenFile(Hello);
        ImageToWrite[] images = [.. archive.Images.Select(ImageToWrite.FromArchive)];
        var first = new NonSeekableStream();
        ArchiveWriter.Write(images, first, new ArchiveWriterOptions { Format = format });
        var second = new MemoryStream();
        ArchiveWriter.Write(images, second, new ArchiveWriterOptions { Format = format, MaxParallelism = 1 });
        first.ToArray().Should().Equal(second.ToArray());
    }

    [Fact]
    public void The_same_image_given_twice_is_written_once_with_both_tags()
    {
        using ImageArchive archive = ImageArchive.OpenFile(Hello);
        ImageToWrite image = ImageToWrite.FromArchive(archive.FindImage("hello:base"));
        ImageToWrite again = new(image.Config, image.Layers) { Tags = [ImageReference.Parse("example.com/other:v1")] };
        using var output = new MemoryStream();
        ArchiveWriter.Write([image, again], output, new ArchiveWriterOptions { Format = ArchiveFormat.Legacy });

        output.Position = 0;
        using ImageArchive written = ImageArchive.OpenStream(output, leaveOpen: true);
        written.Images.Should().ContainSingle().Which.RepoTags.Should().Equal("hello:base", "example.com/other:v1");
    }

    [Fact]
    public void A_tag_given_for_two_images_is_refused()
    {
        using ImageArchive archive = ImageArchive.OpenFile(Hello);
        ImageToWrite a = ImageToWrite.FromArchive(archive.FindImage("hello:base"));
        ImageToWrite b = ImageToWrite.FromArchive(archive.FindImage("hello:latest"));
        ImageToWrite clash = new(a.Config, a.Layers) { Tags = [ImageReference.Parse("hello")] };
        Action write = () => ArchiveWriter.Write([b, clash], new MemoryStream());
        write.Should().Throw<ArgumentException>().WithMessage("Tag \"hello:latest\" is given for two images, b09c12e7651a and 5571c1f38672.*");
    }

    [Fact]
    public void Empty_input_and_recompressing_legacy_layers_are_refused()
    {
        Action none = () => ArchiveWriter.Write([], new MemoryStream());
        none.Should().Throw<ArgumentException>().WithMessage("At least one image must be written.*");
        using ImageArchive archive = ImageArchive.OpenFile(Hello);
        Action legacyGzip = () => ArchiveWriter.Write(archive.Images.Select(ImageToWrite.FromArchive), new MemoryStream(),
            new ArchiveWriterOptions { Format = ArchiveFormat.Legacy, LayerCompression = CompressionFormat.Gzip });
        legacyGzip.Should().Throw<ArgumentException>().WithMessage("The legacy format stores uncompressed layers; it cannot recompress them.*");
    }

    [Fact]
    public void Layers_that_do_not_match_their_config_are_refused()
    {
        using ImageArchive archive = ImageArchive.OpenFile(Hello);
        ImageToWrite latest = ImageToWrite.FromArchive(archive.FindImage("hello:latest"));
        Action build = () => _ = new ImageToWrite(latest.Config, [latest.Layers[1], latest.Layers[0]]);
        build.Should().Throw<InvalidDocumentException>().Which.Message.Should().Contain("rootfs.diff_ids[0] is sha256:6db5840b9f3cdbd71e08d783a1f89c833f47943619ae1acf6cb0b35d3e065738 but layer 0 has DiffID sha256:5b367c4d1b91adac12ca4a1c63950e898cb6578734a946c54195aadc3a504e0e");
    }

    [Theory]
    [InlineData(ArchiveFormat.Docker)]
    [InlineData(ArchiveFormat.Legacy)]
    public void A_corrupt_layer_fails_the_write_and_leaves_neither_target_nor_temp_file(ArchiveFormat format)
    {
        using var temp = new TempDirectory();
        using ImageArchive archive = ImageArchive.OpenFile(Hello);
        ImageToWrite good = ImageToWrite.FromArchive(archive.FindImage("hello:base"));
        LayerToWrite layer = good.Layers[0];
        byte[] bytes;
        using (Stream s = layer.OpenStored())
        {
            bytes = new byte[layer.Size];
            s.ReadExactly(bytes);
        }

        bytes[600] ^= 1;
        var corrupt = new LayerToWrite(() => new MemoryStream(bytes), layer.Digest, layer.Size, layer.DiffId, CompressionFormat.None);
        string target = temp.Combine("out.tar");
        Action write = () => ArchiveWriter.WriteFile([new ImageToWrite(good.Config, [corrupt])], target, new ArchiveWriterOptions { Format = format });

        write.Should().Throw<DigestMismatchException>().Which.Code.Should().Be(ErrorCodes.DigestMismatch);
        Directory.GetFileSystemEntries(temp.Path).Should().BeEmpty();
    }

    [Fact]
    public void Recompressing_a_corrupt_layer_reports_the_diffid_mismatch()
    {
        using ImageArchive archive = ImageArchive.OpenFile(Hello);
        ImageToWrite good = ImageToWrite.FromArchive(archive.FindImage("hello:base"));
        LayerToWrite layer = good.Layers[0];
        byte[] bytes = new byte[layer.Size];
        using (Stream s = layer.OpenStored())
        {
            s.ReadExactly(bytes);
        }

        bytes[600] ^= 1;
        Digest corruptDigest = Digest.Compute(bytes);
        var corrupt = new LayerToWrite(() => new MemoryStream(bytes), corruptDigest, layer.Size, layer.DiffId, CompressionFormat.None);
        Action write = () => ArchiveWriter.Write([new ImageToWrite(good.Config, [corrupt])], new MemoryStream(), new ArchiveWriterOptions { LayerCompression = CompressionFormat.Gzip });

        write.Should().Throw<DigestMismatchException>().WithMessage($"uncompressed layer {corruptDigest}: digest mismatch: expected {layer.DiffId}, found {corruptDigest}");
    }

    [Fact]
    public void Layout_replaces_a_blob_of_the_right_size_with_wrong_content_and_keeps_a_good_one()
    {
        using var temp = new TempDirectory();
        string layout = temp.Combine("layout");
        Convert(Hello, layout, ArchiveFormat.OciLayout);
        string layerBlob = Path.Combine(layout, "blobs", "sha256", "6db5840b9f3cdbd71e08d783a1f89c833f47943619ae1acf6cb0b35d3e065738");
        string configBlob = Path.Combine(layout, "blobs", "sha256", "5571c1f386721bf1313f133ab61c9f448f40cd1a012742b7839133a5660efdc3");
        File.WriteAllBytes(layerBlob, new byte[10240]);
        DateTime kept = new(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(configBlob, kept);

        Convert(Hello, layout, ArchiveFormat.OciLayout);

        Digest.Compute(File.ReadAllBytes(layerBlob)).Encoded.Should().Be("6db5840b9f3cdbd71e08d783a1f89c833f47943619ae1acf6cb0b35d3e065738");
        File.GetLastWriteTimeUtc(configBlob).Should().Be(kept);
        Directory.GetFiles(layout, "*.tmp", SearchOption.AllDirectories).Should().BeEmpty();
        using ImageArchive written = ImageArchive.OpenLayout(layout);
        ShouldBeValid(written);
    }

    [Fact]
    public void Layout_writes_the_same_files_as_the_oci_archive()
    {
        using var temp = new TempDirectory();
        string layout = temp.Combine("layout");
        string tar = temp.Combine("oci.tar");
        Convert(Hello, layout, ArchiveFormat.OciLayout);
        Convert(Hello, tar, ArchiveFormat.OciArchive);

        foreach (Entry entry in Entries(tar).Where(e => e.Type == '0'))
        {
            File.ReadAllBytes(Path.Combine(layout, entry.Name)).Should().Equal(ReadEntry(tar, entry.Name), entry.Name);
        }

        Directory.GetFiles(layout, "*", SearchOption.AllDirectories).Should().HaveCount(Entries(tar).Count(e => e.Type == '0'));
    }

    private sealed class NonSeekableStream : MemoryStream
    {
        public override bool CanSeek => false;

        public override long Seek(long offset, SeekOrigin loc) => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    }
}
