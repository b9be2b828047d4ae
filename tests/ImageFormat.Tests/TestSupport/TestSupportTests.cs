using FluentAssertions;
using Xunit;

namespace ImageFormat.Tests.TestSupport;

public class TestSupportTests
{
    [Fact]
    public void Repo_root_holds_the_solution_and_the_samples()
    {
        File.Exists(Path.Combine(RepoPaths.Root, "ImageFormat.sln")).Should().BeTrue();
        RepoPaths.Sample("hello.tar").Should().Be(Path.Combine(RepoPaths.Root, "samples", "hello.tar"));
    }

    [Fact]
    public void Fixtures_are_found_beside_the_repo_unless_the_environment_names_another_folder()
    {
        string expected = Environment.GetEnvironmentVariable(RepoPaths.FixturesVariable) is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared", "fixtures"));
        RepoPaths.Fixtures.Should().Be(expected);
    }

    [Fact]
    public void Missing_fixtures_folder_skips_the_test_naming_the_folder()
    {
        using var temp = new TempDirectory();
        string missing = temp.Combine("shared", "fixtures");

        Action act = () => RepoPaths.FixtureIn(missing, "hello-world-v25.tar");

        act.Should().Throw<Xunit.Sdk.SkipException>().Which.Message.Should().EndWith(
            $"fixtures folder not found: {missing} (set IMAGEFMT_FIXTURES or put shared/fixtures beside the repository; the built-in archives cover the same dialects)");
    }

    [Fact]
    public void Missing_fixture_in_a_present_folder_skips_the_test_naming_the_file()
    {
        using var temp = new TempDirectory();

        Action act = () => RepoPaths.FixtureIn(temp.Path, "no-such-fixture.tar");

        act.Should().Throw<Xunit.Sdk.SkipException>().Which.Message.Should().EndWith($"fixture not found: {temp.Combine("no-such-fixture.tar")}");
    }

    [Fact]
    public void Present_fixture_is_returned_by_path()
    {
        using var temp = new TempDirectory();
        string file = temp.WriteFile("x.tar", [1]);

        RepoPaths.FixtureIn(temp.Path, "x.tar").Should().Be(file);
    }

    [Fact]
    public void Missing_sample_is_a_clear_error()
    {
        Action act = () => RepoPaths.Sample("no-such-sample.tar");
        act.Should().Throw<FileNotFoundException>().WithMessage("test data */no-such-sample.tar does not exist");
    }

    [Fact]
    public void Process_runner_captures_exit_code_stdout_and_stderr()
    {
        ProcessResult result = ProcessRunner.Run("sh", ["-c", "printf 'out put'; printf err >&2; exit 3"]);
        result.Should().Be(new ProcessResult(3, "out put", "err"));
    }

    [Fact]
    public void Process_runner_passes_stdin_environment_and_working_directory()
    {
        using var temp = new TempDirectory();
        ProcessResult result = ProcessRunner.Run(
            "sh",
            ["-c", "cat; printf '%s|' \"$IMAGEFMT_TEST_VALUE\"; pwd"],
            stdin: "from stdin\n",
            env: new Dictionary<string, string> { ["IMAGEFMT_TEST_VALUE"] = "a=b c" },
            workingDirectory: temp.Path);
        result.Should().Be(new ProcessResult(0, $"from stdin\na=b c|{temp.Path}\n", string.Empty));
    }

    [Fact]
    public void Process_runner_writes_binary_stdout_to_a_file_byte_for_byte()
    {
        using var temp = new TempDirectory();
        string input = temp.WriteFile("in.bin", [0x00, 0xff, 0x0a, 0x0d, 0x80]);
        string output = temp.Combine("out.bin");
        ProcessRunner.RunToFile("cat", [], output, stdinPath: input).ExitCode.Should().Be(0);
        File.ReadAllBytes(output).Should().Equal(0x00, 0xff, 0x0a, 0x0d, 0x80);
    }

    [Fact]
    public void Process_runner_timeout_kills_the_process_tree_and_fails_the_test()
    {
        using var temp = new TempDirectory();
        string pidFile = temp.Combine("child.pid");
        Action act = () => ProcessRunner.Run(
            "sh",
            ["-c", $"sleep 300 & echo $! > '{pidFile}'; wait"],
            timeout: TimeSpan.FromMilliseconds(500));

        act.Should().Throw<Exception>().WithMessage("`sh -c sleep 300 & echo*` timed out after 0.5 s and was killed with its children");
        int child = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        // SIGKILL is delivered asynchronously: on a loaded machine the child may take a moment to die.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (ProcessIsAlive(child) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
        }

        ProcessIsAlive(child).Should().BeFalse("the grandchild `sleep` must be killed with its parent");
    }

    private static bool ProcessIsAlive(int pid)
    {
        // A killed child of a killed shell is reaped by init; until then it shows as a zombie, which is dead.
        string status = $"/proc/{pid}/status";
        if (!File.Exists(status))
        {
            return false;
        }

        try
        {
            return !File.ReadAllText(status).Contains("State:\tZ", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Temp_directory_is_created_and_deleted_with_read_only_content()
    {
        string path;
        using (var temp = new TempDirectory())
        {
            path = temp.Path;
            Directory.Exists(path).Should().BeTrue();
            path.Should().StartWith(Path.GetTempPath());
            string file = temp.WriteFile("sub/deeper/file.txt", "x"u8);
            File.SetAttributes(file, FileAttributes.ReadOnly);
            File.SetUnixFileMode(temp.Combine("sub", "deeper"), UnixFileMode.UserRead | UnixFileMode.UserExecute);
            File.CreateSymbolicLink(temp.Combine("link-out"), "/etc");
        }

        Directory.Exists(path).Should().BeFalse();
        Directory.Exists("/etc").Should().BeTrue();
    }

    [Fact]
    public void Peers_env_file_is_parsed_as_key_value_lines()
    {
        IReadOnlyDictionary<string, string> values = Peers.ParseEnvFile(
        [
            "# written by peers.sh",
            "IMAGEFMT_DOCKER=/usr/bin/docker",
            "",
            "DOCKER_HOST=unix:///tmp/imagefmt-peers/docker.sock",
            "WEIRD=a=b",
            "not a pair",
        ]);
        values.Should().BeEquivalentTo(new Dictionary<string, string>
        {
            ["IMAGEFMT_DOCKER"] = "/usr/bin/docker",
            ["DOCKER_HOST"] = "unix:///tmp/imagefmt-peers/docker.sock",
            ["WEIRD"] = "a=b",
        });
    }

    [Fact]
    public void FindOnPath_finds_sh_and_not_a_missing_tool()
    {
        Peers.FindOnPath("imagefmt-no-such-tool").Should().BeNull();
        Peers.FindOnPath("sh").Should().NotBeNull();
    }
}
