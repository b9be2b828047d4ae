using System.Text.Json.Nodes;
using FluentAssertions;
using ImageFormat.Cli;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Store;

/// <summary>
/// <c>commit -c HEALTHCHECK …</c> and the listings' <c>--format</c> placeholders against real Docker 20.10: the same
/// image in both, the same commands, and the outputs compared key for key and line for line.
/// </summary>
public class DockerListingInteropTests
{
    public static TheoryData<string> HealthChecks =>
    [
        "HEALTHCHECK NONE",
        "HEALTHCHECK CMD curl -f http://x/",
        "HEALTHCHECK --interval=5s --timeout=3s --start-period=1m30s --retries=3 CMD [\"a\",\"b\"]",
        "healthcheck --interval=1ms cmd   echo   \"a  b\"",
        "HEALTHCHECK --timeout=1.5h2m CMD [\"x\"",
        "HEALTHCHECK --retries=3 NONE",
        "HEALTHCHECK --interval=0s CMD x",
        "HEALTHCHECK --retries=0 CMD x",
        "HEALTHCHECK",
        "HEALTHCHECK CMD",
        "HEALTHCHECK CMD []",
        "HEALTHCHECK --foo=1 CMD x",
        "HEALTHCHECK NONE x",
        "HEALTHCHECK FOO x",
        "HEALTHCHECK --interval=5 CMD x",
        "HEALTHCHECK --interval=5q CMD x",
        "HEALTHCHECK --interval 5s CMD x",
        "HEALTHCHECK --interval=5s --interval=6s CMD x",
        "HEALTHCHECK --retries=abc CMD x",
        "HEALTHCHECK -interval=5s CMD x",
    ];

    [Theory]
    [MemberData(nameof(HealthChecks))]
    public void Commit_with_a_HEALTHCHECK_change_writes_the_config_Docker_writes_or_Dockers_error(string change)
    {
        DockerCli docker = Peers.RequireDocker();
        using var temp = new TempDirectory();
        string root = temp.Combine("store");
        string name = "hc" + Guid.NewGuid().ToString("N")[..10];
        string saved = temp.Combine("base.tar");
        docker.RunToFile(["save", "busybox:base"], saved).EnsureSuccess("docker save busybox:base");
        Ours(root, "load", "-i", saved).ExitCode.Should().Be(0);
        Ours(root, "create", "--name", name, "busybox:base", "sh").ExitCode.Should().Be(0);
        docker.RunChecked("create", "--name", name, "busybox:base", "sh");
        string? committed = null;
        try
        {
            ProcessResult theirs = docker.Run(["commit", "-c", change, name]);
            ProcessResult ours = Ours(root, "commit", "-c", change, name);
            ours.ExitCode.Should().Be(theirs.ExitCode, $"{change}: docker said [{theirs.StdErr}], we said [{ours.StdErr}]");
            ours.StdErr.Should().Be(theirs.StdErr, change);
            if (theirs.ExitCode != 0)
            {
                return;
            }

            committed = theirs.StdOut.Trim();
            JsonNode theirConfig = JsonNode.Parse(docker.RunChecked("image", "inspect", "--format", "{{json .Config}}", committed).StdOut)!;
            JsonNode ourConfig = JsonNode.Parse(Ours(root, "inspect", ours.StdOut.Trim()).StdOut)![0]!["Config"]!;
            foreach (JsonNode config in new[] { theirConfig, ourConfig })
            {
                config["Hostname"] = "H";
            }

            ourConfig.ToJsonString().Should().Be(theirConfig.ToJsonString(), change);
        }
        finally
        {
            docker.Run(["rm", "-f", name]);
            if (committed is not null)
            {
                docker.Run(["rmi", committed]);
            }
        }
    }

