using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Compression;
using ImageFormat.Digests;
using ImageFormat.Images;
using ImageFormat.Layers;
using ImageFormat.Progress;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Layers;

public class LayerExtractorAsyncTests
{
    [Fact]
    public async Task ExtractImageAsync_writes_the_same_tree_as_ExtractImage()
    {
        using var temp = new TempDirectory();
        using ImageArchive archive = ImageArchive.OpenFile(AsyncImages.WriteArchive(temp.Path));

        LayerExtractResult sync = LayerExtractor.ExtractImage(archive.Images[0], temp.Combine("sync"));
        LayerExtractResult async = await LayerExtractor.ExtractImageAsync(archive.Images[0], temp.Combine("async"), cancellationToken: TestContext.Current.CancellationToken);

        AsyncImages.Tree(temp.Combine("async")).Should().Equal(AsyncImages.Tree(temp.Combine("sync")));
        AsyncImages.Tree(temp.Combine("sync")).Keys.Should().Contain(["layer0/data.bin", "layer1/name.txt", "layer2/data.bin"]);
        async.EntriesApplied.Should().Be(sync.EntriesApplied);
    }

    [Fact]
    public async Task ExtractImageAsync_with_a_cancelled_token_creates_nothing()
    {
        using var temp = new TempDirectory();
        using ImageArchive archive = ImageArchive.OpenFile(AsyncImages.WriteArchive(temp.Path));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        Task<LayerExtractResult> extract = LayerExtractor.ExtractImageAsync(archive.Images[0], temp.Combine("root"), cancellationToken: cancelled.Token);

        extract.IsCanceled.Should().BeTrue();
        Directory.Exists(temp.Combine("root")).Should().BeFalse();
    }

    [Fact]
    public async Task ExtractImageAsync_cancelled_midway_removes_the_directory_it_created()
    {
        using var temp = new TempDirectory();
        using ImageArchive archive = ImageArchive.OpenFile(AsyncImages.WriteArchive(temp.Path));
        using var cts = new CancellationTokenSource();
        ProgressLog log = ProgressLog.CancelMidway(cts);

        Func<Task> extract = () => LayerExtractor.ExtractImageAsync(archive.Images[0], temp.Combine("root"), progress: log, cancellationToken: cts.Token);

        await extract.Should().ThrowAsync<OperationCanceledException>();
        log.Reports.Should().Contain(r => r.BytesDone > 0);
        Directory.Exists(temp.Combine("root")).Should().BeFalse();
    }

    [Fact]
    public async Task ExtractImageAsync_reports_each_layer_monotonic_bytes_and_a_final_report_equal_to_the_stored_sizes()
    {
        using var temp = new TempDirectory();
        using ImageArchive archive = ImageArchive.OpenFile(AsyncImages.WriteArchive(temp.Path));
        var log = new ProgressLog();

        await LayerExtractor.ExtractImageAsync(archive.Images[0], temp.Combine("root"), progress: log, cancellationToken: TestContext.Current.CancellationToken);

        IReadOnlyList<ImageProgress> reports = log.Reports;
        reports.Should().OnlyContain(r => r.Phase == ImageProgressPhase.Extracting && r.ItemCount == 3);
        reports.Select(r => r.BytesDone).Should().BeInAscendingOrder();
        long total = archive.Images[0].Layers.Sum(l => l.Size);
        reports[^1].Should().Match<ImageProgress>(r => r.BytesDone == total && r.BytesTotal == total);
        reports.Select(r => r.ItemIndex).Distinct().Should().Equal(0, 1, 2);
    }

    [Fact]
    public async Task LayerBuilder_WriteAsync_writes_the_same_bytes_as_Write()
    {
        using var temp = new TempDirectory();
        temp.WriteFile("tree/a.txt", "a\n"u8);
        temp.WriteFile("tree/dir/b.bin", new byte[200_000]);
        LayerChange[] changes = [new LayerChange(LayerChangeKind.Added, "/a.txt"), new LayerChange(LayerChangeKind.Added, "/dir"), new LayerChange(LayerChangeKind.Added, "/dir/b.bin"), new LayerChange(LayerChangeKind.Deleted, "/gone")];
        var options = new LayerBuildOptions { SourceDateEpoch = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000) };

        using var sync = new MemoryStream();
        LayerBuildResult syncResult = LayerBuilder.Write(temp.Combine("tree"), changes, sync, options);
        using var async = new MemoryStream();
        LayerBuildResult asyncResult = await LayerBuilder.WriteAsync(temp.Combine("tree"), changes, async, options, TestContext.Current.CancellationToken);

