using System.Text.RegularExpressions;
using FluentAssertions;
using ImageFormat.Cli;
using ImageFormat.Store;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Store;

/// <summary>
/// The store against real Docker 20.10: the same Docker-saved archive (a base image and a chain of commits with
/// parent links) loaded into both, then the same seeded random sequence of tag, rmi (by name, full ID, short ID,
/// with -f and --no-prune), image prune and container create/remove on both, comparing every output line, error
/// and exit code, and <c>images -a --no-trunc</c> after every step. Everything lives in a namespace of its own
/// (<c>diff-&lt;random&gt;/…</c>, and a label that scopes Docker's prune to it) and is removed from Docker at the end.
/// </summary>
public partial class DockerDifferentialTests
{
    private const int Operations = 220;

    [Fact]
    public void Docker_and_the_store_agree_on_a_random_sequence_of_operations()
    {
        DockerCli docker = Peers.RequireDocker();
        string ns = "diff-" + Guid.NewGuid().ToString("N")[..8];
        string label = "imagefmt.diff=" + ns;
        using var temp = new TempDirectory();
        var dockerContainers = new List<string>();
        string archive = temp.Combine("chain.tar");
        string[] chainTags = [$"{ns}/base:v1", $"{ns}/one:v1", $"{ns}/two:v1", $"{ns}/three:v1", $"{ns}/side:v1"];
        try
        {
            BuildChain(docker, ns, label, temp, chainTags, dockerContainers);
            foreach (string container in dockerContainers)
            {
                docker.RunChecked("rm", container);
            }

            dockerContainers.Clear();
            docker.RunToFile(["save", .. chainTags], archive).EnsureSuccess("docker save");
            docker.RunChecked(["rmi", .. chainTags]);

            string root = temp.Combine("store");
            var ours = new Dictionary<string, string>(StringComparer.Ordinal); // our container ID -> Docker's
            Step load = Compare(docker, ["load", "-i", archive], root, ours);
            load.Ours.ExitCode.Should().Be(0, load.Ours.StdErr);

            var ids = new List<string>();
            using (ImageStore store = ImageStore.Open(root))
            {
                ids.AddRange(store.Images.Select(i => i.Id.Value));
            }

            ids.Should().HaveCount(5);
            CompareImages(docker, root, ids, "after load");

            var random = new Random(20240612);
            for (int step = 0; step < Operations; step++)
            {
                string what = RandomStep(random, docker, ns, label, root, ids, ours);
                CompareImages(docker, root, ids, $"step {step}: {what}");
            }
        }
        finally
        {
            foreach (string container in dockerContainers)
            {
                docker.Run(["rm", "-f", container]);
            }

            // Every image in our namespace, by the label every one of them carries.
            ProcessResult left = docker.Run(["images", "-a", "-q", "--no-trunc", "--filter", "label=" + label]);
            foreach (string id in left.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Distinct().Reverse())
            {
                docker.Run(["rmi", "-f", id]);
            }

            ProcessResult containers = docker.Run(["ps", "-a", "-q", "--no-trunc", "--filter", "label=" + label]);
            foreach (string id in containers.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                docker.Run(["rm", "-f", id]);
            }

            for (int pass = 0; pass < 5; pass++)
            {
                left = docker.Run(["images", "-a", "-q", "--no-trunc", "--filter", "label=" + label]);
                foreach (string id in left.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Distinct())
                {
                    docker.Run(["rmi", "-f", id]);
                }
            }
        }
    }

    private static void BuildChain(DockerCli docker, string ns, string label, TempDirectory temp, string[] tags, List<string> containers)
    {
        string seed = ns + "-seed";
        containers.Add(seed);
        docker.RunChecked("run", "--name", seed, "busybox:base", "sh", "-c", $"echo {ns} > /id");
        string rootfs = temp.Combine("rootfs.tar");
        docker.RunToFile(["export", seed], rootfs).EnsureSuccess("docker export");
        docker.RunChecked("import", "--change", "LABEL " + label.Replace("=", "=\"", StringComparison.Ordinal) + "\"", "--change", "CMD [\"sh\"]", rootfs, tags[0]);
        string[] parents = [tags[0], tags[1], tags[2], tags[1]];
        for (int i = 0; i < parents.Length; i++)
        {
            string name = $"{ns}-c{i}";
            containers.Add(name);
            docker.RunChecked("run", "--name", name, parents[i], "sh", "-c", $"echo {i} > /file{i}");
            docker.RunChecked("commit", "-m", $"step {i}", name, tags[i + 1]);
        }
    }

    private sealed record Step(ProcessResult Docker, ProcessResult Ours);

    private static ProcessResult RunOurs(string root, string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        int exit = Program.Run(["--root", root, .. args], TextReader.Null, stdout, stderr);
        return new ProcessResult(exit, stdout.ToString(), stderr.ToString());
    }

    private static Step Compare(DockerCli docker, string[] args, string root, Dictionary<string, string> containerIds, bool unordered = false)
    {
        ProcessResult theirs = docker.Run(args);
        ProcessResult ours = RunOurs(root, args);
        string Map(string text) => containerIds.Aggregate(text, (t, p) => t.Replace(p.Key[..12], p.Value[..12], StringComparison.Ordinal));
        string what = "imagefmt " + string.Join(' ', args);
        ours.ExitCode.Should().Be(theirs.ExitCode, $"{what}: exit code (docker stderr: {theirs.StdErr}, ours: {ours.StdErr})");
        if (unordered)
        {
            Sorted(Map(ours.StdOut)).Should().Equal(Sorted(theirs.StdOut), what);
        }
        else
        {
            Map(ours.StdOut).Should().Be(theirs.StdOut, what);
        }

        Map(ours.StdErr).Should().Be(theirs.StdErr, $"{what}: docker said [{theirs.StdErr}] and [{theirs.StdOut}], we said [{ours.StdErr}] and [{ours.StdOut}]");
        return new Step(theirs, ours);
    }

