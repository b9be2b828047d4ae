using FluentAssertions;
using ImageFormat.Archives.Writers;
using ImageFormat.Compression;
using ImageFormat.Digests;
using ImageFormat.Progress;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Archives.Writers;

public class ArchiveWriterAsyncTests
{
    public static TheoryData<ArchiveFormat, CompressionFormat?> Formats => new()
    {
        { ArchiveFormat.Docker, null },
        { ArchiveFormat.Legacy, null },
        { ArchiveFormat.OciArchive, CompressionFormat.Zstd },
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task WriteAsync_writes_the_same_bytes_as_Write(ArchiveFormat format, CompressionFormat? compression)
    {
        var options = new ArchiveWriterOptions { Format = format, LayerCompression = compression };
        using var sync = new MemoryStream();
        ArchiveWriter.Write([AsyncImages.Image()], sync, options);
        using var async = new MemoryStream();
        await ArchiveWriter.WriteAsync([AsyncImages.Image()], async, options, cancellationToken: TestContext.Current.CancellationToken);

        async.ToArray().Should().Equal(sync.ToArray());
        sync.Length.Should().BeGreaterThan(900_000);
    }

    [Fact]
    public async Task WriteFileAsync_and_WriteLayoutAsync_write_the_same_bytes_as_their_sync_forms()
    {
        using var temp = new TempDirectory();
        ArchiveWriter.WriteFile([AsyncImages.Image()], temp.Combine("sync.tar"));
        await ArchiveWriter.WriteFileAsync([AsyncImages.Image()], temp.Combine("async.tar"), cancellationToken: TestContext.Current.CancellationToken);
        File.ReadAllBytes(temp.Combine("async.tar")).Should().Equal(File.ReadAllBytes(temp.Combine("sync.tar")));

        ArchiveWriter.WriteLayout([AsyncImages.Image()], temp.Combine("sync-layout"));
        await ArchiveWriter.WriteLayoutAsync([AsyncImages.Image()], temp.Combine("async-layout"), cancellationToken: TestContext.Current.CancellationToken);
        AsyncImages.Tree(temp.Combine("async-layout")).Should().Equal(AsyncImages.Tree(temp.Combine("sync-layout")));
        AsyncImages.Tree(temp.Combine("sync-layout")).Keys.Should().Contain(["index.json", "oci-layout"]);
    }

    [Fact]
    public async Task WriteAsync_with_a_cancelled_token_returns_a_cancelled_task_and_writes_nothing()
    {
        using var temp = new TempDirectory();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        using var output = new MemoryStream();

        Task write = ArchiveWriter.WriteAsync([AsyncImages.Image()], output, cancellationToken: cancelled.Token);
        Task file = ArchiveWriter.WriteFileAsync([AsyncImages.Image()], temp.Combine("out.tar"), cancellationToken: cancelled.Token);
        Task layout = ArchiveWriter.WriteLayoutAsync([AsyncImages.Image()], temp.Combine("layout"), cancellationToken: cancelled.Token);

        write.IsCanceled.Should().BeTrue();
        file.IsCanceled.Should().BeTrue();
        layout.IsCanceled.Should().BeTrue();
        await write.Invoking(t => t).Should().ThrowAsync<OperationCanceledException>();
        output.Length.Should().Be(0);
        Directory.EnumerateFileSystemEntries(temp.Path).Should().BeEmpty();
    }

    [Fact]
    public async Task WriteAsync_checks_its_arguments_before_anything_runs()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        Action noImages = () => _ = ArchiveWriter.WriteAsync([], new MemoryStream(), cancellationToken: cancelled.Token);
        Action noPath = () => _ = ArchiveWriter.WriteFileAsync([AsyncImages.Image()], "", cancellationToken: cancelled.Token);
        Action layoutFormat = () => _ = ArchiveWriter.WriteAsync([AsyncImages.Image()], new MemoryStream(), new ArchiveWriterOptions { Format = ArchiveFormat.OciLayout });

        noImages.Should().Throw<ArgumentException>().WithMessage("At least one image must be written.*");
        noPath.Should().Throw<ArgumentException>();
        layoutFormat.Should().Throw<ArgumentException>().WithMessage("An OCI layout is a directory*");
    }

    [Theory]
    [InlineData(null)]
    [InlineData(CompressionFormat.Zstd)]
    public async Task WriteFileAsync_cancelled_midway_leaves_no_file_and_no_temporary_file(CompressionFormat? compression)
    {
        using var temp = new TempDirectory();
        using var cts = new CancellationTokenSource();
        ProgressLog log = ProgressLog.CancelMidway(cts);

        Func<Task> write = () => ArchiveWriter.WriteFileAsync([AsyncImages.Image()], temp.Combine("out.tar"), new ArchiveWriterOptions { LayerCompression = compression }, progress: log, cancellationToken: cts.Token);

        await write.Should().ThrowAsync<OperationCanceledException>();
        log.Reports.Should().Contain(r => r.BytesDone > 0);
        Directory.EnumerateFileSystemEntries(temp.Path).Should().BeEmpty();
    }

