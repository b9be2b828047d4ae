using System.IO.Compression;
using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Compression;
using ImageFormat.Digests;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Archives;

/// <summary>The archive dialects other tools write (crane, jib, containerd, Docker Engine 25, Bazel, BuildKit), built here byte by byte.</summary>
public class DialectTests
{
    private static byte[] LayerTar(string content)
    {
        using var tar = new TarBuilder();
        return tar.File("file.txt", content).Build();
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    private static string ConfigFor(params byte[][] uncompressedLayers) =>
        "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":["
        + string.Join(",", uncompressedLayers.Select(l => "\"" + Digest.Compute(l) + "\"")) + "]}}";

    private static ImageArchive Open(TarBuilder tar) => ImageArchive.OpenStream(new MemoryStream(tar.Build()), leaveOpen: false);

    [Fact]
    public void Crane_tarball_with_a_digest_named_config_and_gzip_layers_reads_and_verifies()
    {
        byte[] layer = LayerTar("crane");
        byte[] compressed = Gzip(layer);
        string config = ConfigFor(layer);
        Digest configDigest = Digest.ComputeUtf8(config);
        string layerName = $"{Digest.Compute(compressed).Encoded}.tar.gz";
        using var tar = new TarBuilder();
        tar.File(configDigest.Value, config)
            .File(layerName, compressed)
            .File("manifest.json", $"[{{\"Config\":\"{configDigest}\",\"RepoTags\":[\"gcr.io/app/crane:v1\"],\"Layers\":[\"{layerName}\"]}}]");

        using ImageArchive archive = Open(tar);

        ArchiveImage image = archive.FindImage("gcr.io/app/crane:v1");
        image.Id.Should().Be(configDigest);
        image.Layers.Single().Compression.Should().Be(CompressionFormat.Gzip);
        ArchiveVerifier.Verify(archive, TestContext.Current.CancellationToken).Problems.Should().BeEmpty();
    }

    [Fact]
    public void Jib_tarball_with_lowercase_keys_and_config_json_reads()
    {
        byte[] layer = LayerTar("jib");
        byte[] compressed = Gzip(layer);
        string config = ConfigFor(layer);
        string layerName = $"{Digest.Compute(compressed).Encoded}.tar.gz";
        using var tar = new TarBuilder();
        tar.File("config.json", config)
            .File(layerName, compressed)
            .File("manifest.json", $"[{{\"config\":\"config.json\",\"repoTags\":[\"jib/app:1\"],\"layers\":[\"{layerName}\"]}}]");

        using ImageArchive archive = Open(tar);

        ArchiveImage image = archive.FindImage("jib/app:1");
        image.Id.Should().Be(Digest.ComputeUtf8(config));
        ArchiveVerifier.Verify(archive, TestContext.Current.CancellationToken).Problems.Should().BeEmpty();
    }

    [Fact]
    public void Containerd_export_of_one_platform_of_a_multi_platform_index_skips_the_absent_ones()
    {
        byte[] layer = LayerTar("amd64 only");
        byte[] compressed = Gzip(layer);
        string config = ConfigFor(layer);
        Digest configDigest = Digest.ComputeUtf8(config);
        Digest layerDigest = Digest.Compute(compressed);
        string manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
            + configDigest + "\",\"size\":" + config.Length + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" + layerDigest + "\",\"size\":" + compressed.Length + "}]}";
        Digest manifestDigest = Digest.ComputeUtf8(manifest);
        Digest absent = Digest.ComputeUtf8("the arm64 manifest, not exported");
        string platformIndex = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
            + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + manifestDigest + "\",\"size\":" + manifest.Length + ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
            + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + absent + "\",\"size\":1234,\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\"}}]}";
        Digest platformIndexDigest = Digest.ComputeUtf8(platformIndex);
        string index = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"digest\":\""
            + platformIndexDigest + "\",\"size\":" + platformIndex.Length + ",\"annotations\":{\"io.containerd.image.name\":\"docker.io/library/multi:1\",\"org.opencontainers.image.ref.name\":\"1\"}}]}";
        using var tar = new TarBuilder();
        tar.File("./oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}")
            .File($"./blobs/sha256/{configDigest.Encoded}", config)
            .File($"./blobs/sha256/{layerDigest.Encoded}", compressed)
            .File($"./blobs/sha256/{manifestDigest.Encoded}", manifest)
            .File($"./blobs/sha256/{platformIndexDigest.Encoded}", platformIndex)
            .File("./index.json", index)
            .File("./manifest.json", $"[{{\"Config\":\"blobs/sha256/{configDigest.Encoded}\",\"RepoTags\":[\"multi:1\"],\"Layers\":[\"blobs/sha256/{layerDigest.Encoded}\"]}}]");

        using ImageArchive archive = Open(tar);

        archive.Problems.Should().BeEmpty("a multi-platform index that keeps only some platforms is normal in an export");
        ArchiveImage image = archive.Images.Should().ContainSingle().Subject;
        image.RepoTags.Should().Equal("multi:1");
        image.ManifestDigest.Should().Be(manifestDigest);
        ArchiveVerifier.Verify(archive, TestContext.Current.CancellationToken).Problems.Should().BeEmpty();
    }

    [Fact]
    public void Bazel_legacy_fixture_with_an_empty_layer_verifies()
    {
        using ImageArchive archive = ImageArchive.OpenFile(RepoPaths.Fixture("whiteout_image.tar"));

        ArchiveImage image = archive.FindImage("bazel/pkg/v1/mutate:whiteout_image");
        image.Layers.Should().HaveCount(3);
        ArchiveVerification result = ArchiveVerifier.Verify(archive, TestContext.Current.CancellationToken);
        result.Problems.Should().BeEmpty();
        result.BlobsChecked.Should().Be(3);
    }
}