    private static string[] Sorted(string text) => [.. text.Split('\n').Order(StringComparer.Ordinal)];

    private static void CompareImages(DockerCli docker, string root, List<string> ids, string when)
    {
        string[] Rows(string output) => [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Skip(1)
            .Select(line => TwoOrMoreSpaces().Split(line.Trim()))
            .Where(cells => cells.Length >= 5 && ids.Contains(cells[2]))
            .Select(cells => string.Join(" | ", cells[0], cells[1], cells[2], cells[^1]))
            .Order(StringComparer.Ordinal)];
        ProcessResult theirs = docker.Run(["images", "-a", "--no-trunc"]);
        ProcessResult ours = RunOurs(root, ["images", "-a", "--no-trunc"]);
        Rows(ours.StdOut).Should().Equal(Rows(theirs.StdOut), $"images -a --no-trunc {when}");
    }

    private static string RandomStep(Random random, DockerCli docker, string ns, string label, string root, List<string> ids, Dictionary<string, string> containers)
    {
        List<string> tags;
        List<(string Ours, string Docker, string Image)> live;
        using (ImageStore store = ImageStore.Open(root))
        {
            tags = [.. store.Images.SelectMany(i => store.ReferencesTo(i.Id))];
            live = [.. store.Containers.Select(c => (c.Id, containers[c.Id], c.ImageId.Value))];
        }

        string AnyImageName()
        {
            int pick = random.Next(10);
            string id = ids[random.Next(ids.Count)];
            return pick switch
            {
                < 4 when tags.Count > 0 => tags[random.Next(tags.Count)],
                4 => id,
                5 => id["sha256:".Length..],
                6 => id["sha256:".Length..][..12],
                7 => id["sha256:".Length..][..5],
                8 => $"{ns}/nosuch:v{random.Next(3)}",
                _ => $"{ns}/t{random.Next(4)}:{(random.Next(2) == 0 ? "a" : "latest")}",
            };
        }

        int op = random.Next(100);
        if (op < 30)
        {
            string source = AnyImageName();
            string target = random.Next(3) == 0 ? $"{ns}/t{random.Next(4)}" : $"{ns}/t{random.Next(4)}:a";
            Compare(docker, ["tag", source, target], root, containers);
            return $"tag {source} {target}";
        }

        if (op < 75)
        {
            var args = new List<string> { "rmi" };
            if (random.Next(4) == 0)
            {
                args.Add("-f");
            }

            if (random.Next(4) == 0)
            {
                args.Add("--no-prune");
            }

            args.Add(AnyImageName());
            Compare(docker, [.. args], root, containers);
            return string.Join(' ', args);
        }

        if (op < 82)
        {
            string[] args = random.Next(2) == 0 ? ["image", "prune", "-f"] : ["image", "prune", "-a", "-f"];
            ProcessResult theirs = docker.Run([.. args, "--filter", "label=" + label]);
            ProcessResult ours = RunOurs(root, args);
            ours.ExitCode.Should().Be(theirs.ExitCode);
            Sorted(ours.StdOut).Should().Equal(Sorted(theirs.StdOut), string.Join(' ', args));
            return string.Join(' ', args);
        }

        if (op < 92 || live.Count == 0)
        {
            // A container on an image that has none yet (Docker names "a" container in its conflict texts, any of them).
            List<string> free;
            using (ImageStore store = ImageStore.Open(root))
            {
                free = [.. store.Images.Where(i => !live.Any(c => c.Image == i.Id.Value)).Select(i => i.Id.Value)];
            }

            if (free.Count == 0)
            {
                return "no image without a container";
            }

            // Through the real commands: ours unpacks the image into the container's root file system.
            string image = free[random.Next(free.Count)];
            string dockerId = docker.RunChecked("create", "--label", label, image, "true").StdOut.Trim();
            ProcessResult created = RunOurs(root, ["create", image, "true"]);
            created.ExitCode.Should().Be(0, created.StdErr);
            string oursId = created.StdOut.Trim();
            oursId.Should().MatchRegex("^[0-9a-f]{64}$");
            containers[oursId] = dockerId;
            return $"create {image}";
        }

        (string oursContainer, string dockerContainer, _) = live[random.Next(live.Count)];
        ProcessResult removed = docker.RunChecked("rm", dockerContainer);
        ProcessResult oursRemoved = RunOurs(root, ["rm", oursContainer]);
        oursRemoved.ExitCode.Should().Be(0, oursRemoved.StdErr);
        oursRemoved.StdOut.Replace(oursContainer, dockerContainer, StringComparison.Ordinal).Should().Be(removed.StdOut);
        Directory.Exists(Path.Combine(root, "containers", oursContainer)).Should().BeFalse("rm removes the root file system");
        return $"rm {dockerContainer}";
    }

    [GeneratedRegex("  +")]
    private static partial Regex TwoOrMoreSpaces();
}
