using FluentAssertions;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Cli;

public class ArchiveCommandTests
{
    private static string Hello => RepoPaths.Sample("hello.tar");

    [Fact]
    public void Ls_prints_one_line_per_image_with_id_tags_platform_layers_and_size()
    {
        CliResult result = CliRunner.Run("archive", "ls", Hello);

        result.ExitCode.Should().Be(0, result.StdErr);
        result.StdOut.Should().Be(
            "IMAGE ID       TAGS           PLATFORM      LAYERS   SIZE\n" +
            "b09c12e7651a   hello:latest   linux/amd64   2        12.29kB\n" +
            "5571c1f38672   hello:base     linux/amd64   1        10.24kB\n");
    }

    [Fact]
    public void Ls_json_lists_full_ids_and_untagged_images_with_empty_tags()
    {
        CliResult result = CliRunner.Run("archive", "ls", "--format", "json", RepoPaths.Fixture("hello-world-v25.tar"));

        result.ExitCode.Should().Be(0, result.StdErr);
        result.StdOut.Should().Be("""
            [
                {
                    "Id": "sha256:ee301c921b8aadc002973b2e0c3da17d701dcd994b606769a7e6eaa100b81d44",
                    "RepoTags": [],
                    "RefNames": [],
                    "Platform": "linux/arm64",
                    "Layers": 1,
                    "Size": 10752
                }
            ]

            """.Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    [Fact]
    public void Ls_json_of_the_built_engine25_archive_lists_the_untagged_image_with_empty_tags()
    {
        byte[] layer = BuiltArchives.Engine25Layer();
        CliResult result = CliRunner.Run("archive", "ls", "--format", "json", BuiltArchives.PathOf("built-engine25.tar"));

        result.ExitCode.Should().Be(0, result.StdErr);
        result.StdOut.Should().Be($$"""
            [
                {
                    "Id": "{{ImageFormat.Digests.Digest.ComputeUtf8(BuiltArchives.Engine25Config())}}",
                    "RepoTags": [],
                    "RefNames": [],
                    "Platform": "linux/arm64",
                    "Layers": 1,
                    "Size": {{layer.Length}}
                }
            ]

            """.Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    [Fact]
    public void Verify_lists_warnings_but_passes_the_built_engine25_archive()
    {
        CliResult result = CliRunner.Run("archive", "verify", BuiltArchives.PathOf("built-engine25.tar"));

        result.ExitCode.Should().Be(0);
        result.StdOut.Should().Be(
            "warning: index.json: \"manifests\" is null (written by Docker Engine 25.0.0 to 25.0.2); the images are read from manifest.json (IMGFMT0005)\n" +
            $"verified: 1 image(s), 1 layer blob(s), {BuiltArchives.Engine25Layer().Length} bytes; 1 warning(s)\n");
    }

    [Fact]
    public void Manifest_prints_the_stored_indented_oci_manifest_of_the_built_buildkit_archive_exactly()
    {
        string oci = BuiltArchives.PathOf("built-buildkit-zstd.tar");
        using var archive = ImageFormat.Archives.ImageArchive.OpenFile(oci);
        string entry = $"blobs/sha256/{archive.FindImage(null).ManifestDigest!.Value.Encoded}";

        CliResult result = CliRunner.Run("archive", "manifest", oci);

        result.ExitCode.Should().Be(0, result.StdErr);
        string expected = ProcessRunner.Run(Peers.RequireGnuTar(), ["-xOf", oci, entry]).StdOut;
        result.BinaryText.Should().Be(expected);
        expected.Should().StartWith("{\n  \"schemaVersion\": 2,");
    }

    [Fact]
    public void Config_prints_the_stored_bytes_exactly()
    {
        CliResult result = CliRunner.Run("archive", "config", Hello, "hello:base");

        result.ExitCode.Should().Be(0, result.StdErr);
        string expected = ProcessRunner.Run(Peers.RequireGnuTar(), ["-xOf", Hello, "5571c1f386721bf1313f133ab61c9f448f40cd1a012742b7839133a5660efdc3.json"]).StdOut;
        result.BinaryText.Should().Be(expected);
        result.StdOut.Should().BeEmpty();
    }

    [Fact]
    public void Manifest_prints_the_stored_oci_manifest_exactly()
    {
        string oci = RepoPaths.Fixture("test-oci-zstd-image.tar");

        CliResult result = CliRunner.Run("archive", "manifest", oci);

        result.ExitCode.Should().Be(0, result.StdErr);
        string expected = ProcessRunner.Run(Peers.RequireGnuTar(), ["-xOf", oci, "blobs/sha256/f5e3515f39a16543547c03d03ec34faf9276742e6ce7c7dd6e467a14e90b29fc"]).StdOut;
        result.BinaryText.Should().Be(expected);
    }

    [Fact]
    public void Manifest_of_a_legacy_archive_says_there_is_none()
    {
        CliResult result = CliRunner.Run("archive", "manifest", Hello, "hello:latest");

        result.ExitCode.Should().Be(3);
        result.StdErr.Should().Be($"Error: IMGFMT0010: image b09c12e7651a has no stored manifest: {Hello} is a legacy docker save archive, which records layers in manifest.json only\n");
    }

    [Fact]
    public void Verify_of_a_good_archive_exits_zero_and_says_what_was_checked()
    {
        CliResult result = CliRunner.Run("archive", "verify", Hello);

        result.ExitCode.Should().Be(0, result.StdErr);
        result.StdOut.Should().Be("verified: 2 image(s), 2 layer blob(s), 12288 bytes; 0 warning(s)\n");
    }

    [Fact]
    public void Verify_lists_warnings_but_passes_a_quirky_engine25_archive()
    {
        CliResult result = CliRunner.Run("archive", "verify", RepoPaths.Fixture("hello-world-v25.tar"));

        result.ExitCode.Should().Be(0);
        result.StdOut.Should().Be(
            "warning: index.json: \"manifests\" is null (written by Docker Engine 25.0.0 to 25.0.2); the images are read from manifest.json (IMGFMT0005)\n" +
            "verified: 1 image(s), 1 layer blob(s), 10752 bytes; 1 warning(s)\n");
    }

    [Fact]
    public void Verify_of_a_tampered_archive_exits_five_and_lists_every_problem()
    {
        using var temp = new TempDirectory();
        byte[] bytes = File.ReadAllBytes(Hello);
        int at = bytes.AsSpan().IndexOf("second layer"u8);
        bytes[at] = (byte)'S';
        int motd = bytes.AsSpan().IndexOf("hello from imagefmt"u8);
        bytes[motd] = (byte)'H';
        string path = temp.WriteFile("tampered.tar", bytes);

        CliResult result = CliRunner.Run("archive", "verify", path);

        result.ExitCode.Should().Be(5);
        string[] lines = result.StdOut.TrimEnd('\n').Split('\n');
        lines.Should().HaveCount(4);
        lines[0].Should().StartWith("error: bac20b2c6f28038948b4e09a1c106a7126e7e1855b4ca8ecb5031c9bd0cf4938/layer.tar: layer 0 of image b09c12e7651a: config declares diffID sha256:6db5840b9f3cdbd71e08d783a1f89c833f47943619ae1acf6cb0b35d3e065738, uncompressed content hashes to sha256:");
        lines[1].Should().StartWith("error: d5382533fef5dad712d809b085daf3f1748784d92f217510ced3888a2ab8d4f8/layer.tar: layer 1 of image b09c12e7651a: config declares diffID sha256:5b367c4d1b91adac12ca4a1c63950e898cb6578734a946c54195aadc3a504e0e");
        lines[2].Should().StartWith("error: 62ed6481ad52a9a35abb6f1d0f36f5edf5788703bee5be4b4596048042090a29/layer.tar: layer 0 of image 5571c1f38672: config declares diffID sha256:6db5840b9f3cdbd71e08d783a1f89c833f47943619ae1acf6cb0b35d3e065738");
        lines[3].Should().Be("invalid: 3 error(s), 0 warning(s) in 2 image(s)");
    }

    [Fact]
    public void Inspect_prints_a_docker_shaped_array_for_the_named_image()
    {
        CliResult result = CliRunner.Run("archive", "inspect", Hello, "5571c1f38672");

        result.ExitCode.Should().Be(0, result.StdErr);
        result.StdOut.Should().StartWith("[\n    {\n        \"Id\": \"sha256:5571c1f386721bf1313f133ab61c9f448f40cd1a012742b7839133a5660efdc3\",");
        result.StdOut.Should().EndWith("    }\n]\n");
    }

    [Fact]
    public void Unknown_image_is_an_error_listing_what_the_archive_holds()
    {
        CliResult result = CliRunner.Run("archive", "config", Hello, "nope");

        result.ExitCode.Should().Be(3);
        result.StdErr.Should().Be("Error: IMGFMT0010: No such image: nope (the archive holds b09c12e7651a hello:latest; 5571c1f38672 hello:base)\n");
    }

    [Fact]
    public void Missing_archive_file_is_an_error_not_a_crash()
    {
        CliResult result = CliRunner.Run("archive", "ls", "/nonexistent/archive.tar");

        result.ExitCode.Should().Be(3);
        result.StdErr.Should().Be("Error: IMGFMT0010: no such file: /nonexistent/archive.tar\n");
    }

    [Fact]
    public void Oci_prefix_opens_a_layout_directory()
    {
        using var temp = new TempDirectory();
        ProcessRunner.Run(Peers.RequireGnuTar(), ["-xf", RepoPaths.Fixture("test-oci-zstd-image.tar"), "-C", temp.Path]).EnsureSuccess("tar -x");

        CliResult result = CliRunner.Run("archive", "ls", "oci:" + temp.Path);

        result.ExitCode.Should().Be(0, result.StdErr);
        result.StdOut.Should().Be(
            "IMAGE ID       TAGS     PLATFORM      LAYERS   SIZE\n" +
            "3eaccc100f86   <none>   linux/arm64   1        4.314kB\n");
    }
}