    [Fact]
    public async Task WriteFileAsync_cancelled_midway_keeps_the_file_that_was_there()
    {
        using var temp = new TempDirectory();
        string path = temp.WriteFile("out.tar", "old"u8);
        using var cts = new CancellationTokenSource();

        Func<Task> write = () => ArchiveWriter.WriteFileAsync([AsyncImages.Image()], path, progress: ProgressLog.CancelMidway(cts), cancellationToken: cts.Token);

        await write.Should().ThrowAsync<OperationCanceledException>();
        File.ReadAllBytes(path).Should().Equal("old"u8.ToArray());
        Directory.EnumerateFileSystemEntries(temp.Path).Should().Equal([path]);
    }

    [Fact]
    public async Task WriteLayoutAsync_cancelled_midway_leaves_no_layout_directory()
    {
        using var temp = new TempDirectory();
        using var cts = new CancellationTokenSource();

        Func<Task> write = () => ArchiveWriter.WriteLayoutAsync([AsyncImages.Image()], temp.Combine("layout"), progress: ProgressLog.CancelMidway(cts), cancellationToken: cts.Token);

        await write.Should().ThrowAsync<OperationCanceledException>();
        Directory.EnumerateFileSystemEntries(temp.Path).Should().BeEmpty();
    }

    [Fact]
    public async Task WriteLayoutAsync_cancelled_midway_into_an_existing_layout_removes_only_the_blobs_it_added()
    {
        using var temp = new TempDirectory();
        string layout = temp.Combine("layout");
        await ArchiveWriter.WriteLayoutAsync([StoreLikeImage()], layout, cancellationToken: TestContext.Current.CancellationToken);
        SortedDictionary<string, string> before = AsyncImages.Tree(layout);
        using var cts = new CancellationTokenSource();

        Func<Task> write = () => ArchiveWriter.WriteLayoutAsync([AsyncImages.Image()], layout, progress: ProgressLog.CancelMidway(cts), cancellationToken: cts.Token);

        await write.Should().ThrowAsync<OperationCanceledException>();
        AsyncImages.Tree(layout).Where(p => !p.Value.Equals("<dir>", StringComparison.Ordinal)).Should()
            .Equal(before.Where(p => !p.Value.Equals("<dir>", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task WriteAsync_reports_monotonic_bytes_every_blob_and_a_final_report_equal_to_the_total()
    {
        ImageToWrite image = AsyncImages.Image();
        var log = new ProgressLog();
        using var output = new MemoryStream();

        await ArchiveWriter.WriteAsync([image], output, progress: log, cancellationToken: TestContext.Current.CancellationToken);

        IReadOnlyList<ImageProgress> reports = log.Reports;
        reports.Should().OnlyContain(r => r.Phase == ImageProgressPhase.Writing);
        reports.Select(r => r.BytesDone).Should().BeInAscendingOrder();
        long blobBytes = image.Layers.Sum(l => l.Size) + image.Config.Size;
        reports[^1].BytesDone.Should().Be(reports[^1].BytesTotal);
        reports[^1].BytesTotal.Should().BeGreaterThan(blobBytes);
        foreach (LayerToWrite layer in image.Layers)
        {
            reports.Should().Contain(r => r.Item == $"blobs/sha256/{layer.Digest.Encoded}" && r.BytesDone > 0);
        }

        reports.Should().Contain(r => r.Item == $"blobs/sha256/{image.Id.Encoded}");
        reports.Should().Contain(r => r.Item == "manifest.json");
    }

    [Fact]
    public async Task WriteAsync_with_recompression_reports_each_reencoded_layer_before_the_files()
    {
        ImageToWrite image = AsyncImages.Image();
        var log = new ProgressLog();

        await ArchiveWriter.WriteAsync([image], Stream.Null, new ArchiveWriterOptions { LayerCompression = CompressionFormat.Zstd }, progress: log, cancellationToken: TestContext.Current.CancellationToken);

        IReadOnlyList<ImageProgress> reports = log.Reports;
        reports.Select(r => r.BytesDone).Should().BeInAscendingOrder();
        reports[^1].BytesDone.Should().Be(reports[^1].BytesTotal);
        foreach (LayerToWrite layer in image.Layers)
        {
            reports.Should().Contain(r => r.Item == layer.Digest.Value);
        }

        reports[^1].ItemCount.Should().Be(reports.Select(r => r.ItemIndex).Distinct().Count());
    }

    private static ImageToWrite StoreLikeImage()
    {
        byte[] tar = AsyncImages.LayerTars[2];
        Digest diffId = Digest.Compute(tar);
        string config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + diffId + "\"]}}";
        return new ImageToWrite(ImageFormat.Model.ImageDocuments.ParseConfig(System.Text.Encoding.UTF8.GetBytes(config), "config"), [new LayerToWrite(() => new MemoryStream(tar), diffId, tar.Length, diffId, CompressionFormat.None)]);
    }
}
