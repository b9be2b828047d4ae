using System.Diagnostics;
using FluentAssertions;
using ImageFormat.Store;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Store;

/// <summary>
/// Kills the CLI at random moments during load, tag, rmi, create and commit, then reopens the store: it must
/// open, pass the consistency check, and show each command either fully done or not done at all (and done when
/// it finished).
/// </summary>
// Timing-sensitive (kills at random moments) and load-heavy (thousands of CLI and docker runs): never side by side.
[Collection("Store processes")]
public class CrashTests
{
    private const int Trials = 100;

    [Fact]
    public void Killing_the_cli_at_any_moment_leaves_a_consistent_store_and_loses_no_finished_command()
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "imagefmt.dll");
        File.Exists(cli).Should().BeTrue(cli);
        using var temp = new TempDirectory();
        string root = temp.Combine("store");
        string sample = RepoPaths.Sample("hello.tar");
        var random = new Random(7);
        var clock = new CliClock(cli);
        int killed = 0;
        int finished = 0;
        for (int trial = 0; trial < Trials; trial++)
        {
            Dictionary<string, string> before = Snapshot(root);
            string target = $"crash/t{random.Next(3)}:v{random.Next(2)}";
            string[] args = random.Next(3) switch
            {
                0 => ["load", "-i", sample],
                1 => ["tag", "hello:base", target],
                _ => ["rmi", before.Count > 0 ? before.Keys.ElementAt(random.Next(before.Count)) : "hello:latest"],
            };

            (bool exited, int exitCode) = RunKillingAtRandom(cli, root, args, clock.Scale(random.Next(40, 400)));
            clock.Observe(exited);
            if (exited)
            {
                finished++;
            }
            else
            {
                killed++;
            }

            Dictionary<string, string> after;
            using (ImageStore store = ImageStore.Open(root))
            {
                store.Check().Should().BeEmpty($"trial {trial}: {string.Join(' ', args)}");
                after = Snapshot(store);
            }

            bool applied = args[0] switch
            {
                "load" => after.ContainsKey("hello:latest") && after.ContainsKey("hello:base"),
                "tag" => after.ContainsKey(target),
                _ => !after.ContainsKey(args[1]),
            };
            bool unchanged = after.Count == before.Count && after.All(p => before.TryGetValue(p.Key, out string? v) && v == p.Value);
            (applied || unchanged).Should().BeTrue($"trial {trial}: {string.Join(' ', args)} was half done");
            if (exited && exitCode == 0)
            {
                applied.Should().BeTrue($"trial {trial}: {string.Join(' ', args)} finished but is not in effect");
            }
        }

        killed.Should().BeGreaterThan(10, "the kills must land while commands run");
        finished.Should().BeGreaterThan(10);
    }

    [Fact]
    public void Killing_the_cli_during_create_and_commit_leaves_no_half_container_or_image()
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "imagefmt.dll");
        using var temp = new TempDirectory();
        string root = temp.Combine("store");
        using (ImageStore store = ImageStore.Open(root))
        {
            store.Load(RepoPaths.Sample("hello.tar"));
        }

        var random = new Random(11);
        var clock = new CliClock(cli);
        int killed = 0;
        int finished = 0;
        for (int trial = 0; trial < 40; trial++)
        {
            Dictionary<string, string> tagsBefore;
            List<string> containersBefore;
            string[] args;
            using (ImageStore store = ImageStore.Open(root))
            {
                tagsBefore = Snapshot(store);
                containersBefore = store.Containers.Select(c => c.Name).Order(StringComparer.Ordinal).ToList();
                if (containersBefore.Count == 0 || random.Next(2) == 0)
                {
                    args = ["create", "--name", $"c{trial}", "hello:latest"];
                }
                else
                {
                    StoreContainer container = store.GetContainer(containersBefore[random.Next(containersBefore.Count)]);
                    File.WriteAllText(Path.Combine(container.RootFsPath!, $"change-{trial}"), $"trial {trial}\n");
                    args = ["commit", "-m", $"trial {trial}", container.Name, $"crash/c:v{trial}"];
                }
            }

            (bool exited, int exitCode) = RunKillingAtRandom(cli, root, args, clock.Scale(random.Next(40, 600)));
            clock.Observe(exited);
            if (exited)
            {
                finished++;
            }
            else
            {
                killed++;
            }

            using (ImageStore store = ImageStore.Open(root))
            {
                string what = $"trial {trial}: {string.Join(' ', args)}";
                store.Check().Should().BeEmpty(what);
                Dictionary<string, string> tagsAfter = Snapshot(store);
                List<string> containersAfter = store.Containers.Select(c => c.Name).Order(StringComparer.Ordinal).ToList();
                bool applied;
                bool unchanged;
                if (args[0] == "create")
                {
                    string name = args[2];
                    applied = store.Containers.FirstOrDefault(c => c.Name == name) is { } created
                        && File.ReadAllText(Path.Combine(created.RootFsPath!, "greeting")) == "second layer\n";
                    unchanged = containersAfter.SequenceEqual(containersBefore);
                }
                else
                {
                    applied = tagsAfter.ContainsKey(args[^1]);
                    unchanged = tagsAfter.Count == tagsBefore.Count && tagsAfter.All(p => tagsBefore.TryGetValue(p.Key, out string? v) && v == p.Value);
                }

                (applied || unchanged).Should().BeTrue($"{what} was half done");
                if (exited && exitCode == 0)
                {
                    applied.Should().BeTrue($"{what} finished but is not in effect");
                }
            }
        }

        killed.Should().BeGreaterThan(5, "the kills must land while commands run");
        finished.Should().BeGreaterThan(5);
    }

    /// <summary>Runs the CLI on the store and kills it (with its children) if it is still running after the given time.</summary>
    private static (bool Exited, int ExitCode) RunKillingAtRandom(string cli, string root, string[] args, int milliseconds)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { cli, "--root", root }.Concat(args))
        {
            start.ArgumentList.Add(a);
        }

        using Process process = Process.Start(start)!;
        bool exited = process.WaitForExit(milliseconds);
        if (!exited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        return (exited, process.ExitCode);
    }

    /// <summary>
    /// Scales the kill delays to how fast the CLI runs on this machine right now. The delays were chosen for an
    /// idle machine, where a short command takes about <see cref="IdleMilliseconds"/>; on a loaded machine the CLI
    /// may need several times that just to start, and every kill would land before the command does anything. The
    /// factor starts from a timed short command (<c>images</c> on an empty store) and then follows the outcomes:
    /// a kill makes the next delays longer, a command that finished makes them shorter, so about half the trials
    /// are killed and half finish however fast the machine is, and each kill still lands at a random moment.
    /// </summary>
    private sealed class CliClock
    {
        private const int IdleMilliseconds = 200;
        private const double Step = 1.15;
        private double _factor;

        public CliClock(string cli)
        {
            using var temp = new TempDirectory();
            var watch = Stopwatch.StartNew();
            RunKillingAtRandom(cli, temp.Combine("store"), ["images"], 60_000);
            _factor = Math.Max(1, watch.Elapsed.TotalMilliseconds / IdleMilliseconds);
        }

        public int Scale(int idleDelay) => (int)(idleDelay * _factor);

        public void Observe(bool exited) => _factor = Math.Clamp(exited ? _factor / Step : _factor * Step, 0.25, 200);
    }

    private static Dictionary<string, string> Snapshot(string root)
    {
        using ImageStore store = ImageStore.Open(root);
        return Snapshot(store);
    }

    private static Dictionary<string, string> Snapshot(ImageStore store) =>
        store.Images.SelectMany(i => store.ReferencesTo(i.Id).Select(r => (r, i.Id.Value))).ToDictionary(p => p.r, p => p.Value);
}
