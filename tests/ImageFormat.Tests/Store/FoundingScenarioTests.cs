using System.Text;
using System.Text.RegularExpressions;
using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Cli;
using ImageFormat.Digests;
using ImageFormat.Store;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Store;

/// <summary>
/// The project's founding scenario (tag, commit, rmi and save of <c>commit_test</c> images on <c>ubuntu:14.04</c>), end to end through the CLI, on the store and on real Docker
/// 20.10 side by side: the same commands, outputs compared line by line with IDs mapped (commit IDs differ by
/// their timestamps), the commit configs compared with times and IDs masked, and the store's images saved and
/// run by Docker.
/// </summary>
public partial class FoundingScenarioTests
{
    [Fact]
    public void Create_commit_rmi_and_save_print_what_Docker_prints_and_Docker_runs_the_result()
    {
        DockerCli docker = Peers.RequireDocker();
        using var temp = new TempDirectory();
        string root = temp.Combine("store");
        string base_ = temp.Combine("base.tar");
        docker.RunToFile(["save", "busybox:base"], base_).EnsureSuccess("docker save busybox:base");
        Ours(root, "load", "-i", base_).StdOut.Should().Be("Loaded image: busybox:base\n");

        // Docker's side lives under a unique prefix (the engine is shared); its outputs are read with it removed.
        string prefix = "s2" + Guid.NewGuid().ToString("N")[..8];
        var oursIds = new IdMap();
        var theirsIds = new IdMap();
        var dockerNames = new List<string>();
        string? savedFirst = null;
        string? savedSecond = null;
        try
        {
            void Same(string[] args, string? containerFile = null, string? content = null)
            {
                ProcessResult ours = Ours(root, args);
                ProcessResult theirs = docker.Run(args.Select(a => a.Replace("commit_test", prefix + "commit_test", StringComparison.Ordinal)));
                string what = string.Join(' ', args);
                ours.ExitCode.Should().Be(theirs.ExitCode, $"{what}: ours [{ours.StdErr}] docker [{theirs.StdErr}]");
                oursIds.Normalize(ours.StdOut).Should().Be(theirsIds.Normalize(theirs.StdOut.Replace(prefix, string.Empty, StringComparison.Ordinal)), what);
                oursIds.Normalize(ours.StdErr).Should().Be(theirsIds.Normalize(theirs.StdErr.Replace(prefix, string.Empty, StringComparison.Ordinal)), what);
                if (containerFile is not null)
                {
                    string container = args[2];
                    string rootfs = Ours(root, "rootfs", container).StdOut.Trim();
                    File.WriteAllText(Path.Combine(rootfs, containerFile), content);
                    string host = temp.Combine(containerFile);
                    File.WriteAllText(host, content);
                    docker.RunChecked("cp", host, $"{prefix}{container}:/{containerFile}");
                    Same(["diff", container]);
                }
            }

            dockerNames.AddRange([prefix + "commit_test", prefix + "commit_test2"]);
            Same(["create", "--name", "commit_test", "busybox:base", "sh"], "first", "first\n");
            Same(["commit", "-a", "sohee", "-m", "my first commit", "commit_test", "commit_test:first"]);
            Same(["create", "--name", "commit_test2", "commit_test:first"], "second", "second\n");
            Same(["commit", "commit_test2", "commit_test:second"]);
            CompareConfigs(docker, root, prefix, "commit_test:first", temp);
            CompareConfigs(docker, root, prefix, "commit_test:second", temp);

            ProcessResult conflict = Ours(root, "rmi", "commit_test:first");
            conflict.StdErr.Should().MatchRegex("^Error response from daemon: conflict: unable to remove repository reference \"commit_test:first\" \\(must force\\) - container [0-9a-f]{12} is using its referenced image [0-9a-f]{12}\n$");
            Same(["rmi", "commit_test:first"]);

            // Save both before they are removed, by ID so that loading them cannot touch anyone's tags on the engine.
            using (ImageStore store = ImageStore.Open(root))
            {
                savedFirst = store.GetImage("commit_test:first").Id.Value;
                savedSecond = store.GetImage("commit_test:second").Id.Value;
            }

            string saved = temp.Combine("ours.tar");
            Ours(root, "save", "-o", saved, savedFirst, savedSecond).ExitCode.Should().Be(0);

            Same(["rm", "commit_test2"]);
            Same(["rmi", "commit_test:first"]);
            Same(["rmi", "commit_test:second"]);
            Ours(root, "system", "check").ExitCode.Should().Be(0);

            docker.RunChecked("load", "-i", saved).StdOut.Should().Be($"Loaded image ID: {savedFirst}\nLoaded image ID: {savedSecond}\n");
            docker.RunChecked("run", "--rm", savedSecond, "cat", "/first", "/second").StdOut.Should().Be("first\nsecond\n");
            docker.RunChecked("image", "inspect", "--format", "{{.Parent}}", savedSecond).StdOut.Trim().Should().Be(savedFirst);
        }
        finally
        {
            foreach (string name in dockerNames)
            {
                docker.Run(["rm", "-f", name]);
            }

            docker.Run(["rmi", "-f", $"{prefix}commit_test:first", $"{prefix}commit_test:second"]);
            if (savedSecond is not null)
            {
                docker.Run(["rmi", savedSecond, savedFirst!]);
            }
        }
    }

