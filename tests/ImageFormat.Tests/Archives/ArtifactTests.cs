using System.Text;
using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Archives.Writers;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Store;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Archives;

/// <summary>Layouts as they come from the wild: images beside attestations, signatures, SBOM artifacts and Helm charts.</summary>
public class ArtifactTests
{
    private static ImageArchive OpenTar(WildLayout layout) => ImageArchive.OpenStream(new MemoryStream(layout.BuildTar()), leaveOpen: false);

    private static List<string> Summary(ImageArchive archive) =>
        [.. archive.Artifacts.Select(a => $"{a.Digest} {a.Kind} {a.ArtifactType} {a.Subject?.ToString() ?? "-"} [{string.Join(",", a.Names)}]")];

    private static string Describe(ImageFormat.Model.Descriptor d) =>
        $"{d.MediaType} {d.Digest} {d.Size} {d.ArtifactType} {d.Platform?.Os}/{d.Platform?.Architecture} {string.Join(";", (d.Annotations ?? new Dictionary<string, string>()).Select(p => $"{p.Key}={p.Value}"))}";

    private static List<string> Expected(WildLayout w) =>
    [
        $"{w.Attestation} BuildKit attestation application/vnd.in-toto+json {w.ImageManifest} []",
        $"{w.Signature} cosign signature application/vnd.dev.cosign.simplesigning.v1+json - [{w.SignatureTag}]",
        $"{w.Artifact} OCI artifact application/vnd.example.sbom.v1+json {w.ImageManifest} []",
        $"{w.Chart} Helm chart {WildLayout.HelmConfigType} - [mychart:0.1.0]",
    ];

    [Fact]
    public void Layout_holding_an_image_an_attestation_a_signature_an_empty_config_artifact_and_a_chart_lists_the_image_and_each_artifact()
    {
        var wild = new WildLayout();
        using ImageArchive archive = OpenTar(wild);

        archive.Problems.Should().BeEmpty();
        ArchiveImage image = archive.Images.Should().ContainSingle().Subject;
        image.Id.Should().Be(wild.ImageId);
        image.RepoTags.Should().Equal("app:1");
        image.ManifestDigest.Should().Be(wild.ImageManifest);
        Summary(archive).Should().Equal(Expected(wild));
        archive.Artifacts[2].Blobs[0].Descriptor.Digest.Value.Should().Be(WildLayout.EmptyJsonDigest);
        archive.FindImage(null).Should().BeSameAs(image, "artifacts never make the one image ambiguous");
    }

    [Fact]
    public void Layout_directory_reads_the_same_images_and_artifacts_as_the_tar()
    {
        var wild = new WildLayout();
        using var temp = new TempDirectory();
        using ImageArchive layout = ImageArchive.OpenLayout(wild.WriteDirectory(temp.Path));

        layout.Problems.Should().BeEmpty();
        layout.Images.Select(i => i.Id).Should().Equal(wild.ImageId);
        Summary(layout).Should().Equal(Expected(wild));
    }

    [Fact]
    public void Verify_hashes_every_artifact_blob_and_passes_a_clean_layout()
    {
        var wild = new WildLayout();
        using ImageArchive archive = OpenTar(wild);

        ArchiveVerification result = ArchiveVerifier.Verify(archive, TestContext.Current.CancellationToken);

        result.Problems.Should().BeEmpty();
        result.BlobsChecked.Should().Be(1);
        result.ArtifactBlobsChecked.Should().Be(8);
        result.BytesHashed.Should().Be(wild.Layer.Length + archive.Artifacts.SelectMany(a => a.Blobs).Sum(b => b.Descriptor.Size));
    }

    [Fact]
    public void Verify_reports_a_tampered_signature_payload_naming_the_blob()
    {
        var wild = new WildLayout();
        string payload = wild.Blobs.Single(b => Encoding.UTF8.GetString(b.Value).Contains("cosign container image signature", StringComparison.Ordinal)).Key;
        wild.Blobs[payload][^2] = (byte)'X';
        using ImageArchive archive = OpenTar(wild);

        ArchiveVerification result = ArchiveVerifier.Verify(archive, TestContext.Current.CancellationToken);

        result.IsValid.Should().BeFalse();
        ArchiveProblem problem = result.Problems.Should().ContainSingle().Subject;
        problem.Code.Should().Be(ErrorCodes.DigestMismatch);
        problem.Subject.Should().Be($"blobs/sha256/{payload}");
        problem.Message.Should().StartWith($"blob of cosign signature {wild.Signature.ShortId}: expected digest sha256:{payload}, stored blob hashes to sha256:");
    }

