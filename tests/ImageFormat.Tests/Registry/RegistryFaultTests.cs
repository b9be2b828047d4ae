using FluentAssertions;
using ImageFormat.Errors;
using ImageFormat.Model;
using ImageFormat.Registry;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Registry;

/// <summary>Blob downloads through a proxy that cuts or corrupts the stream.</summary>
public class RegistryFaultTests(PlainRegistryFixture fixture) : IClassFixture<PlainRegistryFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_connection_dropped_mid_blob_resumes_with_a_range_request_and_the_file_is_exact()
    {
        TestRegistry registry = fixture.Registry;
        TestImage image = TestImage.Create(11, "amd64", 1_000_000);
        Descriptor layer = image.LayerDescriptors[0];
        using (RegistryClient direct = new())
        {
            await image.PushAsync(direct, new RegistryRepository(registry.Host, "fault/resume"), "v1");
        }

        using FaultProxy proxy = new(registry.Port, layer.Digest.Value, Fault.CutOnce, offset: 300_000);
        using RegistryClient client = new(new RegistryClientOptions { RetryDelay = TimeSpan.FromMilliseconds(10) });
        using TempDirectory dir = new();
        string path = dir.Combine("layer");

        await client.DownloadBlobAsync(new RegistryRepository(proxy.Host, "fault/resume"), layer, path, cancellationToken: Ct);

        proxy.Cuts.Should().Be(1);
        File.ReadAllBytes(path).Should().Equal(image.Layers[0]);
        registry.Requests().Where(r => r.Method == "GET" && r.Target == $"/v2/fault/resume/blobs/{layer.Digest}")
            .Select(r => r.Status).Should().Equal(200, 206);
        Directory.GetFiles(dir.Path).Should().Equal(path);
    }

    [Fact]
    public async Task A_tampered_blob_is_refused_and_nothing_is_written_under_the_final_name()
    {
        TestRegistry registry = fixture.Registry;
        TestImage image = TestImage.Create(12, "amd64", 500_000);
        Descriptor layer = image.LayerDescriptors[0];
        using (RegistryClient direct = new())
        {
            await image.PushAsync(direct, new RegistryRepository(registry.Host, "fault/tamper"), "v1");
        }

        using FaultProxy proxy = new(registry.Port, layer.Digest.Value, Fault.FlipEvery, offset: 100_000);
        using RegistryClient client = new(new RegistryClientOptions { RetryDelay = TimeSpan.FromMilliseconds(10) });
        using TempDirectory dir = new();
        string path = dir.Combine("layer");

        Func<Task> download = () => client.DownloadBlobAsync(new RegistryRepository(proxy.Host, "fault/tamper"), layer, path, cancellationToken: Ct);

        DigestMismatchException e = (await download.Should().ThrowAsync<DigestMismatchException>()).Which;
        e.Code.Should().Be(ErrorCodes.DigestMismatch);
        e.Expected.Should().Be(layer.Digest);
        e.Subject.Should().Be($"{proxy.Host}/fault/tamper@{layer.Digest}");
        proxy.Flips.Should().Be(1);
        Directory.GetFileSystemEntries(dir.Path).Should().BeEmpty("neither the final file nor a temporary one is left");
    }

    [Fact]
    public async Task A_tampered_blob_read_as_a_stream_fails_at_the_end_instead_of_ending_cleanly()
    {
        TestRegistry registry = fixture.Registry;
        TestImage image = TestImage.Create(13, "amd64", 300_000);
        Descriptor layer = image.LayerDescriptors[0];
        using (RegistryClient direct = new())
        {
            await image.PushAsync(direct, new RegistryRepository(registry.Host, "fault/stream"), "v1");
        }

        using FaultProxy proxy = new(registry.Port, layer.Digest.Value, Fault.FlipEvery, offset: 50_000);
        using RegistryClient client = new();
        using Stream blob = await client.OpenBlobAsync(new RegistryRepository(proxy.Host, "fault/stream"), layer, Ct);

        Func<Task> read = () => blob.CopyToAsync(Stream.Null, Ct);

        (await read.Should().ThrowAsync<DigestMismatchException>()).Which.Code.Should().Be(ErrorCodes.DigestMismatch);
    }
}
