using System.Text;
using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Digests;
using ImageFormat.Errors;
using Xunit;

namespace ImageFormat.Tests.Archives;

/// <summary>Archives carrying both index.json and manifest.json (Engine 25+): both are read and disagreements reported.</summary>
public class DualFormatTests
{
    private sealed record Blob(byte[] Bytes)
    {
        public Digest Digest => Digest.Compute(Bytes);

        public string Path => $"blobs/sha256/{Digest.Encoded}";
    }

    private static Blob Layer(string content)
    {
        using var layer = new TarBuilder();
        return new Blob(layer.File("file.txt", content).Build());
    }

    private static string Quote(string s) => "\"" + s + "\"";

    private static Blob Config(params Blob[] layers) => new(Encoding.UTF8.GetBytes(
        "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":["
        + string.Join(",", layers.Select(l => Quote(l.Digest.Value))) + "]}}"));

    private static string Descriptor(string mediaType, Blob blob, string extra = "") =>
        "{\"mediaType\":" + Quote(mediaType) + ",\"digest\":" + Quote(blob.Digest.Value) + ",\"size\":" + blob.Bytes.Length + extra + "}";

    private static Blob Manifest(Blob config, params Blob[] layers) => new(Encoding.UTF8.GetBytes(
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":"
        + Descriptor("application/vnd.oci.image.config.v1+json", config) + ",\"layers\":["
        + string.Join(",", layers.Select(l => Descriptor("application/vnd.oci.image.layer.v1.tar", l))) + "]}"));

    private static string Index(params (Blob Manifest, string Name)[] manifests) =>
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
        + string.Join(",", manifests.Select(m => Descriptor(
            "application/vnd.oci.image.manifest.v1+json",
            m.Manifest,
            ",\"annotations\":{\"io.containerd.image.name\":" + Quote("docker.io/library/" + m.Name)
            + ",\"org.opencontainers.image.ref.name\":" + Quote(m.Name[(m.Name.IndexOf(':', StringComparison.Ordinal) + 1)..]) + "}")))
        + "]}";

    private static string DockerManifest(Blob config, string[] tags, params Blob[] layers) =>
        "[{\"Config\":" + Quote(config.Path) + ",\"RepoTags\":[" + string.Join(",", tags.Select(Quote))
        + "],\"Layers\":[" + string.Join(",", layers.Select(l => Quote(l.Path))) + "]}]";

    private static ImageArchive Open(IEnumerable<Blob> blobs, string index, string dockerManifest)
    {
        using var tar = new TarBuilder();
        tar.File("oci-layout", """{"imageLayoutVersion":"1.0.0"}""");
        foreach (Blob blob in blobs.DistinctBy(b => b.Digest))
        {
            tar.File(blob.Path, blob.Bytes);
        }

        tar.File("index.json", index).File("manifest.json", dockerManifest);
        return ImageArchive.OpenStream(new MemoryStream(tar.Build()), leaveOpen: false);
    }

    [Fact]
    public void Agreeing_documents_give_one_image_with_its_manifest_and_no_problem()
    {
        Blob layer = Layer("one");
        Blob config = Config(layer);
        Blob manifest = Manifest(config, layer);

        using ImageArchive archive = Open([layer, config, manifest], Index((manifest, "app:1")), DockerManifest(config, ["app:1"], layer));

        archive.Dialect.Should().Be(ArchiveDialect.DockerManifest | ArchiveDialect.OciLayout);
        archive.Problems.Should().BeEmpty();
        ArchiveImage image = archive.FindImage("app:1");
        image.ManifestDigest.Should().Be(manifest.Digest);
        image.RefNames.Should().Equal("1");
        archive.FindImage(manifest.Digest.Value).Should().BeSameAs(image);
    }

    [Fact]
    public void Different_tags_in_the_two_documents_are_reported()
    {
        Blob layer = Layer("one");
        Blob config = Config(layer);
        Blob manifest = Manifest(config, layer);

        using ImageArchive archive = Open([layer, config, manifest], Index((manifest, "app:1")), DockerManifest(config, ["other:2"], layer));

        archive.Problems.Should().ContainSingle().Which.Should().Be(new ArchiveProblem(ProblemSeverity.Error, ErrorCodes.InvalidArchive, "index.json",
            $"image {config.Digest.ShortId} is tagged [app:1] in index.json but [other:2] in manifest.json"));
    }

    [Fact]
    public void Different_layers_in_the_two_documents_are_reported()
    {
        Blob layer = Layer("one");
        Blob impostor = Layer("two");
        Blob config = Config(layer);
        Blob manifest = Manifest(config, layer);

        using ImageArchive archive = Open([layer, impostor, config, manifest], Index((manifest, "app:1")), DockerManifest(config, ["app:1"], impostor));

        archive.Problems.Should().ContainSingle().Which.Message.Should().Be(
            $"image {config.Digest.ShortId} layer 0 is {layer.Path} in its OCI manifest but {impostor.Path} in manifest.json");
    }

    [Fact]
    public void Image_named_only_by_index_json_is_reported_and_still_listed()
    {
        Blob layer = Layer("one");
        Blob config = Config(layer);
        Blob manifest = Manifest(config, layer);
        Blob otherLayer = Layer("other");
        Blob otherConfig = Config(otherLayer);
        Blob otherManifest = Manifest(otherConfig, otherLayer);

        using ImageArchive archive = Open(
            [layer, config, manifest, otherLayer, otherConfig, otherManifest],
            Index((manifest, "app:1"), (otherManifest, "extra:1")),
            DockerManifest(config, ["app:1"], layer));

        archive.Images.Should().HaveCount(2);
        archive.Problems.Should().ContainSingle().Which.Message.Should().Be($"image {otherConfig.Digest.ShortId} is in index.json but not in manifest.json");
        archive.FindImage("extra:1").Id.Should().Be(otherConfig.Digest);
    }

    [Fact]
    public void Manifest_blob_that_does_not_match_its_descriptor_is_reported()
    {
        Blob layer = Layer("one");
        Blob config = Config(layer);
        Blob manifest = Manifest(config, layer);
        string index = Index((manifest, "app:1")).Replace($"\"size\":{manifest.Bytes.Length}", $"\"size\":{manifest.Bytes.Length + 1}", StringComparison.Ordinal);

        using ImageArchive archive = Open([layer, config, manifest], index, DockerManifest(config, ["app:1"], layer));

        archive.Problems.Should().ContainSingle().Which.Should().Be(new ArchiveProblem(ProblemSeverity.Error, ErrorCodes.SizeMismatch, manifest.Path,
            $"descriptor declares {manifest.Bytes.Length + 1} bytes, the blob has {manifest.Bytes.Length}"));
    }
}
