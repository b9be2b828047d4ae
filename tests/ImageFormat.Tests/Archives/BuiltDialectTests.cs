using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Compression;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Layers;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Archives;

/// <summary>
/// The dialects and quirks of the optional real fixtures (Engine 25 dual format, Bazel legacy layout, BuildKit
/// OCI tar with zstd), on archives the tests build themselves: a bare clone covers every dialect.
/// </summary>
public class BuiltDialectTests
{
    private static ImageArchive Open(string name) => ImageArchive.OpenFile(BuiltArchives.PathOf(name));

    [Fact]
    public void Engine25_null_manifests_null_repotags_and_layer_sources_read_from_manifest_json_with_one_warning()
    {
        using ImageArchive archive = Open("built-engine25.tar");
        byte[] layer = BuiltArchives.Engine25Layer();

        archive.Dialect.Should().Be(ArchiveDialect.DockerManifest | ArchiveDialect.OciLayout);
        archive.Index!.Value.ManifestsWasNull.Should().BeTrue();
        ArchiveImage image = archive.FindImage(null);
        image.Id.Should().Be(Digest.ComputeUtf8(BuiltArchives.Engine25Config()));
        image.RepoTags.Should().BeEmpty();
        image.Platform.Should().Be("linux/arm64");
        ArchiveLayer only = image.Layers.Single();
        only.DeclaredDigest.Should().Be(Digest.Compute(layer));
        only.DeclaredSize.Should().Be(layer.Length);
        only.MediaType.Should().Be("application/vnd.oci.image.layer.v1.tar");
        archive.Problems.Should().ContainSingle().Which.Should().Be(new ArchiveProblem(ProblemSeverity.Warning, ErrorCodes.InvalidDocument, "index.json",
            "\"manifests\" is null (written by Docker Engine 25.0.0 to 25.0.2); the images are read from manifest.json"));
        ArchiveVerification result = ArchiveVerifier.Verify(archive, TestContext.Current.CancellationToken);
        result.IsValid.Should().BeTrue();
        result.Problems.Should().ContainSingle().Which.Severity.Should().Be(ProblemSeverity.Warning);
        result.BlobsChecked.Should().Be(1);
        result.BytesHashed.Should().Be(layer.Length);
    }

    [Fact]
    public void Bazel_legacy_layout_with_a_whiteout_an_empty_layer_and_0555_files_verifies_and_merges()
    {
        using ImageArchive archive = Open("built-bazel-whiteout.tar");
        byte[][] layers = BuiltArchives.BazelLayers();

        archive.Dialect.Should().Be(ArchiveDialect.DockerManifest | ArchiveDialect.Repositories | ArchiveDialect.LegacyLayerDirectories);
        ArchiveImage image = archive.FindImage("bazel/pkg/v1/mutate:whiteout_image");
        image.Layers.Select(l => l.DiffId).Should().Equal(layers.Select(l => Digest.Compute(l)));
        ArchiveVerification result = ArchiveVerifier.Verify(archive, TestContext.Current.CancellationToken);
        result.Problems.Should().BeEmpty();
        result.BlobsChecked.Should().Be(3);

        MergedTree tree = MergedTree.Build(image);
        tree.Enumerate().Where(e => e.Path is not ("." or "")).Select(e => $"{e.Path} {Convert.ToString(e.Header.Mode, 8)} {e.LayerIndex}").Should().Equal("bar.txt 555 0");
        tree.Find("foo.txt").Should().BeNull("layer 1 whites it out");
    }

    [Fact]
    public void BuildKit_oci_tar_with_a_zstd_layer_and_read_only_blobs_reads_through_index_json()
    {
        using ImageArchive archive = Open("built-buildkit-zstd.tar");

        archive.Dialect.Should().Be(ArchiveDialect.OciLayout);
        archive.Problems.Should().BeEmpty();
        ArchiveImage image = archive.FindImage(null);
        image.Platform.Should().Be("linux/arm64");
        ArchiveLayer layer = image.Layers.Single();
        layer.Compression.Should().Be(CompressionFormat.Zstd);
        layer.MediaType.Should().Be("application/vnd.oci.image.layer.v1.tar+zstd");
        using (Stream tar = layer.OpenUncompressed())
        {
            Digest.Compute(tar).Should().Be(Digest.Compute(BuiltArchives.BuildKitLayer()));
        }

        using (Stream verified = layer.OpenVerified())
        {
            Digest.Compute(verified).Should().Be(layer.DiffId);
        }

        ArchiveVerifier.Verify(archive, TestContext.Current.CancellationToken).Problems.Should().BeEmpty();
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void BuildKit_oci_tar_extracted_by_gnu_tar_with_its_0444_blobs_reads_as_a_layout_directory()
    {
        string tar = Peers.RequireGnuTar();
        using var temp = new TempDirectory();
        ProcessRunner.Run(tar, ["-xf", BuiltArchives.PathOf("built-buildkit-zstd.tar"), "-C", temp.Path]).EnsureSuccess("tar -x");
        string oneBlob = Directory.GetFiles(temp.Combine("blobs", "sha256"))[0];
        File.GetUnixFileMode(oneBlob).Should().Be((UnixFileMode)0x124);

        using ImageArchive layout = ImageArchive.OpenLayout(temp.Path);
        using ImageArchive archive = Open("built-buildkit-zstd.tar");

        layout.FindImage(null).Id.Should().Be(archive.FindImage(null).Id);
        ArchiveVerifier.Verify(layout, TestContext.Current.CancellationToken).Problems.Should().BeEmpty();
    }
}
