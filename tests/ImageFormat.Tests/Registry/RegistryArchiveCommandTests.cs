using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Tests.Cli;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Registry;

/// <summary>
/// <c>imagefmt archive …</c> on <c>docker://REF</c>: every subcommand that reads an image prints exactly what it
/// prints for the archive that was pushed there; a tampered layer fails verification with its code.
/// </summary>
public class RegistryArchiveCommandTests(PlainRegistryFixture fixture) : IClassFixture<PlainRegistryFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// Converts a built archive into an OCI layout tagged with the registry reference (so both carry the same tag),
    /// pushes that layout verbatim, and returns the layout's operand and the registry's.
    /// </summary>
    private (string Layout, string Remote, TempDirectory Dir) Pushed(string builtArchive, string repository)
    {
        TempDirectory dir = new();
        string reference = $"{fixture.Registry.Host}/{repository}:v1";
        string layout = dir.Combine("layout");
        CliResult convert = CliRunner.Run("copy", "docker-archive:" + BuiltArchives.PathOf(builtArchive), $"oci:{layout}:{reference}");
        convert.ExitCode.Should().Be(0, convert.StdErr);
        CliResult push = CliRunner.Run("copy", $"oci:{layout}:{reference}", "docker://" + reference);
        push.ExitCode.Should().Be(0, push.StdErr);
        return ("oci:" + layout, "docker://" + reference, dir);
    }

    [Theory]
    [InlineData("inspect")]
    [InlineData("files")]
    [InlineData("files", "--format", "json")]
    [InlineData("layers")]
    [InlineData("layers", "--format", "json")]
    [InlineData("verify", "--quiet")]
    public void Archive_command_on_a_docker_reference_prints_what_it_prints_for_the_pushed_archive(string command, params string[] options)
    {
        (string layout, string remote, TempDirectory dir) = Pushed("built-bazel-whiteout.tar", "cmd/" + command);
        using (dir)
        {
            CliResult local = CliRunner.Run(["archive", command, .. options, layout]);
            CliResult registry = CliRunner.Run(["archive", command, .. options, remote]);

            local.ExitCode.Should().Be(0, local.StdErr);
            registry.StdErr.Should().BeEmpty();
            registry.ExitCode.Should().Be(0);
            registry.StdOut.Should().Be(local.StdOut);
            registry.StdOut.Should().NotBeEmpty();
        }
    }

    [Fact]
    public void Archive_cat_on_a_docker_reference_writes_the_files_bytes_as_for_the_pushed_archive()
    {
        (string layout, string remote, TempDirectory dir) = Pushed("built-bazel-whiteout.tar", "cmd/cat");
        using (dir)
        {
            CliResult files = CliRunner.Run("archive", "files", "--format", "json", layout);
            string path = System.Text.Json.JsonDocument.Parse(files.StdOut).RootElement.EnumerateArray()
                .First(e => e.GetProperty("Type").GetString() == "RegularFile" && e.GetProperty("Size").GetInt64() > 0).GetProperty("Path").GetString()!;
            string reference = remote["docker://".Length..];

            CliResult local = CliRunner.Run("archive", "cat", layout, reference, path);
            CliResult registry = CliRunner.Run("archive", "cat", remote, reference, path);
            CliResult wrong = CliRunner.Run("archive", "cat", remote, "other:v1", path);

            local.ExitCode.Should().Be(0, local.StdErr);
            registry.ExitCode.Should().Be(0, registry.StdErr);
            registry.Binary.Should().NotBeEmpty().And.Equal(local.Binary);
            wrong.ExitCode.Should().Be(3);
            wrong.StdErr.Should().StartWith("Error: IMGFMT");
        }
    }

    [Fact]
    public void Archive_extract_on_a_docker_reference_writes_the_same_tree_and_line_as_for_the_pushed_archive()
    {
        (string layout, string remote, TempDirectory dir) = Pushed("built-bazel-whiteout.tar", "cmd/extract");
        using (dir)
        {
            CliResult local = CliRunner.Run("archive", "extract", "--quiet", layout, dir.Combine("local"));
            CliResult registry = CliRunner.Run("archive", "extract", "--quiet", remote, dir.Combine("remote"));

            local.ExitCode.Should().Be(0, local.StdErr);
            registry.ExitCode.Should().Be(0, registry.StdErr);
            registry.StdOut.Should().Be(local.StdOut.Replace(dir.Combine("local"), dir.Combine("remote"), StringComparison.Ordinal));
            Tree(dir.Combine("remote")).Should().Equal(Tree(dir.Combine("local"))).And.NotBeEmpty();
        }
    }

    [Fact]
    public void Archive_verify_of_a_docker_reference_whose_layer_is_tampered_lists_the_coded_mismatches_and_exits_5()
    {
        (string layout, string remote, TempDirectory dir) = Pushed("built-bazel-whiteout.tar", "cmd/tampered");
        using (dir)
        {
            byte[] tar = BuiltArchives.BazelLayers()[0];
            Digest digest = Digest.Compute(tar);
            using ImageArchive archive = ImageArchive.OpenLayout(layout["oci:".Length..]);
            string image = archive.Images.Single().ShortId;
            using FaultProxy proxy = new(fixture.Registry.Port, digest.Value, Fault.FlipEvery, offset: 1024);

            CliResult result = CliRunner.Run("archive", "verify", "--quiet", remote.Replace(fixture.Registry.Host, proxy.Host, StringComparison.Ordinal));

            // The proxy counts the response's header bytes too, so the flipped byte is somewhere in the first 1024
            // bytes of the blob; the layer is uncompressed, so its digest and its diffID both fail.
            string found = System.Text.RegularExpressions.Regex.Match(result.StdOut, "hashes to (sha256:[0-9a-f]{64})").Groups[1].Value;
            Enumerable.Range(0, 1024).Select(i =>
            {
                byte[] flipped = (byte[])tar.Clone();
                flipped[i] ^= 0x01;
                return Digest.Compute(flipped).Value;
            }).Should().Contain(found);
            result.StdErr.Should().BeEmpty();
            result.StdOut.Should().Be(
                $"error: {digest}: layer 0 of image {image}: expected digest {digest}, stored blob hashes to {found} ({ErrorCodes.DigestMismatch})\n"
                + $"error: {digest}: layer 0 of image {image}: config declares diffID {digest}, uncompressed content hashes to {found} ({ErrorCodes.DigestMismatch})\n"
                + "invalid: 2 error(s), 0 warning(s) in 1 image(s)\n");
            result.ExitCode.Should().Be(5);
            proxy.Flips.Should().Be(1);
        }
    }

    private static string[] Tree(string root) =>
        [.. Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(root, p) + (File.Exists(p) ? ":" + Convert.ToHexString(File.ReadAllBytes(p)) : "/"))
            .Order(StringComparer.Ordinal)];
}
