using System.Text;
using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Archives.Writers;
using ImageFormat.Compression;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Images;
using ImageFormat.Layers;
using ImageFormat.Model;
using ImageFormat.References;
using ImageFormat.Store;
using ImageFormat.Tests.Archives;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Images;

public class ImageBuilderTests
{
    private static string Hello => RepoPaths.Sample("hello.tar");

    private static byte[] HelloLayer()
    {
        using var tar = new TarBuilder();
        return tar.File("hello", "hi from the builder\n").Build();
    }

    [Fact]
    public void Scratch_image_with_a_layer_and_config_changes_has_the_exact_config_json()
    {
        byte[] layer = HelloLayer();
        IContainerImage image = ImageBuilder.FromScratch()
            .AppendLayerBytes(layer, new HistoryEntry { Created = "2024-01-02T03:04:05Z", CreatedBy = "COPY hello /" })
            .SetEnv("PATH", "/bin")
            .SetEnv("PATH", "/usr/bin")
            .SetEnv("LANG", "C")
            .SetCmd(["/hello"])
            .SetEntrypoint(["/bin/sh", "-c"])
            .SetLabel("b", "2")
            .SetLabel("a", "1")
            .SetUser("1000")
            .SetWorkingDir("/app")
            .AddExposedPort("53/udp")
            .AddExposedPort("80")
            .AddHistory(new HistoryEntry { CreatedBy = "CMD [\"/hello\"]" })
            .SetCreated(new DateTimeOffset(2024, 1, 2, 3, 4, 5, 500, TimeSpan.FromHours(1)))
            .Build();

        Digest diffId = Digest.Compute(layer);
        Encoding.UTF8.GetString(image.Config.Bytes.Span).Should().Be(
            "{\"architecture\":\"amd64\",\"config\":{\"User\":\"1000\",\"ExposedPorts\":{\"53/udp\":{},\"80/tcp\":{}},"
            + "\"Env\":[\"PATH=/usr/bin\",\"LANG=C\"],\"Cmd\":[\"/hello\"],\"WorkingDir\":\"/app\",\"Entrypoint\":[\"/bin/sh\",\"-c\"],"
            + "\"Labels\":{\"a\":\"1\",\"b\":\"2\"}},\"created\":\"2024-01-02T02:04:05.5Z\","
            + "\"history\":[{\"created\":\"2024-01-02T03:04:05Z\",\"created_by\":\"COPY hello /\"},{\"created_by\":\"CMD [\\\"/hello\\\"]\",\"empty_layer\":true}],"
            + $"\"os\":\"linux\",\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[\"{diffId}\"]}}}}");
        image.Layers.Should().ContainSingle().Which.Digest.Should().Be(diffId);
        image.Layers[0].Size.Should().Be(layer.Length);
        image.Layers[0].MediaType.Should().Be(MediaTypes.OciLayer);
        image.ManifestMediaType.Should().Be(MediaTypes.OciManifest);
        Encoding.UTF8.GetString(image.Manifest.Bytes.Span).Should().Be(
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
            + $"\"config\":{{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"{image.Id}\",\"size\":{image.Config.Size}}},"
            + $"\"layers\":[{{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"{diffId}\",\"size\":{layer.Length}}}]}}");
    }

    [Fact]
    public void Appending_to_an_archive_image_references_its_layers_and_extends_diffids_and_history()
    {
        using ImageArchive archive = ImageArchive.OpenFile(Hello);
        ArchiveImage source = archive.FindImage("hello:latest");
        byte[] layer = HelloLayer();
        IContainerImage built = ImageBuilder.From(source).AppendLayerBytes(layer).Build();

        built.Layers.Should().HaveCount(3);
        built.Layers[0].Should().BeSameAs(source.Layers[0]);
        built.Layers[1].Should().BeSameAs(source.Layers[1]);
        StreamBytes.ReadAllAndDispose(built.Layers[1].OpenBlob()).Should().Equal(StreamBytes.ReadAllAndDispose(source.Layers[1].OpenStored()));
        built.GetDiffIds().Should().Equal([.. source.GetDiffIds(), Digest.Compute(layer)]);
        built.Config.Value.History.Should().Equal([.. source.Config.Value.History, new HistoryEntry()]);
        (built.Config.Value with { RootFs = source.Config.Value.RootFs, History = source.Config.Value.History }).Should().Be(source.Config.Value);
        built.GetChainIds().Take(2).Should().Equal(source.GetChainIds());
        ArchiveVerifier.VerifyImage(built, cancellationToken: TestContext.Current.CancellationToken).Problems.Should().BeEmpty();
    }

