using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Registry;
using ImageFormat.Store;
using ImageFormat.Tests.Cli;
using ImageFormat.Tests.Registry;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Transports;

/// <summary>
/// <c>imagefmt push</c> and <c>pull</c> print the lines <c>docker push</c> and <c>docker pull</c> (20.10, output
/// redirected) print for the same image through the same registry: per-layer lines compared as sets (layers move
/// in parallel), the first and last lines in order.
/// </summary>
public class DockerStatusLinesInteropTests(PlainRegistryFixture fixture) : IClassFixture<PlainRegistryFixture>
{
    private static string[] Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The output without the layer lines that say <paramref name="status"/>.</summary>
    private static string Without(string output, string status) =>
        string.Join('\n', Lines(output).Where(l => !l.EndsWith(": " + status, StringComparison.Ordinal))) + "\n";

    /// <summary>The header lines in order, the per-layer lines (those with a 12-hex ID) sorted, the last lines in order.</summary>
    private static (string[] Head, string[] Layers, string[] Tail) Shape(string output, int tail)
    {
        string[] lines = Lines(output);
        int head = Array.FindIndex(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, "^[0-9a-f]{12}: "));
        head = head < 0 ? lines.Length - tail : head;
        return (lines[..head], [.. lines[head..^tail].Order(StringComparer.Ordinal)], lines[^tail..]);
    }

    /// <summary>
    /// With one new layer nothing waits; with six, the engine's pull (3 at once) queues three of them and its push
    /// (5 at once, the base layer too) two, and each queued one says <c>Waiting</c>.
    /// </summary>
    [Theory]
    [InlineData(1, 0, 0)]
    [InlineData(6, 2, 3)]
    public async Task Push_and_pull_print_the_lines_docker_push_and_docker_pull_print_for_the_same_image(int layers, int pushWaiting, int pullWaiting)
    {
        DockerCli docker = Peers.RequireDocker();
        TestRegistry registry = fixture.Registry;
        using TempDirectory dir = new();
        string tag = "v-" + Guid.NewGuid().ToString("N")[..10]; // not 12 hex characters, so never taken for a layer ID
        string theirs = $"{registry.Host}/lines/docker:{tag}";
        string ours = $"{registry.Host}/lines/ours:{tag}";
        using (ImageArchive baseArchive = DockerRegistryInteropTests.SaveBase(docker, dir))
        using (ImageStore store = ImageStore.Open(dir.Combine("store")))
        using (ImageStore puller = ImageStore.Open(dir.Combine("puller")))
        {
            store.AddImage(DockerRegistryInteropTests.HelloImage(baseArchive, "lines " + tag, layers), null, ours);
            store.Tag(ours, theirs);
            store.Save([theirs], dir.Combine("image.tar"));
            puller.Load(dir.Combine("base.tar"));
        }

        docker.RunChecked("load", "-i", dir.Combine("image.tar"));
        string dockerPush, dockerPushAgain, dockerPull;
        try
        {
            dockerPush = docker.RunChecked("push", theirs).StdOut;
            dockerPushAgain = docker.RunChecked("push", theirs).StdOut;
        }
        finally
        {
            docker.Run(["rmi", theirs]);
        }

        CliResult push = CliRunner.Run("--root", dir.Combine("store"), "push", ours);
        CliResult pushAgain = CliRunner.Run("--root", dir.Combine("store"), "push", ours);
        try
        {
            // Docker says "Already exists" for a layer only when it knows the blob's digest (its distribution
            // metadata, filled by an earlier pull or push of that blob); we say it for a layer whose diffID is stored.
            // Our base layer's gzip blob is new to the daemon unless another test pulled it first, so pull once to
            // teach it, remove the image (the base image keeps the base layer) and compare the second pull.
            docker.RunChecked("pull", ours);
            docker.RunChecked("rmi", ours);
            dockerPull = docker.RunChecked("pull", ours).StdOut;
        }
        finally
        {
            docker.Run(["rmi", ours]);
        }

        CliResult pull = CliRunner.Run("--root", dir.Combine("puller"), "pull", ours);

        using RegistryClient client = new();
        RegistryManifest theirManifest = await client.GetManifestAsync(new RegistryRepository(registry.Host, "lines/docker"), tag, TestContext.Current.CancellationToken);
        RegistryManifest ourManifest = await client.GetManifestAsync(new RegistryRepository(registry.Host, "lines/ours"), tag, TestContext.Current.CancellationToken);
        push.ExitCode.Should().Be(0, push.StdErr);
        pushAgain.ExitCode.Should().Be(0, pushAgain.StdErr);
        pull.ExitCode.Should().Be(0, pull.StdErr);

        // Each names its own repository and the manifest it pushed (Docker recompresses the base layer, so the digests differ).
        string Normalise(string output, RegistryManifest manifest) => output
            .Replace("lines/docker", "lines/REPO", StringComparison.Ordinal).Replace("lines/ours", "lines/REPO", StringComparison.Ordinal)
            .Replace($"digest: {manifest.Digest} size: {manifest.Bytes.Length}", "digest: DIGEST size: SIZE", StringComparison.Ordinal);
        Shape(Normalise(push.StdOut, ourManifest), 1).Should().BeEquivalentTo(Shape(Normalise(dockerPush, theirManifest), 1), o => o.WithStrictOrdering());
        // A second push finds every layer in the registry, which the engine may know without asking (its blob
        // cache): such an upload ends at once, and a queued one may get its turn before it looks, so says no
        // "Waiting" (seen: one of the two). Ours always says it; the other lines must match.
        Shape(Without(Normalise(pushAgain.StdOut, ourManifest), "Waiting"), 1).Should().BeEquivalentTo(Shape(Without(Normalise(dockerPushAgain, theirManifest), "Waiting"), 1), o => o.WithStrictOrdering());
        // Docker prints "Verifying Checksum" only when its progress reporter gets to it before the download ends,
        // which a small layer often does not; ours always prints it. The other lines must match.
        Lines(pull.StdOut).Should().Contain(l => l.EndsWith(": Verifying Checksum", StringComparison.Ordinal));
        Shape(Without(pull.StdOut, "Verifying Checksum"), 3).Should().BeEquivalentTo(Shape(Without(dockerPull, "Verifying Checksum"), 3), o => o.WithStrictOrdering());
        Lines(push.StdOut).Should().Contain(l => l.EndsWith(": Pushed", StringComparison.Ordinal));
        Lines(pushAgain.StdOut).Should().Contain(l => l.EndsWith(": Layer already exists", StringComparison.Ordinal));
        Lines(pull.StdOut).Should().Contain(l => l.EndsWith(": Already exists", StringComparison.Ordinal)).And.Contain(l => l.EndsWith(": Pull complete", StringComparison.Ordinal));
        Lines(push.StdOut).Count(l => l.EndsWith(": Waiting", StringComparison.Ordinal)).Should().Be(pushWaiting);
        Lines(pushAgain.StdOut).Count(l => l.EndsWith(": Waiting", StringComparison.Ordinal)).Should().Be(pushWaiting);
        Lines(pull.StdOut).Count(l => l.EndsWith(": Waiting", StringComparison.Ordinal)).Should().Be(pullWaiting);
    }
}
