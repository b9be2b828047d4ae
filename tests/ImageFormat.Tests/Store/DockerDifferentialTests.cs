using System.Globalization;
using System.Text.RegularExpressions;
using FluentAssertions;
using ImageFormat.Cli;
using ImageFormat.Store;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Store;

/// <summary>
/// The store against real Docker 20.10: the same Docker-saved archive (a base image, a chain of commits with
/// parent links, and an image imported without a command) loaded into both, then the same seeded random sequence
/// of tag, rmi (by name, full ID, short ID, with -f and --no-prune), image prune (with until, label and label!
/// filters), container create (with and without a command) and rm, <c>images</c> with filters (dangling,
/// reference, before, since, label, and invalid ones) and <c>--format</c> templates, <c>ps --format</c> and
/// <c>history --format</c> on both, comparing every output line, error and exit code, and
/// <c>images -a --no-trunc</c> after every step. Everything lives in a namespace of its own
/// (<c>diff-&lt;random&gt;/…</c>, and a label that scopes Docker's listings and prunes to it) and is removed from
/// Docker at the end.
/// </summary>
/// <remarks>
/// Where Docker itself is not deterministic the comparison accepts any answer Docker could give: the lines of
/// <c>image prune</c> and the rows of <c>images</c> (Docker walks Go maps, and sorts images by creation second with
/// an unstable sort) are compared as sets; a conflict that names "a" container using an image is compared with the
/// container ID masked when several containers use that image (the daemon names whichever its map yields first).
/// </remarks>
// Timing-sensitive (kills at random moments) and load-heavy (thousands of CLI and docker runs): never side by side.
[Collection("Store processes")]
public partial class DockerDifferentialTests
{
    private const int Operations = 300;

