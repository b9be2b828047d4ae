using System.Text;
using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Digests;
using ImageFormat.Progress;
using ImageFormat.Store;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Store;

public class StoreAsyncTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 7, 8, 9, 10, TimeSpan.Zero);

    [Fact]
    public async Task LoadAsync_writes_the_same_records_and_blobs_as_Load()
    {
        using var temp = new TempDirectory();
        string archive = AsyncImages.WriteArchive(temp.Path);
        using ImageStore sync = Open(temp.Combine("sync"));
        using ImageStore async = Open(temp.Combine("async"));

        LoadResult syncResult = sync.Load(archive);
        LoadResult asyncResult = await async.LoadFileAsync(archive, cancellationToken: TestContext.Current.CancellationToken);

        asyncResult.Lines.Should().Equal(syncResult.Lines);
        asyncResult.Lines.Should().Equal("Loaded image: " + AsyncImages.Tag);
        asyncResult.ImageIds.Should().Equal(syncResult.ImageIds);
        asyncResult.LayersWritten.Should().Be(3);
        File.ReadAllBytes(temp.Combine("async", "state.json")).Should().Equal(File.ReadAllBytes(temp.Combine("sync", "state.json")));
        AsyncImages.Tree(temp.Combine("async", "blobs")).Should().Equal(AsyncImages.Tree(temp.Combine("sync", "blobs")));
    }

    [Fact]
    public async Task LoadAsync_with_a_cancelled_token_loads_nothing()
    {
        using var temp = new TempDirectory();
        using ImageArchive archive = ImageArchive.OpenFile(AsyncImages.WriteArchive(temp.Path));
        using ImageStore store = Open(temp.Combine("store"));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        Task<LoadResult> load = store.LoadAsync(archive, cancellationToken: cancelled.Token);

        load.IsCanceled.Should().BeTrue();
        store.Images.Should().BeEmpty();
        Action nullArchive = () => _ = store.LoadAsync((ImageArchive)null!, cancellationToken: cancelled.Token);
        nullArchive.Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public async Task LoadAsync_cancelled_midway_leaves_the_store_as_it_was()
    {
        using var temp = new TempDirectory();
        using ImageArchive archive = ImageArchive.OpenFile(AsyncImages.WriteArchive(temp.Path));
        string root = temp.Combine("store");
        using ImageStore store = Open(root);
        var fixture = new StoreFixture(store);
        fixture.Image(["base.txt"], tag: "base:1");
        StoreSnapshot snapshot = StoreSnapshot.Take(root);
        using var cts = new CancellationTokenSource();
        ProgressLog log = ProgressLog.CancelMidway(cts);

        Func<Task> load = () => store.LoadAsync(archive, log, cts.Token);

        await load.Should().ThrowAsync<OperationCanceledException>();
        log.Reports.Should().Contain(r => r.BytesDone > 0);
        store.Images.Should().ContainSingle();
        snapshot.ShouldStillHold(root);
    }

    [Fact]
    public async Task LoadAsync_reports_each_layer_monotonic_bytes_and_a_final_report_equal_to_the_stored_sizes()
    {
        using var temp = new TempDirectory();
        using ImageArchive archive = ImageArchive.OpenFile(AsyncImages.WriteArchive(temp.Path));
        using ImageStore store = Open(temp.Combine("store"));
        var log = new ProgressLog();

        await store.LoadAsync(archive, log, TestContext.Current.CancellationToken);

        IReadOnlyList<ImageProgress> reports = log.Reports;
        reports.Should().OnlyContain(r => r.Phase == ImageProgressPhase.Loading && r.ItemCount == 3);
        reports.Select(r => r.BytesDone).Should().BeInAscendingOrder();
        long total = archive.Images[0].Layers.Sum(l => l.Size);
        reports[^1].BytesDone.Should().Be(total);
        reports[^1].BytesTotal.Should().Be(total);
        foreach (Digest diffId in archive.Images[0].Config.Value.RootFs.DiffIds)
        {
            reports.Should().Contain(r => r.Item == diffId.Value);
        }
    }

    [Fact]
    public async Task LoadAsync_of_images_writes_the_same_records_and_blobs_as_Load_of_images()
    {
        using var temp = new TempDirectory();
        using ImageStore sync = Open(temp.Combine("sync"));
        using ImageStore async = Open(temp.Combine("async"));
        var log = new ProgressLog();

        LoadResult syncResult = sync.Load([AsyncImages.Image()]);
        LoadResult asyncResult = await async.LoadAsync([AsyncImages.Image()], log, TestContext.Current.CancellationToken);

        asyncResult.Lines.Should().Equal("Loaded image: " + AsyncImages.Tag);
        asyncResult.Lines.Should().Equal(syncResult.Lines);
        asyncResult.ImageIds.Should().Equal(syncResult.ImageIds);
        File.ReadAllBytes(temp.Combine("async", "state.json")).Should().Equal(File.ReadAllBytes(temp.Combine("sync", "state.json")));
        AsyncImages.Tree(temp.Combine("async", "blobs")).Should().Equal(AsyncImages.Tree(temp.Combine("sync", "blobs")));
        log.Reports.Should().OnlyContain(r => r.Phase == ImageProgressPhase.Loading && r.ItemCount == 3);
        log.Reports.Select(r => r.BytesDone).Should().BeInAscendingOrder();
        long total = AsyncImages.Image().Layers.Sum(l => l.Size);
        log.Reports[^1].BytesDone.Should().Be(total);
        log.Reports[^1].BytesTotal.Should().Be(total);
    }

    [Fact]
    public async Task LoadAsync_of_images_cancelled_before_or_midway_leaves_the_store_as_it_was()
    {
        using var temp = new TempDirectory();
        string root = temp.Combine("store");
        using ImageStore store = Open(root);
        var fixture = new StoreFixture(store);
        fixture.Image(["base.txt"], tag: "base:1");
        StoreSnapshot snapshot = StoreSnapshot.Take(root);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        Task<LoadResult> before = store.LoadAsync([AsyncImages.Image()], cancellationToken: cancelled.Token);

        before.IsCanceled.Should().BeTrue();
        Action nullImages = () => _ = store.LoadAsync((IEnumerable<ImageFormat.Images.IContainerImage>)null!, cancellationToken: cancelled.Token);
        nullImages.Should().Throw<ArgumentNullException>();

        using var cts = new CancellationTokenSource();
        ProgressLog log = ProgressLog.CancelAtFirstItem(cts);
        Func<Task> midway = () => store.LoadAsync([AsyncImages.Image()], log, cts.Token);

        await midway.Should().ThrowAsync<OperationCanceledException>();
        log.Reports.Should().Contain(r => r.Item.Length > 0);
        store.Images.Should().ContainSingle();
        snapshot.ShouldStillHold(root);
    }

    [Fact]
    public async Task SaveAsync_writes_the_same_archive_as_Save_and_nothing_when_cancelled_midway()
    {
        using var temp = new TempDirectory();
        using ImageStore store = Open(temp.Combine("store"));
        store.Load(AsyncImages.WriteArchive(temp.Path));

        store.Save([AsyncImages.Tag], temp.Combine("saved-sync.tar"));
        var log = new ProgressLog();
        await store.SaveAsync([AsyncImages.Tag], temp.Combine("saved-async.tar"), progress: log, cancellationToken: TestContext.Current.CancellationToken);
        using var cts = new CancellationTokenSource();
        Func<Task> cancelled = () => store.SaveAsync([AsyncImages.Tag], temp.Combine("cancelled.tar"), progress: ProgressLog.CancelMidway(cts), cancellationToken: cts.Token);

        File.ReadAllBytes(temp.Combine("saved-async.tar")).Should().Equal(File.ReadAllBytes(temp.Combine("saved-sync.tar")));
        log.Reports[^1].BytesDone.Should().Be(log.Reports[^1].BytesTotal);
        await cancelled.Should().ThrowAsync<OperationCanceledException>();
        Directory.EnumerateFiles(temp.Path).Select(Path.GetFileName).Should().BeEquivalentTo(["async.tar", "saved-sync.tar", "saved-async.tar"]);
    }

    [Fact]
    public async Task CommitAsync_builds_the_same_layer_and_config_as_Commit()
    {
        using var temp = new TempDirectory();
        using ImageStore store = Open(temp.Combine("store"));
        store.Load(AsyncImages.WriteArchive(temp.Path));
        StoreContainer first = store.AddContainer(AsyncImages.Tag, "first");
        StoreContainer second = store.AddContainer(AsyncImages.Tag, "second");
        foreach (StoreContainer c in new[] { first, second })
        {
            File.WriteAllText(Path.Combine(c.RootFsPath!, "added.txt"), "added\n");
            File.Delete(Path.Combine(c.RootFsPath!, "layer0", "name.txt"));

            // Both layers must describe the same tree: the same times on what changed.
            var time = new DateTime(2025, 1, 2, 3, 4, 5, DateTimeKind.Utc);
            File.SetLastWriteTimeUtc(Path.Combine(c.RootFsPath!, "added.txt"), time);
            File.SetLastAccessTimeUtc(Path.Combine(c.RootFsPath!, "added.txt"), time);
            Directory.SetLastWriteTimeUtc(Path.Combine(c.RootFsPath!, "layer0"), time);
            Directory.SetLastAccessTimeUtc(Path.Combine(c.RootFsPath!, "layer0"), time);
        }

        Digest sync = store.Commit("first", new CommitOptions { Comment = "c" });
        var log = new ProgressLog();
        Digest async = await store.CommitAsync("second", new CommitOptions { Comment = "c" }, log, TestContext.Current.CancellationToken);

        StoreImage syncImage = store.GetImage(sync.Value);
        StoreImage asyncImage = store.GetImage(async.Value);
        asyncImage.DiffIds.Should().Equal(syncImage.DiffIds);
        asyncImage.DiffIds.Should().HaveCount(4);
        Encoding.UTF8.GetString(store.ReadConfig(async)).Replace(second.Id, "ID", StringComparison.Ordinal).Replace(second.Id[..12], "ID", StringComparison.Ordinal)
            .Should().Be(Encoding.UTF8.GetString(store.ReadConfig(sync)).Replace(first.Id, "ID", StringComparison.Ordinal).Replace(first.Id[..12], "ID", StringComparison.Ordinal));
        log.Reports.Should().OnlyContain(r => r.Phase == ImageProgressPhase.Committing);
        log.Reports.Select(r => r.BytesDone).Should().BeInAscendingOrder();
        log.Reports[^1].BytesDone.Should().Be(log.Reports[^1].BytesTotal);
        using Stream layer = store.OpenLayer(asyncImage.DiffIds[^1]);
        using var layerBytes = new MemoryStream();
        await layer.CopyToAsync(layerBytes, TestContext.Current.CancellationToken);
        log.Reports[^1].BytesDone.Should().Be(layerBytes.Length);
    }

    [Fact]
    public async Task CommitAsync_cancelled_before_or_midway_leaves_the_store_as_it_was()
    {
        using var temp = new TempDirectory();
        string root = temp.Combine("store");
        using ImageStore store = Open(root);
        store.Load(AsyncImages.WriteArchive(temp.Path));
        StoreContainer container = store.AddContainer(AsyncImages.Tag, "ctr");
        File.WriteAllBytes(Path.Combine(container.RootFsPath!, "big.bin"), new byte[3_000_000]);
        StoreSnapshot snapshot = StoreSnapshot.Take(root);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        using var cts = new CancellationTokenSource();

        Task<Digest> before = store.CommitAsync("ctr", new CommitOptions { Tag = "committed:1" }, cancellationToken: cancelled.Token);
        Func<Task> midway = () => store.CommitAsync("ctr", new CommitOptions { Tag = "committed:1" }, ProgressLog.CancelMidway(cts), cts.Token);

        before.IsCanceled.Should().BeTrue();
        await midway.Should().ThrowAsync<OperationCanceledException>();
        snapshot.ShouldStillHold(root);
    }

    [Fact]
    public async Task ImportAsync_gives_the_same_image_as_Import_and_nothing_when_cancelled_midway()
    {
        using var temp = new TempDirectory();
        using ImageStore sync = Open(temp.Combine("sync"));
        using ImageStore async = Open(temp.Combine("async"));
        byte[] tarball = AsyncImages.LayerTars[0];

        Digest syncId = sync.Import(new MemoryStream(tarball), new ImportOptions { Tag = "imported:1" });
        var log = new ProgressLog();
        Digest asyncId = await async.ImportAsync(new MemoryStream(tarball), new ImportOptions { Tag = "imported:1" }, log, TestContext.Current.CancellationToken);
        byte[] state = File.ReadAllBytes(temp.Combine("async", "state.json"));
        using var cts = new CancellationTokenSource();
        Func<Task> cancelled = () => async.ImportAsync(new MemoryStream(AsyncImages.LayerTars[1]), new ImportOptions { Tag = "other:1" }, ProgressLog.CancelMidway(cts), cts.Token);

        asyncId.Should().Be(syncId);
        log.Reports[^1].BytesDone.Should().Be(tarball.Length);
        log.Reports[^1].BytesTotal.Should().Be(tarball.Length);
        await cancelled.Should().ThrowAsync<OperationCanceledException>();
        File.ReadAllBytes(temp.Combine("async", "state.json")).Should().Equal(state);
        async.Images.Should().ContainSingle();
    }

    [Fact]
    public async Task ExportAsync_writes_the_same_tar_as_Export()
    {
        using var temp = new TempDirectory();
        using ImageStore store = Open(temp.Combine("store"));
        store.Load(AsyncImages.WriteArchive(temp.Path));
        store.AddContainer(AsyncImages.Tag, "ctr");

        using var sync = new MemoryStream();
        store.Export("ctr", sync);
        using var async = new MemoryStream();
        var log = new ProgressLog();
        await store.ExportAsync("ctr", async, log, TestContext.Current.CancellationToken);

        async.ToArray().Should().Equal(sync.ToArray());
        log.Reports[^1].BytesDone.Should().Be(sync.Length);
        log.Reports[^1].BytesTotal.Should().Be(sync.Length);
    }

    [Fact]
    public async Task ExportAsync_cancelled_before_or_midway_throws_and_the_container_stays()
    {
        using var temp = new TempDirectory();
        using ImageStore store = Open(temp.Combine("store"));
        store.Load(AsyncImages.WriteArchive(temp.Path));
        StoreContainer container = store.AddContainer(AsyncImages.Tag, "ctr");
        for (int i = 0; i < 3; i++)
        {
            // Large enough that the export writes many times after the first progress report.
            File.WriteAllBytes(Path.Combine(container.RootFsPath!, $"big{i}.bin"), new byte[1 << 20]);
        }

        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        using var nothing = new MemoryStream();

        Task before = store.ExportAsync("ctr", nothing, cancellationToken: cancelled.Token);

        before.IsCanceled.Should().BeTrue();
        nothing.Length.Should().Be(0);

        using var cts = new CancellationTokenSource();
        using var partial = new CancelOnFirstWriteStream(cts);
        Func<Task> midway = () => store.ExportAsync("ctr", partial, cancellationToken: cts.Token);

        await midway.Should().ThrowAsync<OperationCanceledException>();
        store.GetContainer("ctr").Name.Should().Be("ctr");
        using var whole = new MemoryStream();
        store.Export("ctr", whole);
        partial.Length.Should().BeLessThan(whole.Length);
    }

    private static ImageStore Open(string root) => ImageStore.Open(root, new ImageStoreOptions { Clock = new FixedClock(Now) });

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
