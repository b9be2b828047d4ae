using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Archives.Writers;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Images;
using ImageFormat.Model;
using ImageFormat.Store;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Images;

/// <summary>The same image read through every implementation of <see cref="IContainerImage"/>.</summary>
public class ImageSourceTests
{
    private const string HelloLatestId = "sha256:b09c12e7651a467ce036522e14a9a09c116b86b8fa99d152d66e4c9e7f75bda7";

    private static string Hello => RepoPaths.Sample("hello.tar");

    /// <summary>What every source must agree on: IDs, diffIDs, chainIDs, raw config, derived or stored manifest, layer blobs.</summary>
    private static string Identity(IContainerImage image) =>
        string.Join('\n',
        [
            $"id {image.Id}",
            $"manifest {image.ManifestDigest} {image.ManifestMediaType}",
            $"config {Digest.Compute(image.Config.Bytes.Span)}",
            $"diffIds {string.Join(",", image.GetDiffIds())}",
            $"chainIds {string.Join(",", image.GetChainIds())}",
            .. image.Layers.Select(l => $"layer {l.Digest} {l.Size} {l.MediaType} {l.Compression} {l.DiffId}"),
        ]);

    private static Digest HashUncompressed(IImageLayer layer)
    {
        using Stream tar = layer.OpenUncompressed();
        return Digest.Compute(tar);
    }

    private static Digest HashBlob(IImageLayer layer)
    {
        using Stream blob = layer.OpenBlob();
        return Digest.Compute(blob);
    }

    [Fact]
    public void Legacy_archive_oci_layout_oci_archive_store_and_memory_give_the_same_image()
    {
        using var temp = new TempDirectory();
        using ImageArchive legacy = ImageArchive.OpenFile(Hello);
        ArchiveImage fromLegacy = legacy.FindImage("hello:latest");

        ArchiveWriter.WriteLayout([fromLegacy], temp.Combine("layout"));
        using ImageArchive layout = ImageArchive.OpenLayout(temp.Combine("layout"));
        ArchiveWriter.WriteFile([fromLegacy], temp.Combine("oci.tar"), new ArchiveWriterOptions { Format = ArchiveFormat.OciArchive });
        using ImageArchive ociArchive = ImageArchive.OpenFile(temp.Combine("oci.tar"));

        using ImageStore store = ImageStore.CreateInMemory();
        store.Load(legacy);
        IContainerImage fromStore = store.OpenImage("hello:latest");

        IContainerImage inMemory = ImageBuilder.FromScratch()
            .AppendLayer(fromLegacy.Layers[0])
            .AppendLayer(fromLegacy.Layers[1])
            .SetRawConfig(fromLegacy.Config.Bytes)
            .Build();

        IContainerImage[] all = [fromLegacy, layout.Images.Single(), ociArchive.Images.Single(), fromStore, inMemory];
        string expected = Identity(fromLegacy);
        foreach (IContainerImage image in all)
        {
            Identity(image).Should().Be(expected, because: image.GetType().Name);
            image.Config.Bytes.ToArray().Should().Equal(fromLegacy.Config.Bytes.ToArray());
            image.Manifest.Bytes.ToArray().Should().Equal(((IContainerImage)fromLegacy).Manifest.Bytes.ToArray());
            image.Layers.Select(HashUncompressed).Should().Equal(image.GetDiffIds());
            image.Layers.Select(HashBlob).Should().Equal(image.Layers.Select(l => l.Digest));
            ArchiveVerifier.VerifyImage(image, cancellationToken: TestContext.Current.CancellationToken).Problems.Should().BeEmpty();
        }

        // A legacy archive stores no manifest: the one derived is what the writers wrote into the layout.
        fromLegacy.Manifest.Should().BeNull();
        layout.Images.Single().Manifest!.Bytes.ToArray().Should().Equal(((IContainerImage)fromLegacy).Manifest.Bytes.ToArray());
        fromLegacy.Id.Value.Should().Be(HelloLatestId);
        fromLegacy.GetChainIds()[0].Should().Be(fromLegacy.GetDiffIds()[0]);
        fromLegacy.GetChainIds()[1].Should().Be(ChainId.Next(fromLegacy.GetDiffIds()[0], fromLegacy.GetDiffIds()[1]));
        fromLegacy.GetShortId().Should().Be("b09c12e7651a");
        fromLegacy.FindLayerByDiffId(fromLegacy.GetDiffIds()[1]).Should().BeSameAs(fromLegacy.Layers[1]);
        fromLegacy.FindLayerByDigest(fromLegacy.Layers[0].Digest).Should().BeSameAs(fromLegacy.Layers[0]);
        fromLegacy.FindLayerByDigest(Digest.ComputeUtf8("absent")).Should().BeNull();
    }

