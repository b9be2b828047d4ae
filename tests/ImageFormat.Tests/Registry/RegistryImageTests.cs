using FluentAssertions;
using ImageFormat.Images;
using ImageFormat.Model;
using ImageFormat.Registry;
using Xunit;

namespace ImageFormat.Tests.Registry;

/// <summary>Registry images through the library's image interface, pushing any image, copying between repositories.</summary>
public class RegistryImageTests(PlainRegistryFixture fixture) : IClassFixture<PlainRegistryFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_registry_image_has_the_pushed_manifest_config_and_layers_whose_tars_verify()
    {
        TestRegistry registry = fixture.Registry;
        using RegistryClient client = new();
        RegistryRepository repo = new(registry.Host, "image/open");
        TestImage pushed = TestImage.Create(41, "amd64", 70_000, 3_000);
        await pushed.PushAsync(client, repo, "v1");

        IContainerImage image = await client.OpenImageAsync(repo, "v1", cancellationToken: Ct);

        image.ManifestDigest.Should().Be(pushed.Manifest.Digest);
        image.ManifestMediaType.Should().Be(MediaTypes.OciManifest);
        image.Config.Bytes.ToArray().Should().Equal(pushed.Config);
        image.Layers.Select(l => l.Digest).Should().Equal(pushed.LayerDescriptors.Select(d => d.Digest));
        for (int i = 0; i < pushed.Tars.Length; i++)
        {
            using Stream tar = await image.Layers[i].OpenUncompressedAsync(verify: true, Ct);
            using MemoryStream copy = new();
            await tar.CopyToAsync(copy, Ct);
            copy.ToArray().Should().Equal(pushed.Tars[i]);
        }
    }

    [Fact]
    public async Task Pushing_a_registry_image_elsewhere_keeps_its_digest_and_mounts_every_blob()
    {
        TestRegistry registry = fixture.Registry;
        using RegistryClient client = new(new RegistryClientOptions { MaxParallelTransfers = 2 });
        TestImage pushed = TestImage.Create(42, "amd64", 10_000, 20_000, 30_000);
        await pushed.PushAsync(client, new RegistryRepository(registry.Host, "image/from"), "v1");
        IContainerImage image = await client.OpenImageAsync(new RegistryRepository(registry.Host, "image/from"), "v1", cancellationToken: Ct);

        var digest = await client.PushImageAsync(image, new RegistryRepository(registry.Host, "image/to"), "copy", mountFrom: "image/from", cancellationToken: Ct);

        digest.Should().Be(pushed.Manifest.Digest);
        registry.Requests().Where(r => r.Method == "POST" && r.Target.StartsWith("/v2/image/to/blobs/uploads/?mount=", StringComparison.Ordinal))
            .Should().HaveCount(4).And.OnlyContain(r => r.Status == 201);
        (await client.GetManifestAsync(new RegistryRepository(registry.Host, "image/to"), "copy", Ct)).Bytes.ToArray().Should().Equal(pushed.Manifest.Bytes.ToArray());
    }

    [Fact]
    public async Task Copy_all_copies_every_platform_and_the_index_verbatim_and_copy_one_takes_the_platform_asked_for()
    {
        TestRegistry registry = fixture.Registry;
        using RegistryClient client = new();
        RegistryRepository source = new(registry.Host, "copy/source");
        (TestImage amd, TestImage arm, RawDocument<ImageIndex> index) = await TwoPlatformIndex.PushAsync(client, source, 43, 5_000, 6_000);

        RegistryManifest all = await client.CopyAsync(source, "multi", new RegistryRepository(registry.Host, "copy/all"), "multi", all: true, cancellationToken: Ct);
        RegistryManifest one = await client.CopyAsync(source, "multi", new RegistryRepository(registry.Host, "copy/one"), "arm", platform: Platform.Parse("linux/arm64"), cancellationToken: Ct);

        all.Digest.Should().Be(index.Digest);
        (await client.GetManifestAsync(new RegistryRepository(registry.Host, "copy/all"), "multi", Ct)).Digest.Should().Be(index.Digest);
        (await client.GetImageManifestAsync(new RegistryRepository(registry.Host, "copy/all"), "multi", Platform.Parse("linux/arm64"), Ct)).Digest.Should().Be(arm.Manifest.Digest);
        (await client.GetImageManifestAsync(new RegistryRepository(registry.Host, "copy/all"), "multi", Platform.Parse("linux/amd64"), Ct)).Digest.Should().Be(amd.Manifest.Digest);
        one.Digest.Should().Be(arm.Manifest.Digest);
        (await client.GetManifestAsync(new RegistryRepository(registry.Host, "copy/one"), "arm", Ct)).Digest.Should().Be(arm.Manifest.Digest);
        var copied = registry.Requests().Where(r => r.Target.StartsWith("/v2/copy/all/", StringComparison.Ordinal) || r.Target.StartsWith("/v2/copy/one/", StringComparison.Ordinal)).ToList();
        copied.Where(r => r.Target.Contains("/blobs/uploads/", StringComparison.Ordinal) && r.Method is "PATCH" or "PUT")
            .Should().BeEmpty("within one registry every blob is mounted");
        copied.Count(r => r.Method == "POST" && r.Status == 201).Should().Be(4 + 2, "all: two configs and two layers; one: a config and a layer");
    }
}
