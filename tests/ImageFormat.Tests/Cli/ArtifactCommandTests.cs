using System.Text.Json;
using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Tests.Archives;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Cli;

/// <summary><c>imagefmt archive</c> on a layout holding artifacts beside its image.</summary>
public class ArtifactCommandTests
{
    [Fact]
    public void Ls_lists_the_image_and_counts_the_artifacts_on_a_trailing_line()
    {
        var wild = new WildLayout();
        using var temp = new TempDirectory();

        CliResult result = CliRunner.Run("archive", "ls", wild.WriteTar(temp.Path));

        result.ExitCode.Should().Be(0, result.StdErr);
        string[] lines = result.StdOut.Split('\n');
        lines.Should().HaveCount(4);
        lines[0].Should().Be("IMAGE ID       TAGS    PLATFORM      LAYERS   SIZE");
        lines[1].Should().MatchRegex($"^{wild.ImageId.ShortId}   app:1   linux/amd64   1        [0-9.]+k?B$");
        lines[2].Should().Be("4 artifact(s) not shown (--artifacts lists them)");
        lines[3].Should().BeEmpty();
    }

    [Fact]
    public void Ls_artifacts_adds_a_table_of_digest_kind_type_subject_names_and_size()
    {
        var wild = new WildLayout();
        using var temp = new TempDirectory();
        string path = wild.WriteTar(temp.Path);

        CliResult result = CliRunner.Run("archive", "ls", "--artifacts", path);

        result.ExitCode.Should().Be(0, result.StdErr);
        string[] lines = result.StdOut.Split('\n');
        lines[2].Should().BeEmpty();
        lines[3].Should().MatchRegex("^ARTIFACT +KIND +TYPE +SUBJECT +NAMES +SIZE$");
        lines[4].Should().MatchRegex($"^{wild.Attestation.ShortId} +BuildKit attestation +application/vnd.in-toto\\+json +{wild.ImageManifest.ShortId} +<none> +[0-9.]+k?B$");
        lines[5].Should().MatchRegex($"^{wild.Signature.ShortId} +cosign signature +application/vnd.dev.cosign.simplesigning.v1\\+json +<none> +{wild.SignatureTag} +");
        lines[6].Should().MatchRegex($"^{wild.Artifact.ShortId} +OCI artifact +application/vnd.example.sbom.v1\\+json +{wild.ImageManifest.ShortId} +<none> +");
        lines[7].Should().MatchRegex($"^{wild.Chart.ShortId} +Helm chart +application/vnd.cncf.helm.config.v1\\+json +<none> +mychart:0.1.0 +");
        lines.Should().HaveCount(9);
    }

    [Fact]
    public void Ls_json_with_artifacts_holds_images_and_artifacts_with_type_and_subject()
    {
        var wild = new WildLayout();
        using var temp = new TempDirectory();

        CliResult result = CliRunner.Run("archive", "ls", "--format", "json", "--artifacts", wild.WriteTar(temp.Path));

        result.ExitCode.Should().Be(0, result.StdErr);
        using JsonDocument json = JsonDocument.Parse(result.StdOut);
        json.RootElement.GetProperty("Images")[0].GetProperty("Id").GetString().Should().Be(wild.ImageId.Value);
        JsonElement artifacts = json.RootElement.GetProperty("Artifacts");
        artifacts.GetArrayLength().Should().Be(4);
        JsonElement sbom = artifacts[2];
        sbom.GetProperty("Digest").GetString().Should().Be(wild.Artifact.Value);
        sbom.GetProperty("Kind").GetString().Should().Be("OCI artifact");
        sbom.GetProperty("ArtifactType").GetString().Should().Be("application/vnd.example.sbom.v1+json");
        sbom.GetProperty("MediaType").GetString().Should().Be("application/vnd.oci.image.manifest.v1+json");
        sbom.GetProperty("Subject").GetString().Should().Be(wild.ImageManifest.Value);
        artifacts[3].GetProperty("Subject").ValueKind.Should().Be(JsonValueKind.Null);
        artifacts[3].GetProperty("Names")[0].GetString().Should().Be("mychart:0.1.0");
    }

    [Fact]
    public void Ls_json_without_the_flag_keeps_the_array_of_images()
    {
        var wild = new WildLayout();
        using var temp = new TempDirectory();

        CliResult result = CliRunner.Run("archive", "ls", "--format", "json", wild.WriteTar(temp.Path));

        using JsonDocument json = JsonDocument.Parse(result.StdOut);
        json.RootElement.ValueKind.Should().Be(JsonValueKind.Array);
        json.RootElement.GetArrayLength().Should().Be(1);
    }