    [Fact]
    public void Every_documented_placeholder_of_images_ps_and_history_prints_what_docker_prints()
    {
        DockerCli docker = Peers.RequireDocker();
        using var temp = new TempDirectory();
        string root = temp.Combine("store");
        string tag = "fmt" + Guid.NewGuid().ToString("N")[..10];
        string rootfs = temp.Combine("rootfs.tar");
        string seed = tag + "-seed";
        docker.RunChecked("create", "--name", seed, "busybox:base", "sh");
        string? imported = null;
        var names = new List<string> { seed };
        try
        {
            docker.RunToFile(["export", seed], rootfs).EnsureSuccess("docker export");
            imported = docker.RunChecked("import", "-c", $"LABEL a={tag} b.c=2", "-c", "CMD [\"sh\"]", rootfs, tag + ":v1").StdOut.Trim();
            string saved = temp.Combine("image.tar");
            docker.RunToFile(["save", tag + ":v1"], saved).EnsureSuccess("docker save");
            Ours(root, "load", "-i", saved).ExitCode.Should().Be(0);
            foreach (string[] command in new[] { new[] { "echo", "hi there" }, [], ["sh", "-c", "a \"b\" \\c"] })
            {
                string name = tag + "-c" + names.Count;
                names.Add(name);
                docker.RunChecked(["create", "--name", name, tag + ":v1", .. command]);
                Ours(root, ["create", "--name", name, tag + ":v1", .. command]).ExitCode.Should().Be(0);
            }

            string[][] cases =
            [
                ["images", "--filter", "reference=" + tag, "--format", "{{json .}}"],
                ["images", "--filter", "reference=" + tag, "--format", "table {{.ID}}\\t{{.Repository}}:{{.Tag}}\\t{{.Digest}}\\t{{.CreatedAt}}\\t{{.Size}}\\t{{.SharedSize}}\\t{{.UniqueSize}}\\t{{.VirtualSize}}\\t{{.Containers}}"],
                ["images", tag, "--no-trunc", "--digests", "--format", "table {{.Repository}}\\t{{.Tag}}\\t{{.ID}}"],
                ["images", "--filter", "reference=" + tag, "--format", "{{.ID}} {{.Foo}}"],
                ["images", "--format", "{{foo .ID}}"],
                ["history", tag + ":v1", "--format", "{{json .}}"],
                ["history", tag + ":v1", "--no-trunc", "--format", "table {{.ID}}\\t{{.CreatedAt}}\\t{{.CreatedBy}}\\t{{.Size}}\\t{{.Comment}}"],
                ["history", tag + ":v1", "-H=false"],
                ["ps", "-a", "--format", "table {{.Names}}\\t{{.Image}}\\t{{.Command}}\\t{{.Ports}}\\t{{.State}}\\t{{.Status}}\\t{{.Size}}\\t{{.Label \"b.c\"}}\\t{{.Mounts}}\\t{{.Networks}}\\t{{.LocalVolumes}}"],
                ["ps", "-a", "--no-trunc", "--format", "{{.Names}} {{.Command}} {{.Image}}"],
                ["ps", "-a", "--format", "{{.Labels}}"],
                ["ps", "-a", "--format", "{{.Nope}}"],
            ];
            foreach (string[] args in cases)
            {
                // The store lists only its own containers; on Docker's side a label filter does (the engine may be shared).
                ProcessResult theirs = docker.Run(args[0] == "ps" ? [.. args, "--filter", $"label=a={tag}"] : args);
                ProcessResult ours = Ours(root, args);
                string what = string.Join(' ', args);
                ours.ExitCode.Should().Be(theirs.ExitCode, $"{what}: docker said [{theirs.StdErr}], we said [{ours.StdErr}]");
                ours.StdErr.Should().Be(theirs.StdErr, what);
                if (args[^1] == "{{.Labels}}")
                {
                    // Docker joins the labels in Go's map order, which varies run to run: the same labels in any order.
                    string[] Labels(string text) => [.. text.Split('\n').Select(line => string.Join(',', line.Split(',').Order(StringComparer.Ordinal)))];
                    Labels(ours.StdOut).Should().Equal(Labels(theirs.StdOut), what);
                    continue;
                }

                // "N seconds ago" may tick between the two runs: relative times are checked with a fixed clock in DockerListingTests.
                string Steady(string text) => System.Text.RegularExpressions.Regex.Replace(text, "\"CreatedSince\":\"[^\"]*\"", "\"CreatedSince\":\"T\"");
                Steady(ours.StdOut).Should().Be(Steady(theirs.StdOut), what);
            }
        }
        finally
        {
            foreach (string name in names)
            {
                docker.Run(["rm", "-f", name]);
            }

            if (imported is not null)
            {
                docker.Run(["rmi", "-f", imported]);
            }
        }
    }

    private static ProcessResult Ours(string root, params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        int exit = Program.Run(["--root", root, .. args], TextReader.Null, stdout, stderr);
        return new ProcessResult(exit, stdout.ToString(), stderr.ToString());
    }
}