    [Theory]
    [InlineData("chart")]
    [InlineData("mychart:0.1.0")]
    public void Image_only_lookup_of_a_chart_says_what_it_is(string how)
    {
        var wild = new WildLayout();
        using ImageArchive archive = OpenTar(wild);

        Action find = () => archive.FindImage(how == "chart" ? wild.Chart.Value : how);

        NotAnImageException e = find.Should().Throw<NotAnImageException>().Which;
        e.Code.Should().Be("IMGFMT0160");
        e.Message.Should().Be($"{wild.Chart} is a Helm chart (application/vnd.cncf.helm.config.v1+json), not an image");
    }

    [Fact]
    public void Image_only_lookup_of_a_signature_tag_an_attestation_and_a_short_artifact_digest_say_what_each_is()
    {
        var wild = new WildLayout();
        using ImageArchive archive = OpenTar(wild);

        ((Action)(() => archive.FindImage(wild.SignatureTag))).Should().Throw<NotAnImageException>()
            .WithMessage($"{wild.Signature} is a cosign signature (application/vnd.dev.cosign.simplesigning.v1+json), not an image");
        ((Action)(() => archive.FindImage(wild.Attestation.Value))).Should().Throw<NotAnImageException>()
            .WithMessage($"{wild.Attestation} is a BuildKit attestation (application/vnd.in-toto+json), not an image");
        ((Action)(() => archive.FindImage(wild.Artifact.ShortId))).Should().Throw<NotAnImageException>()
            .WithMessage($"{wild.Artifact} is an OCI artifact (application/vnd.example.sbom.v1+json), not an image");
    }

    [Fact]
    public void Layout_of_artifacts_only_refuses_an_unnamed_image_lookup_and_a_load()
    {
        var wild = new WildLayout(withImage: false);
        using ImageArchive archive = OpenTar(wild);

        archive.Images.Should().BeEmpty();
        archive.Artifacts.Should().HaveCount(3);
        ((Action)(() => archive.FindImage(null))).Should().Throw<NotFoundException>()
            .WithMessage($"stream: the archive holds no image, only 3 artifacts ({wild.Signature.ShortId} cosign signature; {wild.Artifact.ShortId} OCI artifact; {wild.Chart.ShortId} Helm chart)");
        using ImageStore store = ImageStore.CreateInMemory();
        ((Action)(() => store.Load(archive))).Should().Throw<NotAnImageException>()
            .WithMessage($"{wild.Signature} is a cosign signature (application/vnd.dev.cosign.simplesigning.v1+json), not an image");
    }

    [Theory]
    [InlineData(ArchiveFormat.Docker)]
    [InlineData(ArchiveFormat.OciArchive)]
    [InlineData(ArchiveFormat.OciLayout)]
    public void Writers_carry_artifacts_verbatim_with_the_same_digests(ArchiveFormat format)
    {
        var wild = new WildLayout();
        using ImageArchive source = OpenTar(wild);
        using var temp = new TempDirectory();
        string output = temp.Combine("out");
        var options = new ArchiveWriterOptions { Format = format };
        List<ImageToWrite> images = [.. source.Images.Select(ImageToWrite.FromArchive)];
        List<ArtifactToWrite> artifacts = [.. source.Artifacts.Select(ArtifactToWrite.FromArchive)];
        if (format == ArchiveFormat.OciLayout)
        {
            ArchiveWriter.WriteLayout(images, output, options, artifacts);
        }
        else
        {
            ArchiveWriter.WriteFile(images, output, options, artifacts);
        }

        using ImageArchive written = ImageArchive.OpenFile(output);
        ArchiveVerification result = ArchiveVerifier.Verify(written, TestContext.Current.CancellationToken);
        result.Problems.Should().BeEmpty();
        result.ArtifactBlobsChecked.Should().Be(8);
        written.Images.Select(i => (i.Id, i.ManifestDigest)).Should().Equal((wild.ImageId, (Digest?)wild.ImageManifest));
        Summary(written).Should().Equal(Expected(wild));
        written.Artifacts.Select(a => a.Manifest.Bytes.ToArray()).Should().BeEquivalentTo(source.Artifacts.Select(a => a.Manifest.Bytes.ToArray()), o => o.WithStrictOrdering());
        written.Artifacts.Select(a => Describe(a.Descriptor)).Should().Equal(source.Artifacts.Select(a => Describe(a.Descriptor)));
        written.Artifacts[0].Descriptor.Platform!.Architecture.Should().Be("unknown");
    }

