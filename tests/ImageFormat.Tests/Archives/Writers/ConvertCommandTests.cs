using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Tests.TestSupport;
using Xunit;
using static ImageFormat.Tests.Archives.Writers.WriterTestSupport;

namespace ImageFormat.Tests.Archives.Writers;

public class ConvertCommandTests
{
    private static readonly string s_cli = Path.Combine(AppContext.BaseDirectory, "imagefmt.dll");

    private static ProcessResult Cli(IDictionary<string, string>? env, params string[] args) =>
        ProcessRunner.Run("dotnet", [s_cli, .. args], env: env);

    [Theory]
    [InlineData("docker")]
    [InlineData("legacy")]
    [InlineData("oci")]
    public void Two_processes_at_different_times_and_zones_over_shuffled_input_write_identical_bytes(string format)
    {
        using var temp = new TempDirectory();
        string tar = Peers.RequireGnuTar();
        string unpacked = temp.Combine("unpacked");
        Directory.CreateDirectory(unpacked);
        ProcessRunner.Run(tar, ["-xf", Hello, "-C", unpacked]).EnsureSuccess("tar -x");
        string shuffled = temp.Combine("shuffled.tar");
        string[] names = [.. Entries(Hello).Select(e => e.Name).Reverse()];
        ProcessRunner.Run(tar, ["-cf", shuffled, "-C", unpacked, "--no-recursion", "--owner=4242", "--group=4242", .. names]).EnsureSuccess("tar -c");
        Entries(shuffled).Select(e => e.Name).Should().NotEqual(Entries(Hello).Select(e => e.Name));

        string first = temp.Combine("first.tar");
        string second = temp.Combine("second.tar");
        Cli(new Dictionary<string, string> { ["TZ"] = "UTC" }, "archive", "convert", "--archive-format", format, Hello, first).EnsureSuccess("first convert");
        Thread.Sleep(1100);
        Cli(new Dictionary<string, string> { ["TZ"] = "Asia/Tokyo" }, "archive", "convert", "--archive-format", format, shuffled, second).EnsureSuccess("second convert");

        File.ReadAllBytes(second).Should().Equal(File.ReadAllBytes(first));
    }

    [Fact]
    public void Convert_writes_to_standard_output_and_to_an_oci_layout_directory()
    {
        using var temp = new TempDirectory();
        string stdout = temp.Combine("stdout.tar");
        ProcessRunner.RunToFile("dotnet", [s_cli, "archive", "convert", "--compress", "zstd", "--image", "hello:base", Hello, "-"], stdout).EnsureSuccess("convert to stdout");
        ProcessRunner.Run("dotnet", [s_cli, "archive", "convert", stdout, "oci:" + temp.Combine("layout")]).EnsureSuccess("convert to oci:DIR");

        using ImageArchive written = ImageArchive.OpenFile(stdout);
        written.Images.Should().ContainSingle().Which.RepoTags.Should().Equal("hello:base");
        using ImageArchive layout = ImageArchive.OpenLayout(temp.Combine("layout"));
        layout.Images.Should().ContainSingle().Which.Layers.Single().Compression.Should().Be(ImageFormat.Compression.CompressionFormat.Zstd);
        ShouldBeValid(layout);
    }

    [Fact]
    public void Legacy_with_compression_is_an_error_and_writes_nothing()
    {
        using var temp = new TempDirectory();
        ProcessResult result = Cli(null, "archive", "convert", "--archive-format", "legacy", "--compress", "gzip", Hello, temp.Combine("out.tar"));
        (result.ExitCode, result.StdErr).Should().Be((2, "Error: IMGFMT0141: the legacy format stores uncompressed layers; --compress must be none\n"));
        Directory.GetFileSystemEntries(temp.Path).Should().BeEmpty();
    }
}