    [Fact]
    public void Legacy_layer_digest_is_its_diffid_and_total_size_counts_each_blob_once()
    {
        using ImageArchive legacy = ImageArchive.OpenFile(Hello);
        IContainerImage image = legacy.FindImage("hello:latest");
        image.Layers.Select(l => l.Digest).Should().Equal(image.GetDiffIds());
        image.Layers.Should().AllSatisfy(l => l.MediaType.Should().Be(MediaTypes.OciLayer));
        image.GetTotalSize().Should().Be(image.Manifest.Size + image.Config.Size + image.Layers.Sum(l => l.Size));
        image.GetPlatform().Should().Be(new Platform { Os = "linux", Architecture = image.Config.Value.Architecture! });
    }

    [Fact]
    public void Partial_cores_derive_the_same_image_as_the_archive()
    {
        using var temp = new TempDirectory();
        using ImageArchive legacy = ImageArchive.OpenFile(Hello);
        ArchiveImage source = legacy.FindImage("hello:latest");
        ArchiveWriter.WriteLayout([source], temp.Combine("layout"));
        using ImageArchive layout = ImageArchive.OpenLayout(temp.Combine("layout"));
        IContainerImage stored = layout.Images.Single();

        IContainerImage compressed = ContainerImage.FromCompressed(new LayoutCore(temp.Combine("layout"), stored.ManifestDigest, stored.Id));
        IContainerImage uncompressed = ContainerImage.FromUncompressed(new TarsCore(source));

        Identity(compressed).Should().Be(Identity(source));
        Identity(uncompressed).Should().Be(Identity(source));
        compressed.Layers.Select(HashUncompressed).Should().Equal(source.GetDiffIds());
        uncompressed.Layers.Select(HashUncompressed).Should().Equal(source.GetDiffIds());
    }

    [Fact]
    public void Compressed_core_refuses_config_bytes_the_manifest_does_not_name()
    {
        using var temp = new TempDirectory();
        using ImageArchive legacy = ImageArchive.OpenFile(Hello);
        ArchiveImage latest = legacy.FindImage("hello:latest");
        ArchiveImage baseImage = legacy.FindImage("hello:base");
        ArchiveWriter.WriteLayout([latest, baseImage], temp.Combine("layout"));
        IContainerImage image = ContainerImage.FromCompressed(
            new LayoutCore(temp.Combine("layout"), ((IContainerImage)latest).ManifestDigest, baseImage.Id));

        Action read = () => _ = image.Config;
        read.Should().Throw<SizeMismatchException>().Which.Code.Should().Be(ErrorCodes.SizeMismatch);
    }

