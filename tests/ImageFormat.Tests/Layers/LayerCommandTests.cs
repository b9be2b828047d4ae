using FluentAssertions;
using ImageFormat.Cli;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Layers;

public sealed class LayerCommandTests
{
    private static (int Exit, string Out, string Err, byte[] Binary) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        using var binary = new MemoryStream();
        int exit = Program.Run(args, new CliConsole(TextReader.Null, stdout, stderr, binary));
        return (exit, stdout.ToString(), stderr.ToString(), binary.ToArray());
    }

    [Fact]
    public void Files_lists_the_merged_tree_with_mode_size_layer_and_path()
    {
        (int exit, string output, string error, _) = Run("archive", "files", RepoPaths.Sample("hello.tar"), "hello:latest");
        exit.Should().Be(0, error);
        output.Should().Be(
            "MODE         SIZE   LAYER   PATH\n" +
            "drwxr-xr-x   0      0       /\n" +
            "drwxr-xr-x   0      0       /bin\n" +
            "drwxr-xr-x   0      0       /etc\n" +
            "-rw-r--r--   20     0       /etc/motd\n" +
            "-rw-r--r--   13     1       /greeting\n");
    }

    [Fact]
    public void Cat_writes_a_file_from_its_layer_and_fails_cleanly_on_a_missing_one()
    {
        (int exit, _, string error, byte[] binary) = Run("archive", "cat", RepoPaths.Sample("hello.tar"), "hello:latest", "/etc/motd");
        exit.Should().Be(0, error);
        System.Text.Encoding.UTF8.GetString(binary).Should().Be("hello from imagefmt\n");
        (exit, _, error, _) = Run("archive", "cat", RepoPaths.Sample("hello.tar"), "hello:latest", "/nope");
        exit.Should().Be(3);
        error.Should().Be("Error: IMGFMT0010: no such file in the image: /nope\n");
    }

    [Fact]
    public void Layers_reports_counts_waste_and_history_and_extract_writes_the_tree()
    {
        (int exit, string output, string error, _) = Run("archive", "layers", RepoPaths.Sample("hello.tar"), "hello:latest", "--format", "json");
        exit.Should().Be(0, error);
        output.Should().Contain("\"Added\": 1").And.Contain("\"CreatedBy\": \"/bin/true\"").And.Contain("\"WastedBytes\": 0");

        using var temp = new TempDirectory();
        (exit, output, error, _) = Run("archive", "extract", RepoPaths.Sample("hello.tar"), "hello:latest", temp.Combine("root"));
        exit.Should().Be(0, error);
        output.Should().Be($"extracted b09c12e7651a: 2 layers, 5 entries into {temp.Combine("root")}\n");
        File.ReadAllText(temp.Combine("root", "greeting")).Length.Should().Be(13);
    }
}
