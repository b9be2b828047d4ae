using FluentAssertions;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Cli;

/// <summary>The real imagefmt executable (built beside the tests), run as a child process.</summary>
public class ProcessCliTests
{
    private static ProcessResult Imagefmt(IEnumerable<string> args, string? stdin = null) =>
        ProcessRunner.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "imagefmt.dll"), .. args], stdin);

    [Fact]
    public void Version_prints_the_assembly_version()
    {
        ProcessResult result = Imagefmt(["--version"]);

        result.ExitCode.Should().Be(0, result.StdErr);
        string expected = typeof(ImageFormat.Cli.Program).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .Cast<System.Reflection.AssemblyInformationalVersionAttribute>().Single().InformationalVersion;
        result.StdOut.Should().Be(expected + "\n");
        result.StdOut.Should().StartWith("0.1.0");
    }

    [Fact]
    public void Help_lists_the_commands()
    {
        ProcessResult result = Imagefmt(["--help"]);

        result.ExitCode.Should().Be(0, result.StdErr);
        result.StdOut.Should().Contain("imagefmt: read, verify, convert and write Docker and OCI container images without a daemon.");
        result.StdOut.Should().Contain("  digest <FILE>");
        result.StdOut.Should().Contain("  archive");
    }

    [Fact]
    public void Digest_of_standard_input_matches_sha256sum()
    {
        ProcessResult result = Imagefmt(["digest", "-"], stdin: "hello\n");

        result.ExitCode.Should().Be(0, result.StdErr);
        result.StdOut.Should().Be("sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  -\n");
    }

    [Fact]
    public void Digest_of_several_files_prints_one_line_each_like_sha256sum_and_fails_on_a_missing_one()
    {
        string sha256sum = Peers.RequireTool("sha256sum");
        string hello = RepoPaths.Sample("hello.tar");
        string missing = "/nonexistent/file";

        ProcessResult ours = Imagefmt(["digest", hello, missing]);
        ProcessResult theirs = ProcessRunner.Run(sha256sum, [hello]);

        ours.ExitCode.Should().Be(1);
        ours.StdOut.Should().Be("sha256:" + theirs.StdOut);
        ours.StdErr.Should().StartWith($"Error: IMGFMT0140: {missing}: Could not find a part of the path");
    }

    [Fact]
    public void Archive_ls_reads_a_gzip_compressed_archive_from_standard_input()
    {
        string gzip = Peers.RequireTool("gzip");
        using var temp = new TempDirectory();
        string compressed = temp.Combine("hello.tar.gz");
        ProcessRunner.RunToFile(gzip, ["-c", RepoPaths.Sample("hello.tar")], compressed).EnsureSuccess("gzip");
        string output = temp.Combine("ls.txt");

        ProcessResult result = ProcessRunner.RunToFile("dotnet", [Path.Combine(AppContext.BaseDirectory, "imagefmt.dll"), "archive", "ls", "-"], output, stdinPath: compressed);

        result.ExitCode.Should().Be(0, result.StdErr);
        File.ReadAllText(output).Should().Be(
            "IMAGE ID       TAGS           PLATFORM      LAYERS   SIZE\n" +
            "b09c12e7651a   hello:latest   linux/amd64   2        12.29kB\n" +
            "5571c1f38672   hello:base     linux/amd64   1        10.24kB\n");
    }

    [Fact]
    public void Unknown_command_is_a_usage_error()
    {
        ProcessResult result = Imagefmt(["frobnicate"]);

        result.ExitCode.Should().NotBe(0);
        result.StdErr.Should().Contain("frobnicate");
    }

    [Fact]
    public void Convert_to_standard_output_on_a_terminal_is_refused_with_a_usage_error()
    {
        string hello = RepoPaths.Sample("hello.tar");

        ProcessResult result = OnATerminal(["archive", "convert", hello, "-"]);

        result.ExitCode.Should().Be(2, result.StdOut);
        result.StdOut.Should().Be("Error: IMGFMT0141: refusing to write an archive to a terminal; redirect standard output or name an output file\r\n");
    }

    [Fact]
    public void Save_to_a_terminal_is_refused_with_dockers_message_and_exit_code()
    {
        using var temp = new TempDirectory();
        string root = temp.Combine("store");
        Imagefmt(["--root", root, "load", "-i", RepoPaths.Sample("hello.tar")]).ExitCode.Should().Be(0);

        ProcessResult result = OnATerminal(["--root", root, "save", "hello:latest"]);

        result.ExitCode.Should().Be(1, result.StdOut);
        result.StdOut.Should().Be("cowardly refusing to save to a terminal. Use the -o flag or redirect\r\n");
    }

    /// <summary>
    /// Runs imagefmt with a pseudo-terminal as its standard input, output and error (util-linux <c>script</c>), and
    /// returns the text it wrote to the terminal (with the terminal's CR LF line ends) and its exit code.
    /// </summary>
    private static ProcessResult OnATerminal(IEnumerable<string> args)
    {
        const string script = "/usr/bin/script";
        if (!File.Exists(script))
        {
            Assert.Skip("needs util-linux's script (package bsdutils) to give the command a terminal");
        }

        string command = string.Join(' ', new[] { "dotnet", Path.Combine(AppContext.BaseDirectory, "imagefmt.dll") }.Concat(args).Select(a => "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));
        ProcessResult result = ProcessRunner.Run(script, ["-qec", command, "/dev/null"]);

        // .NET switches a terminal's keypad mode on (ESC [?1h ESC =) and off again: control sequences, not text.
        return result with { StdOut = System.Text.RegularExpressions.Regex.Replace(result.StdOut, "\u001b(\\[[0-9;?]*[A-Za-z]|[=>])", string.Empty) };
    }
}