    [Fact]
    public async Task Async_opens_return_the_same_bytes_and_refuse_a_cancelled_token()
    {
        using ImageArchive legacy = ImageArchive.OpenFile(Hello);
        IContainerImage image = legacy.FindImage("hello:latest");
        IImageLayer layer = image.Layers[1];
        await using (Stream tar = await layer.OpenUncompressedAsync(TestContext.Current.CancellationToken))
        {
            (await Digest.ComputeAsync(tar, cancellationToken: TestContext.Current.CancellationToken)).Should().Be(layer.DiffId);
        }

        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        Func<Task> open = async () => await layer.OpenBlobAsync(cancelled.Token);
        await open.Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public void A_blob_whose_digest_is_its_diff_id_reads_as_the_tar_it_is_under_a_gzip_media_type()
    {
        // Docker 20.10 pushes a layer it once pulled uncompressed this way: the tar, described as tar.gzip.
        using ImageArchive legacy = ImageArchive.OpenFile(Hello);
        ArchiveImage source = legacy.FindImage("hello:latest");
        Dictionary<Digest, byte[]> blobs = [];
        List<Descriptor> layers = [];
        foreach (ArchiveLayer layer in source.Layers)
        {
            using Stream tar = layer.OpenUncompressed();
            using MemoryStream copy = new();
            tar.CopyTo(copy);
            blobs[layer.DiffId] = copy.ToArray();
            layers.Add(new Descriptor { MediaType = MediaTypes.DockerLayerGzip, Digest = layer.DiffId, Size = copy.Length });
        }

        RawDocument<ImageManifest> manifest = RawDocument.Create(new ImageManifest
        {
            MediaType = MediaTypes.DockerManifestSchema2,
            Config = new Descriptor { MediaType = MediaTypes.DockerContainerConfig, Digest = source.Config.Digest, Size = source.Config.Size },
            Layers = layers,
        });

        IContainerImage image = ContainerImage.FromCompressed(new MemoryCore(manifest.Bytes, source.Config.Bytes, blobs));

        image.Layers.Select(l => l.Compression).Should().OnlyContain(c => c == ImageFormat.Compression.CompressionFormat.None);
        image.Layers.Select(HashUncompressed).Should().Equal(source.GetDiffIds());
    }

    /// <summary>A source with its manifest, config and blobs in memory.</summary>
    private sealed class MemoryCore(ReadOnlyMemory<byte> manifest, ReadOnlyMemory<byte> config, Dictionary<Digest, byte[]> blobs) : ICompressedImageCore
    {
        public string? ManifestMediaType => null;

        public ReadOnlyMemory<byte> ReadRawManifest() => manifest;

        public ReadOnlyMemory<byte> ReadRawConfig() => config;

        public Stream OpenBlob(Digest digest) => new MemoryStream(blobs[digest], writable: false);

        public ValueTask<Stream> OpenBlobAsync(Digest digest, CancellationToken cancellationToken) => ValueTask.FromResult(OpenBlob(digest));
    }

    /// <summary>A source that stores manifests and blobs: reads an OCI layout's files directly.</summary>
    private sealed class LayoutCore(string root, Digest manifest, Digest config) : ICompressedImageCore
    {
        public string? ManifestMediaType => null;

        private string PathOf(Digest digest) => Path.Combine(root, "blobs", digest.Algorithm.ToString().ToLowerInvariant(), digest.Encoded);

        public ReadOnlyMemory<byte> ReadRawManifest() => File.ReadAllBytes(PathOf(manifest));

        public ReadOnlyMemory<byte> ReadRawConfig() => File.ReadAllBytes(PathOf(config));

        public Stream OpenBlob(Digest digest) => File.OpenRead(PathOf(digest));

        public ValueTask<Stream> OpenBlobAsync(Digest digest, CancellationToken cancellationToken) => ValueTask.FromResult(OpenBlob(digest));
    }

    /// <summary>A source of uncompressed layer tars by diffID, here an archive's layers.</summary>
    private sealed class TarsCore(ArchiveImage image) : IUncompressedImageCore
    {
        private ArchiveLayer Layer(Digest diffId) => image.Layers.Single(l => l.DiffId == diffId);

        public ReadOnlyMemory<byte> ReadRawConfig() => image.Config.Bytes;

        public long GetLayerSize(Digest diffId) => Layer(diffId).Size;

        public Stream OpenLayer(Digest diffId) => Layer(diffId).OpenStored();

        public ValueTask<Stream> OpenLayerAsync(Digest diffId, CancellationToken cancellationToken) => ValueTask.FromResult(OpenLayer(diffId));
    }
}
