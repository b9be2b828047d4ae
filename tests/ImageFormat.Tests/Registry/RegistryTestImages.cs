using System.Text;
using ImageFormat.Digests;
using ImageFormat.Model;
using ImageFormat.Registry;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Registry;

/// <summary>An image made of deterministic pseudo-random layer bytes, a small config and an OCI manifest.</summary>
public sealed class TestImage
{
    private TestImage(byte[] config, byte[][] layers, string architecture)
    {
        Config = config;
        Layers = layers;
        ConfigDescriptor = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = Digest.Compute(config), Size = config.Length };
        LayerDescriptors = [.. layers.Select(l => new Descriptor { MediaType = MediaTypes.OciLayerGzip, Digest = Digest.Compute(l), Size = l.Length })];
        Manifest = RawDocument.Create(new ImageManifest
        {
            MediaType = MediaTypes.OciManifest,
            Config = ConfigDescriptor,
            Layers = LayerDescriptors,
        });
        Platform = new Platform { Os = "linux", Architecture = architecture };
    }

    public byte[] Config { get; }

    public byte[][] Layers { get; }

    public Descriptor ConfigDescriptor { get; }

    public IReadOnlyList<Descriptor> LayerDescriptors { get; }

    public RawDocument<ImageManifest> Manifest { get; }

    public Platform Platform { get; }

    public IEnumerable<(Descriptor Descriptor, byte[] Bytes)> Blobs =>
        [(ConfigDescriptor, Config), .. LayerDescriptors.Zip(Layers)];

    public static TestImage Create(int seed, string architecture = "amd64", params int[] layerSizes)
    {
        Random random = new(seed);
        byte[][] layers = [.. layerSizes.Select(size =>
        {
            byte[] bytes = new byte[size];
            random.NextBytes(bytes);
            return bytes;
        })];
        byte[] config = Encoding.UTF8.GetBytes(
            $"{{\"architecture\":\"{architecture}\",\"os\":\"linux\",\"config\":{{\"Labels\":{{\"seed\":\"{seed}\"}}}},\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[]}}}}");
        return new TestImage(config, layers, architecture);
    }

    /// <summary>Pushes every blob then the manifest under <paramref name="tag"/>; returns what each blob push did.</summary>
    public async Task<BlobPushResult[]> PushAsync(RegistryClient client, RegistryRepository repository, string tag, string? mountFrom = null)
    {
        List<BlobPushResult> results = [];
        foreach ((Descriptor descriptor, byte[] bytes) in Blobs)
        {
            results.Add(await client.PushBlobAsync(repository, descriptor, () => new MemoryStream(bytes, writable: false), mountFrom, cancellationToken: TestContext.Current.CancellationToken));
        }

        await client.PutManifestAsync(repository, tag, Manifest.Bytes, MediaTypes.OciManifest, TestContext.Current.CancellationToken);
        return [.. results];
    }
}

/// <summary>One registry per test class, started on first use (skips when docker-registry is missing).</summary>
public abstract class RegistryFixture : IDisposable
{
    private readonly Lazy<TestRegistry> _registry;
    private readonly Lazy<TokenServer>? _tokens;

    protected RegistryFixture(RegistrySetup setup)
    {
        if (setup == RegistrySetup.Token)
        {
            _tokens = new Lazy<TokenServer>(() => new TokenServer());
        }

        _registry = new Lazy<TestRegistry>(() => TestRegistry.Start(setup, _tokens?.Value));
    }

    public TestRegistry Registry
    {
        get
        {
            if (Peers.FindOnPath("docker-registry") is null)
            {
                Assert.Skip("docker-registry (CNCF Distribution 2.8) not found on PATH: `apt-get install docker-registry`, or run `bash .ci/peers.sh` (needs root)");
            }

            return _registry.Value;
        }
    }

    public TokenServer Tokens => _tokens?.Value ?? throw new InvalidOperationException("not a token registry");

    public void Dispose()
    {
        if (_registry.IsValueCreated)
        {
            _registry.Value.Dispose();
        }

        if (_tokens is { IsValueCreated: true })
        {
            _tokens.Value.Dispose();
        }

        GC.SuppressFinalize(this);
    }
}

public sealed class PlainRegistryFixture() : RegistryFixture(RegistrySetup.PlainHttp);

public sealed class TlsRegistryFixture() : RegistryFixture(RegistrySetup.TlsBasic);

public sealed class TokenRegistryFixture() : RegistryFixture(RegistrySetup.Token);

/// <summary>A clock that can be moved forward, for token expiry.</summary>
public sealed class ShiftedClock : TimeProvider
{
    public TimeSpan Shift { get; set; }

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Shift;
}
