using FluentAssertions;
using ImageFormat.Digests;
using ImageFormat.Registry;
using ImageFormat.Store;
using ImageFormat.Tests.Cli;
using ImageFormat.Tests.Registry;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Transports;

/// <summary><c>imagefmt push</c> and <c>pull</c> between the store and docker-registry, with Docker 20.10's lines.</summary>
public class StoreTransferTests(PlainRegistryFixture fixture) : IClassFixture<PlainRegistryFixture>
{
    [Fact]
    public async Task Push_then_pull_into_a_second_store_gives_the_same_image_id_and_dockers_final_lines()
    {
        TestRegistry registry = fixture.Registry;
        string name = $"{registry.Host}/transfer/app:v1";
        using TempDirectory dir = new();
        Digest id;
        using (ImageStore first = ImageStore.Open(dir.Combine("first")))
        {
            id = first.Load(BuiltArchives.PathOf("built-bazel-whiteout.tar")).ImageIds.Should().ContainSingle().Subject;
            first.Tag(id.Value, name);
        }

        CliResult push = CliRunner.Run("--root", dir.Combine("first"), "push", name);
        CliResult pull = CliRunner.Run("--root", dir.Combine("second"), "pull", name);
        CliResult again = CliRunner.Run("--root", dir.Combine("second"), "pull", "--quiet", name);

        using RegistryClient client = new();
        RegistryManifest manifest = await client.GetManifestAsync(new RegistryRepository(registry.Host, "transfer/app"), "v1", TestContext.Current.CancellationToken);
        string[] diffIds = [.. BuiltArchives.BazelLayers().Select(l => Digest.Compute(l).ShortId)];
        string[] blobs = [.. manifest.Document.Manifest!.Value.Layers.Select(l => l.Digest.ShortId)];
        push.ExitCode.Should().Be(0, push.StdErr);
        string[] pushed = push.StdOut.Split('\n');
        pushed[..4].Should().Equal($"The push refers to repository [{registry.Host}/transfer/app]", $"{diffIds[2]}: Preparing", $"{diffIds[1]}: Preparing", $"{diffIds[0]}: Preparing");
        pushed[4..7].Should().BeEquivalentTo(diffIds.Select(d => $"{d}: Pushed"), "the layers are pushed in parallel");
        pushed[7..].Should().Equal($"v1: digest: {manifest.Digest} size: {manifest.Bytes.Length}", string.Empty);
        pull.ExitCode.Should().Be(0, pull.StdErr);
        pull.StdOut.Should().Be(
            "v1: Pulling from transfer/app\n"
            + string.Concat(blobs.Select(b => $"{b}: Pulling fs layer\n"))
            + string.Concat(blobs.Select(b => $"{b}: Verifying Checksum\n{b}: Download complete\n{b}: Pull complete\n"))
            + $"Digest: {manifest.Digest}\nStatus: Downloaded newer image for {name}\n{name}\n");
        again.StdOut.Should().Be($"v1: Pulling from transfer/app\nDigest: {manifest.Digest}\nStatus: Image is up to date for {name}\n{name}\n");
        // Progress goes only to a terminal: redirected (as here) or with --quiet, standard error stays empty.
        (push.StdErr + pull.StdErr + again.StdErr).Should().BeEmpty();
        using ImageStore second = ImageStore.Open(dir.Combine("second"));
        second.OpenImage(name).Config.Digest.Should().Be(id);
    }

    [Fact]
    public void Pull_of_a_missing_image_is_one_coded_error_line()
    {
        TestRegistry registry = fixture.Registry;
        using TempDirectory dir = new();

        CliResult result = CliRunner.Run("--root", dir.Path, "pull", $"{registry.Host}/transfer/none:v1");

        result.ExitCode.Should().Be(3);
        result.StdErr.Should().Be($"Error: IMGFMT0308: {registry.Host}: manifest transfer/none:v1: 404 MANIFEST_UNKNOWN: manifest unknown\n");
    }
}