    [Fact]
    public void A_builder_with_no_change_gives_back_the_base_image()
    {
        using ImageArchive archive = ImageArchive.OpenFile(Hello);
        ArchiveImage source = archive.FindImage("hello:latest");
        ImageBuilder.From(source).Build().Should().BeSameAs(source);
    }

    [Fact]
    public void Raw_config_that_does_not_list_the_layers_is_refused()
    {
        using ImageArchive archive = ImageArchive.OpenFile(Hello);
        ArchiveImage source = archive.FindImage("hello:latest");
        Action build = () => ImageBuilder.From(source).AppendLayerBytes(HelloLayer()).SetRawConfig(source.Config.Bytes).Build();
        build.Should().Throw<InvalidDocumentException>().Which.Code.Should().Be(ErrorCodes.InvalidDocument);
    }

    [Fact]
    public void Built_image_round_trips_through_an_oci_layout_the_store_and_save()
    {
        using var temp = new TempDirectory();
        using ImageArchive archive = ImageArchive.OpenFile(Hello);
        IContainerImage built = ImageBuilder.From(archive.FindImage("hello:latest"))
            .AppendLayerBytes(HelloLayer())
            .SetCmd(["/hello"])
            .Build();

        ArchiveWriter.WriteLayout([built], temp.Combine("layout"));
        using ImageArchive layout = ImageArchive.OpenLayout(temp.Combine("layout"));
        using ImageStore store = ImageStore.CreateInMemory();
        LoadResult loaded = store.Load([new ImageToWrite(layout.Images.Single().Config, [.. layout.Images.Single().Layers.Select(LayerToWrite.From)]) { Tags = [ImageReference.Parse("built:1")] }]);
        loaded.ImageIds.Should().Equal(built.Id);
        loaded.Lines.Should().Equal("Loaded image: built:1");

        ArchiveWriter.WriteFile(store.ImagesToSave(["built:1"]), temp.Combine("saved.tar"));
        using ImageArchive saved = ImageArchive.OpenFile(temp.Combine("saved.tar"));
        IContainerImage again = saved.FindImage("built:1");
        again.Id.Should().Be(built.Id);
        again.ManifestDigest.Should().Be(built.ManifestDigest);
        again.Manifest.Bytes.ToArray().Should().Equal(built.Manifest.Bytes.ToArray());
        again.Config.Bytes.ToArray().Should().Equal(built.Config.Bytes.ToArray());
        StreamBytes.ReadAllAndDispose(again.Layers[2].OpenUncompressed()).Should().Equal(HelloLayer());
        store.OpenImage("built:1").ManifestDigest.Should().Be(built.ManifestDigest);
    }

    [Fact]
    public void Merged_tree_and_extraction_take_a_built_image()
    {
        using var temp = new TempDirectory();
        temp.WriteFile("tree/etc/app.conf", "answer=42\n"u8);
        using ImageArchive archive = ImageArchive.OpenFile(Hello);
        IImageLayer directoryLayer = LayerBuilder.CreateLayer(temp.Combine("tree"), new LayerBuildOptions { Compression = CompressionFormat.Gzip });
        IContainerImage built = ImageBuilder.From(archive.FindImage("hello:latest")).AppendLayer(directoryLayer).Build();

        directoryLayer.Compression.Should().Be(CompressionFormat.Gzip);
        built.Layers[2].MediaType.Should().Be(MediaTypes.OciLayerGzip);
        MergedTree tree = MergedTree.Build(built);
        StreamBytes.ReadAllAndDispose(tree.OpenFile("etc/app.conf")).Should().Equal("answer=42\n"u8.ToArray());
        StreamBytes.ReadAllAndDispose(tree.OpenFile("etc/motd")).Should().Equal("hello from imagefmt\n"u8.ToArray());

        LayerExtractor.ExtractImage(built, temp.Combine("root"));
        File.ReadAllText(temp.Combine("root", "etc", "app.conf")).Should().Be("answer=42\n");
        File.ReadAllText(temp.Combine("root", "greeting")).Should().Be("second layer\n");
    }
}
