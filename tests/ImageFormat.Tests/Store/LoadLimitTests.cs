using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Errors;
using ImageFormat.Store;
using ImageFormat.Tests.Hostile;
using ImageFormat.Tests.Layers;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Store;

/// <summary><c>load</c> writes a bounded number of bytes into the store per layer.</summary>
public class LoadLimitTests
{
    private static readonly byte[] Layer = new LayerTar().File("a", new string('a', 3000)).ToBytes();

    private static LoadResult Load(byte[] archive, ImageFormatLimits limits, string root)
    {
        using ImageStore store = ImageStore.Open(root, new ImageStoreOptions { Limits = limits });
        using ImageArchive opened = ImageArchive.OpenStream(new MemoryStream(archive), leaveOpen: false, new ImageArchiveOptions { Limits = limits });
        return store.Load(opened);
    }

    [Fact]
    public void Load_writes_a_layer_of_exactly_MaxLoadLayerBytes_and_refuses_one_byte_more()
    {
        byte[] archive = HostileImages.Archive(Layer);
        using var ok = new TempDirectory();
        using var refused = new TempDirectory();

        Load(archive, ImageFormatLimits.Default with { MaxLoadLayerBytes = Layer.Length }, ok.Path).Lines.Should().Equal("Loaded image: h:1");
        Action load = () => Load(archive, ImageFormatLimits.Default with { MaxLoadLayerBytes = Layer.Length - 1 }, refused.Path);

        LimitExceededException e = load.Should().Throw<LimitExceededException>().Which;
        (e.Limit, e.Subject, e.Maximum, e.Found).Should().Be(("MaxLoadLayerBytes", "layer 0 (l0.tar)", Layer.Length - 1L, (long)Layer.Length));
        using ImageStore store = ImageStore.Open(refused.Path);
        store.Images.Should().BeEmpty();
    }

    [Fact]
    public void Load_of_a_small_zstd_layer_expanding_past_the_default_ratio_is_refused()
    {
        byte[] bomb = HostileImages.ZstdZeroTar(300L << 20);
        byte[] archive = HostileImages.Archive((bomb, new byte[1]));
        using var root = new TempDirectory();

        Action load = () => Load(archive, ImageFormatLimits.Default, root.Path);

        load.Should().Throw<LimitExceededException>().Where(e => e.Limit == "MaxExpansionRatio" && e.Subject.StartsWith("l0.tar (zstd, ", StringComparison.Ordinal));
    }
}