    [Fact]
    public void Legacy_writer_refuses_artifacts_with_a_typed_error()
    {
        var wild = new WildLayout();
        using ImageArchive source = OpenTar(wild);

        Action write = () => ArchiveWriter.Write([.. source.Images.Select(ImageToWrite.FromArchive)], Stream.Null, new ArchiveWriterOptions { Format = ArchiveFormat.Legacy },
            [.. source.Artifacts.Select(ArtifactToWrite.FromArchive)]);

        ImageFormatException e = write.Should().Throw<ImageFormatException>().Which;
        e.Code.Should().Be("IMGFMT0161");
        e.Message.Should().Be($"the legacy format holds images only and cannot hold the 4 artifact(s) given ({wild.Attestation.ShortId}, {wild.Signature.ShortId}, {wild.Artifact.ShortId}, {wild.Chart.ShortId}): write the docker or oci format, or leave them out");
    }

    [Fact]
    public void Layout_of_artifacts_only_converts_to_an_oci_archive()
    {
        var wild = new WildLayout(withImage: false);
        using ImageArchive source = OpenTar(wild);
        using var temp = new TempDirectory();
        string output = temp.Combine("out.tar");

        ArchiveWriter.WriteFile([], output, new ArchiveWriterOptions { Format = ArchiveFormat.OciArchive }, [.. source.Artifacts.Select(ArtifactToWrite.FromArchive)]);

        using ImageArchive written = ImageArchive.OpenFile(output);
        written.Artifacts.Select(a => a.Digest).Should().Equal(wild.Signature, wild.Artifact, wild.Chart);
        ArchiveVerifier.Verify(written, TestContext.Current.CancellationToken).Problems.Should().BeEmpty();
    }