        async.ToArray().Should().Equal(sync.ToArray());
        asyncResult.Should().Be(syncResult);
        syncResult.Entries.Should().Be(4);
    }

    [Fact]
    public async Task LayerBuilder_WriteAsync_with_a_cancelled_token_writes_nothing()
    {
        using var temp = new TempDirectory();
        temp.WriteFile("tree/a.txt", "a\n"u8);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        using var output = new MemoryStream();

        Task<LayerBuildResult> write = LayerBuilder.WriteAsync(temp.Combine("tree"), [new LayerChange(LayerChangeKind.Added, "/a.txt")], output, cancellationToken: cancelled.Token);

        write.IsCanceled.Should().BeTrue();
        output.Length.Should().Be(0);
    }

    [Fact]
    public async Task LayerBuilder_CreateLayerAsync_gives_the_same_blob_and_digests_as_CreateLayer()
    {
        using var temp = new TempDirectory();
        temp.WriteFile("tree/a.txt", "a\n"u8);
        temp.WriteFile("tree/dir/b.bin", new byte[200_000]);
        var options = new LayerBuildOptions { Compression = CompressionFormat.Gzip, SourceDateEpoch = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000) };

        IImageLayer sync = LayerBuilder.CreateLayer(temp.Combine("tree"), options);
        IImageLayer async = await LayerBuilder.CreateLayerAsync(temp.Combine("tree"), options, TestContext.Current.CancellationToken);

        using Stream syncBlob = sync.OpenBlob(verify: true);
        using Stream asyncBlob = async.OpenBlob(verify: true);
        StreamBytes.ReadAll(asyncBlob).Should().Equal(StreamBytes.ReadAll(syncBlob));
        async.Digest.Should().Be(sync.Digest);
        async.DiffId.Should().Be(sync.DiffId);
        async.Size.Should().Be(sync.Size);
    }

    [Fact]
    public async Task LayerBuilder_CreateLayerAsync_with_a_cancelled_token_returns_a_cancelled_task()
    {
        using var temp = new TempDirectory();
        temp.WriteFile("tree/a.txt", "a\n"u8);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        Task<IImageLayer> create = LayerBuilder.CreateLayerAsync(temp.Combine("tree"), cancellationToken: cancelled.Token);

        create.IsCanceled.Should().BeTrue();
        Action nullDirectory = () => _ = LayerBuilder.CreateLayerAsync(null!, cancellationToken: cancelled.Token);
        nullDirectory.Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public async Task LayerBuilder_WriteAsync_cancelled_midway_throws_OperationCanceledException()
    {
        using var temp = new TempDirectory();
        temp.WriteFile("tree/big.bin", new byte[1 << 20]);
        using var cts = new CancellationTokenSource();
        using var output = new CancelOnFirstWriteStream(cts);

        Func<Task> write = () => LayerBuilder.WriteAsync(temp.Combine("tree"), [new LayerChange(LayerChangeKind.Added, "/big.bin")], output, cancellationToken: cts.Token);

        await write.Should().ThrowAsync<OperationCanceledException>();
        output.Length.Should().BeGreaterThan(0).And.BeLessThan(1 << 20);
    }

    [Fact]
    public async Task MergedTree_BuildAsync_cancelled_midway_throws_OperationCanceledException()
    {
        using var temp = new TempDirectory();
        using ImageArchive archive = ImageArchive.OpenFile(AsyncImages.WriteArchive(temp.Path));
        using var cts = new CancellationTokenSource();
        IContainerImage image = ImageBuilder.From(archive.Images[0]).AppendLayer(new CancelOnFirstRead(archive.Images[0].Layers[1], cts)).Build();

        Func<Task> build = () => MergedTree.BuildAsync(image, cancellationToken: cts.Token);

        await build.Should().ThrowAsync<OperationCanceledException>();
        cts.IsCancellationRequested.Should().BeTrue("the layer was being read when the token was cancelled");
    }

    /// <summary>A layer whose uncompressed stream cancels <paramref name="source"/> on its first read.</summary>
    private sealed class CancelOnFirstRead(IImageLayer inner, CancellationTokenSource source) : IImageLayer
    {
        public Digest Digest => inner.Digest;

        public long Size => inner.Size;

        public string MediaType => inner.MediaType;

        public Digest DiffId => inner.DiffId;

        public CompressionFormat Compression => inner.Compression;

        public Stream OpenBlob(bool verify) => inner.OpenBlob(verify);

        public ValueTask<Stream> OpenBlobAsync(bool verify, CancellationToken cancellationToken) => inner.OpenBlobAsync(verify, cancellationToken);

        public Stream OpenUncompressed(bool verify)
        {
            using Stream tar = inner.OpenUncompressed(verify);
            using var copy = new MemoryStream();
            tar.CopyTo(copy);
            return new CancellingReadStream(copy.ToArray(), source);
        }

        public ValueTask<Stream> OpenUncompressedAsync(bool verify, CancellationToken cancellationToken) => ValueTask.FromResult(OpenUncompressed(verify));
    }

    private sealed class CancellingReadStream(byte[] bytes, CancellationTokenSource source) : MemoryStream(bytes, writable: false)
    {
        public override int Read(byte[] buffer, int offset, int count)
        {
            source.Cancel();
            return base.Read(buffer, offset, Math.Min(count, 512));
        }
    }

    [Fact]
    public async Task MergedTree_BuildAsync_gives_the_same_tree_as_Build()
    {
        using var temp = new TempDirectory();
        using ImageArchive archive = ImageArchive.OpenFile(AsyncImages.WriteArchive(temp.Path));

        MergedTree sync = MergedTree.Build(archive.Images[0]);
        MergedTree async = await MergedTree.BuildAsync(archive.Images[0], cancellationToken: TestContext.Current.CancellationToken);

        async.Enumerate().Select(e => $"{e.Path} {e.Size}").Should().Equal(sync.Enumerate().Select(e => $"{e.Path} {e.Size}"));
        sync.Enumerate().Should().Contain(e => e.Path.EndsWith("layer1/data.bin", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MergedTree_BuildAsync_with_a_cancelled_token_returns_a_cancelled_task()
    {
        using var temp = new TempDirectory();
        using ImageArchive archive = ImageArchive.OpenFile(AsyncImages.WriteArchive(temp.Path));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        Func<Task> build = () => MergedTree.BuildAsync(archive.Images[0], cancellationToken: cancelled.Token);

        await build.Should().ThrowAsync<OperationCanceledException>();
    }
}
