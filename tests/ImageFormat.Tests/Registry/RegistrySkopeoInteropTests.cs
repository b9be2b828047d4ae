using System.Text;
using FluentAssertions;
using ImageFormat.Registry;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Registry;

/// <summary>skopeo against the same docker-registry: it reads what we push, and we read what it pushes.</summary>
public class RegistrySkopeoInteropTests(PlainRegistryFixture fixture) : IClassFixture<PlainRegistryFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Skopeo_inspect_raw_of_what_we_push_is_our_manifest_byte_for_byte_and_skopeo_copies_it_unchanged()
    {
        string skopeo = Peers.RequireSkopeo();
        TestRegistry registry = fixture.Registry;
        using RegistryClient client = new();
        TestImage image = TestImage.Create(61, "amd64", 30_000, 4_000);
        await image.PushAsync(client, new RegistryRepository(registry.Host, "skopeo/ours"), "v1");

        ProcessResult raw = ProcessRunner.Run(skopeo, ["inspect", "--raw", "--tls-verify=false", $"docker://{registry.Host}/skopeo/ours:v1"]).EnsureSuccess("skopeo inspect --raw");
        ProcessRunner.Run(skopeo, ["copy", "--quiet", "--src-tls-verify=false", "--dest-tls-verify=false",
            $"docker://{registry.Host}/skopeo/ours:v1", $"docker://{registry.Host}/skopeo/copied:v1"]).EnsureSuccess("skopeo copy");

        raw.StdOut.Should().Be(Encoding.UTF8.GetString(image.Manifest.Bytes.Span));
        (await client.GetManifestAsync(new RegistryRepository(registry.Host, "skopeo/copied"), "v1", Ct)).Digest.Should().Be(image.Manifest.Digest);
    }

    [Fact]
    public async Task What_skopeo_pushes_from_a_layout_we_wrote_we_read_back_with_the_same_digests()
    {
        string skopeo = Peers.RequireSkopeo();
        TestRegistry registry = fixture.Registry;
        using RegistryClient client = new();
        TestImage image = TestImage.Create(62, "amd64", 25_000);
        await image.PushAsync(client, new RegistryRepository(registry.Host, "skopeo/source"), "v1");
        using TempDirectory dir = new();
        Cli.CliRunner.Run("copy", $"docker://{registry.Host}/skopeo/source:v1", $"oci:{dir.Combine("layout")}").ExitCode.Should().Be(0);

        ProcessRunner.Run(skopeo, ["copy", "--quiet", "--dest-tls-verify=false", $"oci:{dir.Combine("layout")}", $"docker://{registry.Host}/skopeo/pushed:v1"])
            .EnsureSuccess("skopeo copy oci: docker://");

        var pulled = await client.OpenImageAsync(new RegistryRepository(registry.Host, "skopeo/pushed"), "v1", cancellationToken: Ct);
        pulled.ManifestDigest.Should().Be(image.Manifest.Digest);
        pulled.Id.Should().Be(image.ConfigDescriptor.Digest);
        using Stream tar = await pulled.Layers[0].OpenUncompressedAsync(verify: true, Ct);
        using MemoryStream copy = new();
        await tar.CopyToAsync(copy, Ct);
        copy.ToArray().Should().Equal(image.Tars[0]);
    }
}