    [Theory]
    [InlineData("inspect")]
    [InlineData("files")]
    [InlineData("config")]
    [InlineData("cat")]
    [InlineData("extract")]
    public void Image_only_commands_on_a_chart_say_what_it_is(string command)
    {
        var wild = new WildLayout();
        using var temp = new TempDirectory();
        string path = wild.WriteTar(temp.Path);
        string[] args = command switch
        {
            "cat" => ["archive", "cat", path, "mychart:0.1.0", "/Chart.yaml"],
            "extract" => ["archive", "extract", path, "mychart:0.1.0", temp.Combine("out")],
            _ => ["archive", command, path, "mychart:0.1.0"],
        };

        CliResult result = CliRunner.Run(args);

        result.ExitCode.Should().NotBe(0);
        result.StdErr.Should().Contain($"Error: IMGFMT0160: {wild.Chart} is a Helm chart (application/vnd.cncf.helm.config.v1+json), not an image");
        Directory.Exists(temp.Combine("out")).Should().BeFalse();
    }

    [Fact]
    public void Verify_counts_the_artifacts_and_their_blobs()
    {
        var wild = new WildLayout();
        using var temp = new TempDirectory();
        string path = wild.WriteTar(temp.Path);
        using ImageArchive archive = ImageArchive.OpenFile(path);
        long bytes = wild.Layer.Length + archive.Artifacts.SelectMany(a => a.Blobs).Sum(b => b.Descriptor.Size);

        CliResult result = CliRunner.Run("archive", "verify", path);

        result.ExitCode.Should().Be(0, result.StdErr);
        result.StdOut.Should().Be($"verified: 1 image(s), 1 layer blob(s), 4 artifact(s) with 8 blob(s), {bytes} bytes; 0 warning(s)\n");
    }

    [Theory]
    [InlineData("oci")]
    [InlineData("docker")]
    public void Convert_carries_the_artifacts(string format)
    {
        var wild = new WildLayout();
        using var temp = new TempDirectory();
        string output = temp.Combine("out.tar");

        CliResult result = CliRunner.Run("archive", "convert", "--archive-format", format, wild.WriteTar(temp.Path), output);

        result.ExitCode.Should().Be(0, result.StdErr);
        result.StdErr.Should().BeEmpty();
        using ImageArchive written = ImageArchive.OpenFile(output);
        written.Artifacts.Select(a => a.Digest).Should().Equal(wild.Attestation, wild.Signature, wild.Artifact, wild.Chart);
    }

    [Fact]
    public void Convert_to_legacy_leaves_the_artifacts_out_with_one_warning_each()
    {
        var wild = new WildLayout();
        using var temp = new TempDirectory();
        string output = temp.Combine("out.tar");

        CliResult result = CliRunner.Run("archive", "convert", "--archive-format", "legacy", wild.WriteTar(temp.Path), output);

        result.ExitCode.Should().Be(0, result.StdErr);
        result.StdErr.Should().Be(
            $"warning: not written, the legacy format holds images only: {wild.Attestation} is a BuildKit attestation (application/vnd.in-toto+json)\n" +
            $"warning: not written, the legacy format holds images only: {wild.Signature} is a cosign signature (application/vnd.dev.cosign.simplesigning.v1+json)\n" +
            $"warning: not written, the legacy format holds images only: {wild.Artifact} is an OCI artifact (application/vnd.example.sbom.v1+json)\n" +
            $"warning: not written, the legacy format holds images only: {wild.Chart} is a Helm chart (application/vnd.cncf.helm.config.v1+json)\n");
        using ImageArchive written = ImageArchive.OpenFile(output);
        written.Images.Select(i => i.Id).Should().Equal(wild.ImageId);
        written.Artifacts.Should().BeEmpty();
    }

    [Fact]
    public void Load_of_an_archive_of_artifacts_only_is_an_error_saying_what_it_holds_and_loads_nothing()
    {
        var wild = new WildLayout(withImage: false);
        using var temp = new TempDirectory();
        string path = wild.WriteTar(temp.Path);
        string root = temp.Combine("store");

        CliResult result = CliRunner.Run("--root", root, "load", "-i", path);

        result.ExitCode.Should().NotBe(0);
        result.StdOut.Should().BeEmpty();
        result.StdErr.Should().Contain($"Error: IMGFMT0160: {wild.Signature} is a cosign signature (application/vnd.dev.cosign.simplesigning.v1+json), not an image");
        CliRunner.Run("--root", root, "images", "-q").StdOut.Should().BeEmpty();
    }

    [Fact]
    public void Load_of_an_archive_with_images_and_artifacts_loads_the_images()
    {
        var wild = new WildLayout();
        using var temp = new TempDirectory();
        string path = wild.WriteTar(temp.Path);
        string root = temp.Combine("store");

        CliResult result = CliRunner.Run("--root", root, "load", "-i", path);

        result.ExitCode.Should().Be(0, result.StdErr);
        result.StdOut.Should().Be("Loaded image: app:1\n");
    }
}