    [Theory]
    [InlineData(20240612)]
    [InlineData(7)]
    [InlineData(90210)]
    public void Docker_and_the_store_agree_on_a_random_sequence_of_operations(int seed)
    {
        DockerCli docker = Peers.RequireDocker();
        string ns = "diff-" + Guid.NewGuid().ToString("N")[..8];
        string label = "imagefmt.diff=" + ns;
        using var temp = new TempDirectory();
        var dockerContainers = new List<string>();
        string archive = temp.Combine("chain.tar");
        string[] chainTags = [$"{ns}/base:v1", $"{ns}/one:v1", $"{ns}/two:v1", $"{ns}/three:v1", $"{ns}/side:v1", $"{ns}/nocmd:v1"];
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

            ids.Should().HaveCount(6);
            CompareImages(docker, root, ids, "after load");

            var random = new Random(seed);
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
        string labelChange = "LABEL " + label.Replace("=", "=\"", StringComparison.Ordinal) + "\"";
        docker.RunChecked("import", "--change", labelChange, "--change", "CMD [\"sh\"]", rootfs, tags[0]);

        // An image without a command: create without one is Docker's "No command specified".
        docker.RunChecked("import", "--change", labelChange, rootfs, tags[5]);
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

    private static Step Compare(DockerCli docker, string[] args, string root, Dictionary<string, string> containerIds, bool unordered = false, string[]? dockerOnly = null)
    {
        ProcessResult theirs = docker.Run([.. args, .. dockerOnly ?? []]);
        ProcessResult ours = RunOurs(root, args);
        string Map(string text) => containerIds.Aggregate(text, (t, p) => t.Replace(p.Key[..12], p.Value[..12], StringComparison.Ordinal));
        string what = "imagefmt " + string.Join(' ', args);
        ours.ExitCode.Should().Be(theirs.ExitCode, $"{what}: exit code (docker stderr: {theirs.StdErr}, ours: {ours.StdErr})");
        ShouldAgreeUpToTheClock(Map(ours.StdOut), theirs.StdOut, unordered, what);

        string oursErr = Map(ours.StdErr);
        if (oursErr != theirs.StdErr)
        {
            // Docker names any one of the containers that use the image: any of ours that the daemon could name is right.
            foreach (Match named in ContainerInConflict().Matches(oursErr))
            {
                containerIds.Values.Select(v => v[..12]).Should().Contain(named.Groups[1].Value, $"{what}: the container we name exists");
            }

            ContainerInConflict().Replace(oursErr, "container <any>").Should().Be(
                ContainerInConflict().Replace(theirs.StdErr, "container <any>"),
                $"{what}: docker said [{theirs.StdErr}] and [{theirs.StdOut}], we said [{ours.StdErr}] and [{ours.StdOut}]");
        }

        return new Step(theirs, ours);
    }


    /// <summary>
    /// Compares our output with Docker's line by line (as sets when <paramref name="unordered"/>). Docker and we read
    /// the clock a moment apart, so where the texts differ only in a relative time ("22 seconds ago" from Docker,
    /// "23 seconds ago" from us, who ran after it), ours may be later by at most <see cref="ClockSlack"/> seconds.
    /// </summary>
    private static void ShouldAgreeUpToTheClock(string ours, string theirs, bool unordered, string what)
    {
        if (ours == theirs)
        {
            return;
        }

        (string Masked, int[] Seconds)[] Lines(string text)
        {
            var lines = text.Split('\n').Select(line => (
                Masked: RelativeTime().Replace(line, "<since> ago"),
                Seconds: RelativeTime().Matches(line).Select(m => SecondsOf(m.Groups[1].Value)).ToArray()));
            return unordered ? [.. lines.OrderBy(l => l.Masked, StringComparer.Ordinal)] : [.. lines];
        }

        var mine = Lines(ours);
        var docker = Lines(theirs);
        mine.Select(l => l.Masked).Should().Equal(docker.Select(l => l.Masked), $"{what} (relative times masked): ours [{ours}], docker's [{theirs}]");
        for (int i = 0; i < mine.Length; i++)
        {
            for (int j = 0; j < mine[i].Seconds.Length; j++)
            {
                int late = mine[i].Seconds[j] - docker[i].Seconds[j];
                late.Should().BeInRange(0, ClockSlack, $"{what}: line {i} says {mine[i].Seconds[j]} s ago where Docker said {docker[i].Seconds[j]} s ago");
            }
        }
    }

    private const int ClockSlack = 2;

    private static int SecondsOf(string since) => since switch
    {
        "Less than a second" => 0,
        "About a minute" => 60,
        _ => int.Parse(since.AsSpan(0, since.IndexOf(' ', StringComparison.Ordinal)), CultureInfo.InvariantCulture),
    };

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
        Dictionary<string, long> created;
        using (ImageStore store = ImageStore.Open(root))
        {
            tags = [.. store.Images.SelectMany(i => store.ReferencesTo(i.Id))];
            live = [.. store.Containers.Select(c => (c.Id, containers[c.Id], c.ImageId.Value))];
            created = store.Images.ToDictionary(i => i.Id.Value, i => i.CreatedTime!.Value.ToUnixTimeSeconds());
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

        // Docker's side sees only this test's images and containers (the engine may be shared).
        string[] scope = ["--filter", "label=" + label];
        int op = random.Next(100);
        if (op < 24)
        {
            string source = AnyImageName();
            string target = random.Next(3) == 0 ? $"{ns}/t{random.Next(4)}" : $"{ns}/t{random.Next(4)}:a";
            Compare(docker, ["tag", source, target], root, containers);
            return $"tag {source} {target}";
        }

        if (op < 56)
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

        if (op < 63)
        {
            var args = new List<string> { "image", "prune", "-f" };
            if (random.Next(2) == 0)
            {
                args.Add("-a");
            }

            switch (random.Next(5))
            {
                case 0 when created.Count > 0:
                    // Unix seconds of one image's creation: the images created after it are kept.
                    args.AddRange(["--filter", "until=" + created.Values.ElementAt(random.Next(created.Count)).ToString(CultureInfo.InvariantCulture)]);
                    break;
                case 0:
                case 1:
                    args.AddRange(["--filter", random.Next(2) == 0 ? "until=1h" : "until=2000-01-01"]);
                    break;
                case 2:
                    args.AddRange(["--filter", random.Next(2) == 0 ? "label!=imagefmt.other" : "label!=" + label]);
                    break;
                case 3:
                    args.AddRange(["--filter", random.Next(2) == 0 ? "until=soon" : "before=x"]);
                    break;
            }

            Compare(docker, [.. args], root, containers, unordered: true, dockerOnly: scope);
            return string.Join(' ', args);
        }

        if (op < 73 || (op < 80 && live.Count == 0))
        {
            // Mostly on an image without a container, sometimes on one that has some (Docker then names any of them in conflicts).
            List<string> images;
            using (ImageStore store = ImageStore.Open(root))
            {
                images = [.. store.Images.Where(i => random.Next(4) == 0 || !live.Any(c => c.Image == i.Id.Value)).Select(i => i.Id.Value)];
            }

            if (images.Count == 0)
            {
                return "no image to create a container on";
            }

            // Through the real commands: ours unpacks the image into the container's root file system.
            string image = images[random.Next(images.Count)];
            string[] command = random.Next(3) == 0 ? [] : ["true"];
            ProcessResult theirs = docker.Run(["create", "--label", label, image, .. command]);
            ProcessResult created2 = RunOurs(root, ["create", image, .. command]);
            created2.ExitCode.Should().Be(theirs.ExitCode, $"create {image} {string.Join(' ', command)}: docker said [{theirs.StdErr}], we said [{created2.StdErr}]");
            created2.StdErr.Should().Be(theirs.StdErr);
            if (theirs.ExitCode == 0)
            {
                string oursId = created2.StdOut.Trim();
                oursId.Should().MatchRegex("^[0-9a-f]{64}$");
                containers[oursId] = theirs.StdOut.Trim();
            }

            return $"create {image} {string.Join(' ', command)}";
        }

        if (op < 80)
        {
            (string oursContainer, string dockerContainer, _) = live[random.Next(live.Count)];
            ProcessResult removed = docker.RunChecked("rm", dockerContainer);
            ProcessResult oursRemoved = RunOurs(root, ["rm", oursContainer]);
            oursRemoved.ExitCode.Should().Be(0, oursRemoved.StdErr);
            oursRemoved.StdOut.Replace(oursContainer, dockerContainer, StringComparison.Ordinal).Should().Be(removed.StdOut);
            Directory.Exists(Path.Combine(root, "containers", oursContainer)).Should().BeFalse("rm removes the root file system");
            containers.Remove(oursContainer);
            return $"rm {dockerContainer}";
        }

        if (op < 91)
        {
            string[] filters = random.Next(9) switch
            {
                0 => ["dangling=true"],
                1 => ["dangling=false"],
                2 => ["reference=" + (random.Next(2) == 0 ? $"{ns}/t*" : "*/t1:*")],
                3 => ["reference=" + AnyImageName()],
                4 => ["before=" + AnyImageName()],
                5 => ["since=" + AnyImageName()],
                6 => ["label=" + (random.Next(2) == 0 ? "imagefmt.diff" : "imagefmt.other")],
                7 => [random.Next(2) == 0 ? "dangling=maybe" : "until=1h"],
                _ => [],
            };
            string format = random.Next(5) switch
            {
                0 => "{{json .}}",
                1 => "table {{.ID}}\t{{.Repository}}:{{.Tag}}\t{{.Digest}}\t{{.CreatedAt}}\t{{.Size}}",
                2 => "{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}} {{.VirtualSize}} {{.SharedSize}} {{.UniqueSize}} {{.Containers}}",
                3 => "{{.ID | upper}} {{if .Tag}}{{json .Tag}}{{else}}none{{end}}",
                _ => "table",
            };
            string[] args = ["images", .. random.Next(2) == 0 ? new[] { "-a" } : [], .. filters.SelectMany(f => new[] { "--filter", f }), "--format", format];
            Compare(docker, args, root, containers, unordered: true, dockerOnly: scope);
            return string.Join(' ', args);
        }

        if (op < 95)
        {
            string format = random.Next(3) switch
            {
                0 => "{{.ID}} {{.Image}} {{.Command}} {{.State}} {{.Status}} {{.Size}} {{.Labels}} {{.Networks}} {{.Mounts}} {{.Ports}} {{.LocalVolumes}}",
                1 => "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.Label \"imagefmt.diff\"}}",
                _ => "{{.Foo}}",
            };
            Compare(docker, ["ps", "-a", "--format", format], root, containers, unordered: true, dockerOnly: scope);
            return "ps -a --format " + format;
        }

        string name = AnyImageName();
        string historyFormat = random.Next(3) switch
        {
            0 => "{{.ID}} {{.CreatedAt}} {{.CreatedBy}} {{.Size}} {{.Comment}}",
            1 => "table {{.ID}}\t{{.CreatedBy}}\t{{.Size}}",
            _ => "{{json .CreatedBy}} {{.Comment | lower}}",
        };
        Compare(docker, ["history", random.Next(2) == 0 ? "--no-trunc" : "-H=false", "--format", historyFormat, name], root, containers);
        return $"history {name}";
    }

    [GeneratedRegex("container ([0-9a-f]{12})")]
    private static partial Regex ContainerInConflict();

    // Docker's units.HumanDuration below two minutes: the only relative times that can change between two reads.
    [GeneratedRegex("(Less than a second|[0-9]+ seconds?|About a minute) ago")]
    private static partial Regex RelativeTime();

    [GeneratedRegex("  +")]
    private static partial Regex TwoOrMoreSpaces();
}