    /// <summary>
    /// Docker Engine 25+ with the containerd image store: <c>docker save</c> writes the dual format whose
    /// <c>index.json</c> names the image index (platform manifests and attestations), of which only the host's
    /// platform and its attestation are present; <c>manifest.json</c> names that platform's image.
    /// </summary>
    [Fact]
    public void Engine25_containerd_store_save_with_attestations_and_absent_platforms_lists_and_loads()
    {
        var wild = new WildLayout();
        byte[] config = wild.Blobs[wild.ImageId.Encoded];
        Digest layer = Digest.Compute(wild.Layer);
        Digest absentArm = Digest.ComputeUtf8("arm64 manifest, not saved");
        Digest absentArmAttestation = Digest.ComputeUtf8("arm64 attestation, not saved");
        string imageIndex = Encoding.UTF8.GetString(wild.Blobs[wild.ImageIndex.Encoded]);
        string attestationDescriptor = imageIndex[(imageIndex.IndexOf("},{", StringComparison.Ordinal) + 2)..^2];
        string multiIndex = imageIndex[..^2]
            + ",{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + absentArm + "\",\"size\":480,\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\"}}"
            + ",{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + absentArmAttestation + "\",\"size\":566,\"annotations\":{\"vnd.docker.reference.digest\":\"" + absentArm
            + "\",\"vnd.docker.reference.type\":\"attestation-manifest\"},\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"}}]}";
        attestationDescriptor.Should().Contain("attestation-manifest");
        Digest multi = Digest.ComputeUtf8(multiIndex);
        using var tar = new TarBuilder();
        foreach ((string hex, byte[] bytes) in wild.Blobs.Where(b => b.Key != wild.ImageIndex.Encoded && !Encoding.UTF8.GetString(b.Value).Contains("cosign", StringComparison.Ordinal)))
        {
            tar.File($"blobs/sha256/{hex}", bytes);
        }

        tar.File($"blobs/sha256/{multi.Encoded}", multiIndex)
            .File("index.json", "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"digest\":\""
                + multi + "\",\"size\":" + multiIndex.Length + ",\"annotations\":{\"io.containerd.image.name\":\"docker.io/library/app:1\",\"org.opencontainers.image.ref.name\":\"1\"}}]}")
            .File("manifest.json", "[{\"Config\":\"blobs/sha256/" + wild.ImageId.Encoded + "\",\"RepoTags\":[\"app:1\"],\"Layers\":[\"blobs/sha256/" + layer.Encoded + "\"]}]")
            .File("oci-layout", "{\"imageLayoutVersion\": \"1.0.0\"}");
        using var temp = new TempDirectory();
        string path = tar.BuildFile(temp.Path);
        using ImageArchive archive = ImageArchive.OpenFile(path);

        archive.Problems.Should().BeEmpty("absent platforms and their attestations are normal in a save");
        archive.Images.Should().ContainSingle().Which.RepoTags.Should().Equal("app:1");
        archive.Images[0].ManifestDigest.Should().Be(wild.ImageManifest);
        archive.Artifacts.Select(a => (a.Digest, a.Kind, a.Subject)).Should().Equal((wild.Attestation, "BuildKit attestation", (Digest?)wild.ImageManifest));
        ArchiveVerifier.Verify(archive, TestContext.Current.CancellationToken).Problems.Should().BeEmpty();
        config.Should().NotBeEmpty();

        using ImageStore store = ImageStore.CreateInMemory();
        LoadResult loaded = store.Load(archive);
        loaded.ImageIds.Should().Equal(wild.ImageId);
    }

    [Fact]
    public void Cosign_sbom_and_attestation_tags_and_helm_chart_layers_are_named_by_kind()
    {
        var blobs = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        string Blob(string text)
        {
            Digest d = Digest.ComputeUtf8(text);
            blobs[d.Encoded] = Encoding.UTF8.GetBytes(text);
            return "\"digest\":\"" + d + "\",\"size\":" + Encoding.UTF8.GetByteCount(text);
        }

        string Manifest(string layerType, string layer)
        {
            string config = "{\"architecture\":\"\",\"os\":\"\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + Digest.ComputeUtf8(layer) + "\"]},\"config\":{}}";
            return "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\"," + Blob(config)
                + "},\"layers\":[{\"mediaType\":\"" + layerType + "\"," + Blob(layer) + "}]}";
        }

        string subject = new string('a', 64);
        string sbom = Manifest("text/spdx+json", "{\"spdxVersion\":\"SPDX-2.3\"}");
        string att = Manifest("application/vnd.dsse.envelope.v1+json", "{\"payloadType\":\"application/vnd.in-toto+json\"}");
        string Entry(string manifest, string tag) => "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"," + Blob(manifest) + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + tag + "\"}}";
        string index = "{\"schemaVersion\":2,\"manifests\":[" + Entry(sbom, $"sha256-{subject}.sbom") + "," + Entry(att, $"sha256-{subject}.att") + "]}";
        using var tar = new TarBuilder();
        tar.File("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
        foreach ((string hex, byte[] bytes) in blobs)
        {
            tar.File($"blobs/sha256/{hex}", bytes);
        }

        using ImageArchive archive = ImageArchive.OpenStream(new MemoryStream(tar.File("index.json", index).Build()), leaveOpen: false);

        archive.Problems.Should().BeEmpty();
        archive.Artifacts.Select(a => $"{a.Kind} {a.ArtifactType} [{string.Join(",", a.Names)}]").Should().Equal(
            $"cosign SBOM text/spdx+json [sha256-{subject}.sbom]",
            $"cosign attestation application/vnd.dsse.envelope.v1+json [sha256-{subject}.att]");
        ArchiveVerifier.Verify(archive, TestContext.Current.CancellationToken).ArtifactBlobsChecked.Should().Be(4);
    }
}