    [Fact]
    public void Commit_of_an_unchanged_container_adds_an_empty_layer_history_entry_and_no_layer()
    {
        using var temp = new TempDirectory();
        string root = temp.Combine("store");
        string tar = temp.WriteFile("rootfs.tar", StoreFixture.LayerTar("hello", "hello\n"));
        string imported = Ours(root, "import", "-c", "CMD [\"sh\"]", tar, "base:v1").StdOut.Trim();
        Ours(root, "create", "--name", "c1", "base:v1").ExitCode.Should().Be(0);
        Ours(root, "diff", "c1").StdOut.Should().BeEmpty();
        string committed = Ours(root, "commit", "-c", "ENV A=1", "c1", "base:v2").StdOut.Trim();

        using ImageStore store = ImageStore.Open(root);
        string config = Encoding.UTF8.GetString(store.ReadConfig(Digest.Parse(committed)));
        StoreImage image = store.GetImage("base:v2");
        image.Parent.Should().Be(Digest.Parse(imported));
        image.DiffIds.Should().Equal(store.GetImage("base:v1").DiffIds);
        Regex.Replace(config, "\"created\":\"[^\"]+\"", "\"created\":\"T\"").Should().EndWith(
            "\"history\":[{\"created\":\"T\",\"comment\":\"Imported from -\"},{\"created\":\"T\",\"created_by\":\"sh\",\"empty_layer\":true}],"
            + $"\"os\":\"linux\",\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[\"{image.DiffIds[0]}\"]}}}}");
        config.Should().Contain("\"config\":{\"Hostname\":\"").And.Contain("\"Env\":[\"A=1\"],\"Cmd\":[\"sh\"],\"Image\":\"base:v1\"");
    }

    [Fact]
    public void Commit_refuses_an_instruction_Docker_refuses()
    {
        using var temp = new TempDirectory();
        string root = temp.Combine("store");
        string tar = temp.WriteFile("rootfs.tar", StoreFixture.LayerTar("hello", "hello\n"));
        Ours(root, "import", tar, "base:v1").ExitCode.Should().Be(0);
        Ours(root, "create", "--name", "c1", "base:v1", "sh").ExitCode.Should().Be(0);
        ProcessResult result = Ours(root, "commit", "-c", "STOPSIGNAL SIGKILL", "c1");
        result.ExitCode.Should().Be(1);
        result.StdErr.Should().Be("Error response from daemon: stopsignal is not a valid change command\n");
    }

    private static void CompareConfigs(DockerCli docker, string root, string prefix, string tag, TempDirectory temp)
    {
        string ours;
        using (ImageStore store = ImageStore.Open(root))
        {
            ours = Encoding.UTF8.GetString(store.ReadConfig(store.GetImage(tag).Id));
        }

        string file = temp.Combine(tag.Replace(':', '_') + ".docker.tar");
        docker.RunToFile(["save", prefix + tag], file).EnsureSuccess("docker save");
        string theirs;
        using (ImageArchive archive = ImageArchive.OpenFile(file))
        {
            theirs = Encoding.UTF8.GetString(archive.Images[0].Config.Bytes.Span).Replace(prefix, string.Empty, StringComparison.Ordinal);
        }

        Mask(ours).Should().Be(Mask(theirs), $"the config of {tag}");
    }

    /// <summary>Masks what differs by time and machine: times, container IDs, host names, the engine's version, and the committed layers' DiffIDs.</summary>
    private static string Mask(string config)
    {
        config = Regex.Replace(config, "\"created\":\"[^\"]+\"", "\"created\":\"T\"");
        config = Regex.Replace(config, "\"container\":\"[0-9a-f]{64}\"", "\"container\":\"C\"");
        config = Regex.Replace(config, "\"Hostname\":\"[0-9a-f]{12}\"", "\"Hostname\":\"H\"");
        config = Regex.Replace(config, "\"docker_version\":\"[^\"]+\"", "\"docker_version\":\"V\"");
        return new IdMap().Normalize(config);
    }

    private static ProcessResult Ours(string root, params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        int exit = Program.Run(["--root", root, .. args], TextReader.Null, stdout, stderr);
        return new ProcessResult(exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Replaces each distinct ID (64 hex, or a 12-hex short form of one seen before) by its order of first appearance.</summary>
    private sealed partial class IdMap
    {
        private readonly List<string> _seen = [];

        public string Normalize(string text) => Ids().Replace(text, m =>
        {
            string id = m.Value;
            int index = _seen.FindIndex(s => s.StartsWith(id, StringComparison.Ordinal));
            if (index < 0)
            {
                _seen.Add(id);
                index = _seen.Count - 1;
            }

            return $"<id{index}>";
        });

        [GeneratedRegex("(?<![0-9a-f])([0-9a-f]{64}|[0-9a-f]{12})(?![0-9a-f])")]
        private static partial Regex Ids();
    }
}
