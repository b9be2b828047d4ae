using System.Text;
using ImageFormat.Digests;
using ImageFormat.Model;
using ImageFormat.Registry;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Registry;

/// <summary>
/// A two-platform image in a registry: a linux/amd64 and a linux/arm64 <see cref="TestImage"/>, pushed under the tags
/// <c>amd</c> and <c>arm</c>, and an OCI index of both pushed under its own tag.
/// </summary>
public sealed record TwoPlatformIndex(TestImage Amd, TestImage Arm, RawDocument<ImageIndex> Index)
{
    /// <summary>Pushes both images (seeds <paramref name="seed"/> and <paramref name="seed"/> + 1), then the index under <paramref name="indexTag"/>.</summary>
    public static async Task<TwoPlatformIndex> PushAsync(RegistryClient client, RegistryRepository repository, int seed, int amdLayerSize, int armLayerSize, string indexTag = "multi")
    {
        TestImage amd = TestImage.Create(seed, "amd64", amdLayerSize);
        TestImage arm = TestImage.Create(seed + 1, "arm64", armLayerSize);
        await amd.PushAsync(client, repository, "amd");
        await arm.PushAsync(client, repository, "arm");
        RawDocument<ImageIndex> index = RawDocument.Create(new ImageIndex
        {
            MediaType = MediaTypes.OciIndex,
            Manifests =
            [
                amd.Manifest.ToDescriptor(MediaTypes.OciManifest) with { Platform = amd.Platform },
                arm.Manifest.ToDescriptor(MediaTypes.OciManifest) with { Platform = arm.Platform },
            ],
        });
        await client.PutManifestAsync(repository, indexTag, index.Bytes, MediaTypes.OciIndex, TestContext.Current.CancellationToken);
        return new TwoPlatformIndex(amd, arm, index);
    }
}

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

    /// <summary>The uncompressed layer tars, whose digests are the config's diff_ids.</summary>
    public byte[][] Tars { get; private init; } = [];

    /// <summary>
    /// An image whose layers are gzip-compressed tars each holding one file of <paramref name="layerSizes"/>
    /// pseudo-random bytes (so each blob is a little larger than that), with a config listing their diffIDs.
    /// </summary>
    public static TestImage Create(int seed, string architecture = "amd64", params int[] layerSizes)
    {
        Random random = new(seed);
        byte[][] tars = new byte[layerSizes.Length][];
        byte[][] layers = new byte[layerSizes.Length][];
        for (int i = 0; i < layerSizes.Length; i++)
        {
            byte[] content = new byte[layerSizes[i]];
            random.NextBytes(content);
            using MemoryStream tar = new();
            using (System.Formats.Tar.TarWriter writer = new(tar, System.Formats.Tar.TarEntryFormat.Ustar, leaveOpen: true))
            {
                writer.WriteEntry(new System.Formats.Tar.UstarTarEntry(System.Formats.Tar.TarEntryType.RegularFile, $"layer{i}/data")
                {
                    DataStream = new MemoryStream(content),
                    ModificationTime = DateTimeOffset.UnixEpoch,
                });
            }

            tars[i] = tar.ToArray();
            using MemoryStream gz = new();
            using (System.IO.Compression.GZipStream zip = new(gz, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            {
                zip.Write(tars[i]);
            }

            layers[i] = gz.ToArray();
        }

        string diffIds = string.Join(",", tars.Select(t => $"\"{Digest.Compute(t)}\""));
        byte[] config = Encoding.UTF8.GetBytes(
            $"{{\"architecture\":\"{architecture}\",\"os\":\"linux\",\"config\":{{\"Labels\":{{\"seed\":\"{seed}\"}}}},\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[{diffIds}]}}}}");
        return new TestImage(config, layers, architecture) { Tars = tars };
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
