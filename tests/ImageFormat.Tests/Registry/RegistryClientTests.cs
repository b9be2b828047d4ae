using FluentAssertions;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Model;
using ImageFormat.Registry;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Registry;

/// <summary>The client against Debian's docker-registry over plain HTTP on loopback.</summary>
public class RegistryClientTests(PlainRegistryFixture fixture) : IClassFixture<PlainRegistryFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static RegistryClient NewClient(long? chunk = null) => new(new RegistryClientOptions { UploadChunkSize = chunk, RetryDelay = TimeSpan.FromMilliseconds(20) });

    [Fact]
    public async Task Push_then_pull_round_trips_manifest_and_blobs_with_exact_digests()
    {
        TestRegistry registry = fixture.Registry;
        using RegistryClient client = NewClient();
        RegistryRepository repo = new(registry.Host, "roundtrip/app");
        TestImage image = TestImage.Create(1, "amd64", 300_000, 5_000);

        BlobPushResult[] pushed = await image.PushAsync(client, repo, "v1");

        pushed.Should().Equal(BlobPushResult.Uploaded, BlobPushResult.Uploaded, BlobPushResult.Uploaded);
        RegistryManifest byTag = await client.GetManifestAsync(repo, "v1", Ct);
        byTag.Bytes.ToArray().Should().Equal(image.Manifest.Bytes.ToArray());
        byTag.Digest.Should().Be(image.Manifest.Digest);
        byTag.MediaType.Should().Be(MediaTypes.OciManifest);
        RegistryManifest byDigest = await client.GetManifestAsync(repo, image.Manifest.Digest.Value, Ct);
        byDigest.Bytes.ToArray().Should().Equal(image.Manifest.Bytes.ToArray());
        Descriptor? head = await client.HeadManifestAsync(repo, "v1", Ct);
        head.Should().Be(new Descriptor { MediaType = MediaTypes.OciManifest, Digest = image.Manifest.Digest, Size = image.Manifest.Size });

        using TempDirectory dir = new();
        foreach ((Descriptor blob, byte[] bytes) in image.Blobs)
        {
            string path = dir.Combine(blob.Digest.Encoded);
            await client.DownloadBlobAsync(repo, blob, path, cancellationToken: Ct);
            File.ReadAllBytes(path).Should().Equal(bytes);
        }

        Directory.GetFiles(dir.Path).Should().HaveCount(3, "no temporary file is left");
    }

    [Fact]
    public async Task Manifest_pushed_by_digest_is_fetched_by_that_digest_and_has_no_tag()
    {
        TestRegistry registry = fixture.Registry;
        using RegistryClient client = NewClient();
        RegistryRepository repo = new(registry.Host, "bydigest/app");
        TestImage image = TestImage.Create(2, "amd64", 1000);
        foreach ((Descriptor d, byte[] b) in image.Blobs)
        {
            await client.PushBlobAsync(repo, d, () => new MemoryStream(b), cancellationToken: Ct);
        }

        Digest digest = await client.PutManifestAsync(repo, image.Manifest.Digest.Value, image.Manifest.Bytes, MediaTypes.OciManifest, Ct);

        digest.Should().Be(image.Manifest.Digest);
        (await client.GetManifestAsync(repo, digest.Value, Ct)).Digest.Should().Be(digest);
        registry.Requests().Should().Contain(("PUT", $"/v2/bydigest/app/manifests/{digest}", 201));
    }

    [Fact]
    public async Task A_blob_already_present_is_not_uploaded_again_and_another_repository_mounts_it()
    {
        TestRegistry registry = fixture.Registry;
        using RegistryClient client = NewClient();
        RegistryRepository source = new(registry.Host, "mount/source");
        RegistryRepository target = new(registry.Host, "mount/target");
        TestImage image = TestImage.Create(3, "amd64", 200_000, 7_000);
        await image.PushAsync(client, source, "v1");
        int before = registry.Requests().Count;

        BlobPushResult[] again = await image.PushAsync(client, source, "v1");
        BlobPushResult[] mounted = await image.PushAsync(client, target, "v1", mountFrom: "mount/source");

        again.Should().OnlyContain(r => r == BlobPushResult.AlreadyPresent);
        mounted.Should().OnlyContain(r => r == BlobPushResult.Mounted);
        var after = registry.Requests().Skip(before).ToList();
        after.Where(r => r.Target.StartsWith("/v2/mount/source/blobs/", StringComparison.Ordinal))
            .Should().OnlyContain(r => r.Method == "HEAD" && r.Status == 200, "present blobs are only asked for");
        foreach (Descriptor blob in image.Blobs.Select(b => b.Descriptor))
        {
            after.Should().Contain(("POST", $"/v2/mount/target/blobs/uploads/?mount={Uri.EscapeDataString(blob.Digest.Value)}&from=mount%2Fsource", 201));
        }

        after.Should().NotContain(r => r.Target.StartsWith("/v2/mount/target/blobs/uploads/", StringComparison.Ordinal) && (r.Method == "PUT" || r.Method == "PATCH"));
        (await client.GetManifestAsync(target, "v1", Ct)).Digest.Should().Be(image.Manifest.Digest);
    }

    [Fact]
    public async Task Chunked_upload_sends_patches_and_the_blob_reads_back_identical()
    {
        TestRegistry registry = fixture.Registry;
        using RegistryClient client = NewClient(chunk: 64 * 1024);
        RegistryRepository repo = new(registry.Host, "chunked/app");
        TestImage image = TestImage.Create(4, "amd64", 200_000);

        await image.PushAsync(client, repo, "v1");

        registry.Requests().Count(r => r.Method == "PATCH" && r.Target.StartsWith("/v2/chunked/app/blobs/uploads/", StringComparison.Ordinal) && r.Status == 202)
            .Should().Be(4 + 1, "200000 bytes in 64 KiB chunks are 4 patches, the config one");
        using Stream blob = await client.OpenBlobAsync(repo, image.LayerDescriptors[0], Ct);
        using MemoryStream copy = new();
        await blob.CopyToAsync(copy, Ct);
        copy.ToArray().Should().Equal(image.Layers[0]);
    }

    [Fact]
    public async Task Tags_are_listed_whole_and_the_catalog_is_followed_across_pages()
    {
        TestRegistry registry = fixture.Registry;
        using RegistryClient client = NewClient();
        RegistryRepository repo = new(registry.Host, "paged/app");
        RegistryRepository other = new(registry.Host, "paged/other");
        TestImage image = TestImage.Create(5, "amd64", 100);
        await image.PushAsync(client, repo, "t1");
        await image.PushAsync(client, other, "x");
        foreach (string tag in new[] { "t2", "t3", "t4", "t5" })
        {
            await client.PutManifestAsync(repo, tag, image.Manifest.Bytes, MediaTypes.OciManifest, Ct);
        }

        List<string> tags = [];
        await foreach (string tag in client.ListTagsAsync(repo, pageSize: 2, Ct))
        {
            tags.Add(tag);
        }

        int catalogRequestsBefore = registry.Requests().Count(r => r.Target.StartsWith("/v2/_catalog", StringComparison.Ordinal));
        List<string> repositories = [];
        await foreach (string name in client.ListCatalogAsync(registry.Host, pageSize: 1, Ct))
        {
            repositories.Add(name);
        }

        // Distribution 2.8 answers a tag list whole, in its storage's directory order, whatever `n` asks; it pages
        // the catalog, one repository per page here, so the client must follow its Link headers to see both.
        tags.Should().BeEquivalentTo(["t1", "t2", "t3", "t4", "t5"]);
        tags.Should().OnlyHaveUniqueItems();
        repositories.Should().Contain(["paged/app", "paged/other"]).And.OnlyHaveUniqueItems();
        (registry.Requests().Count(r => r.Target.StartsWith("/v2/_catalog", StringComparison.Ordinal)) - catalogRequestsBefore)
            .Should().BeGreaterThanOrEqualTo(repositories.Count);
    }

    [Fact]
    public async Task An_index_yields_the_manifest_of_the_platform_asked_for_and_names_the_platforms_it_has_otherwise()
    {
        TestRegistry registry = fixture.Registry;
        using RegistryClient client = NewClient();
        RegistryRepository repo = new(registry.Host, "multi/app");
        (TestImage amd, TestImage arm, RawDocument<ImageIndex> index) = await TwoPlatformIndex.PushAsync(client, repo, 6, 1000, 1000);

        RegistryManifest top = await client.GetManifestAsync(repo, "multi", Ct);
        RegistryManifest armManifest = await client.GetImageManifestAsync(repo, "multi", Platform.Parse("linux/arm64"), Ct);
        RegistryManifest amdManifest = await client.GetImageManifestAsync(repo, "multi", Platform.Parse("linux/amd64"), Ct);
        Func<Task> s390 = () => client.GetImageManifestAsync(repo, "multi", Platform.Parse("linux/s390x"), Ct);

        top.IsIndex.Should().BeTrue();
        top.Digest.Should().Be(index.Digest);
        armManifest.Digest.Should().Be(arm.Manifest.Digest);
        amdManifest.Digest.Should().Be(amd.Manifest.Digest);
        (await s390.Should().ThrowAsync<RegistryException>()).Which.Should().Match<RegistryException>(e =>
            e.Code == ErrorCodes.PlatformNotFound
            && e.Message == $"{registry.Host}: multi/app@{index.Digest}: no manifest for platform linux/s390x (the index has linux/amd64, linux/arm64)");
    }

    [Fact]
    public async Task A_missing_manifest_is_a_typed_not_found_error_naming_the_registry()
    {
        TestRegistry registry = fixture.Registry;
        using RegistryClient client = NewClient();
        RegistryRepository repo = new(registry.Host, "missing/app");

        Func<Task> get = () => client.GetManifestAsync(repo, "nope", Ct);

        RegistryException e = (await get.Should().ThrowAsync<RegistryException>()).Which;
        e.Code.Should().Be(ErrorCodes.RegistryNotFound);
        e.RegistryErrorCode.Should().Be("MANIFEST_UNKNOWN");
        e.Message.Should().Be($"{registry.Host}: manifest missing/app:nope: 404 MANIFEST_UNKNOWN: manifest unknown");
        (await client.HeadManifestAsync(repo, "nope", Ct)).Should().BeNull();
        (await client.BlobExistsAsync(repo, Digest.Compute([1, 2, 3]), Ct)).Should().BeFalse();
    }
}
