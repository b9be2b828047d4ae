using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Progress;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Archives;

public class ArchiveVerifierAsyncTests
{
    [Fact]
    public async Task VerifyAsync_finds_the_same_as_Verify()
    {
        using var temp = new TempDirectory();
        string path = AsyncImages.WriteArchive(temp.Path);
        using ImageArchive archive = ImageArchive.OpenFile(path);

        ArchiveVerification sync = ArchiveVerifier.Verify(archive, TestContext.Current.CancellationToken);
        ArchiveVerification async = await ArchiveVerifier.VerifyAsync(archive, cancellationToken: TestContext.Current.CancellationToken);

        async.Problems.Should().Equal(sync.Problems);
        async.BlobsChecked.Should().Be(3);
        async.BlobsChecked.Should().Be(sync.BlobsChecked);
        async.BytesHashed.Should().Be(sync.BytesHashed);
        async.IsValid.Should().BeTrue();
    }

    [Fact]
    public async Task VerifyAsync_finds_the_same_problems_as_Verify_in_a_corrupt_archive()
    {
        using var temp = new TempDirectory();
        string path = AsyncImages.WriteArchive(temp.Path);
        byte[] bytes = File.ReadAllBytes(path);
        int at = bytes.AsSpan().IndexOf("layer0/name.txt"u8);
        bytes[at + 700] ^= 0xff; // inside the first layer's blob
        File.WriteAllBytes(path, bytes);
        using ImageArchive archive = ImageArchive.OpenFile(path);

        ArchiveVerification sync = ArchiveVerifier.Verify(archive, TestContext.Current.CancellationToken);
        ArchiveVerification async = await ArchiveVerifier.VerifyAsync(archive, cancellationToken: TestContext.Current.CancellationToken);

        sync.IsValid.Should().BeFalse();
        async.Problems.Select(p => p.ToString()).Should().Equal(sync.Problems.Select(p => p.ToString()));
    }

    [Fact]
    public async Task VerifyAsync_with_a_cancelled_token_returns_a_cancelled_task_at_once()
    {
        using var temp = new TempDirectory();
        using ImageArchive archive = ImageArchive.OpenFile(AsyncImages.WriteArchive(temp.Path));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var log = new ProgressLog();

        Task<ArchiveVerification> verify = ArchiveVerifier.VerifyAsync(archive, log, cancelled.Token);

        verify.IsCanceled.Should().BeTrue();
        log.Reports.Should().BeEmpty();
        Func<Task> nullArchive = () => ArchiveVerifier.VerifyAsync(null!, cancellationToken: cancelled.Token);
        await nullArchive.Should().ThrowAsync<ArgumentNullException>();
    }

    [Fact]
    public async Task VerifyAsync_cancelled_midway_throws_OperationCanceledException()
    {
        using var temp = new TempDirectory();
        using ImageArchive archive = ImageArchive.OpenFile(AsyncImages.WriteArchive(temp.Path));
        using var cts = new CancellationTokenSource();
        ProgressLog log = ProgressLog.CancelAtFirstItem(cts);

        Func<Task> verify = () => ArchiveVerifier.VerifyAsync(archive, log, cts.Token);

        await verify.Should().ThrowAsync<OperationCanceledException>();
        log.Reports.Should().Contain(r => r.Item.Length > 0);
        log.Reports.Max(r => r.BytesDone).Should().BeLessThan(archive.Images[0].Layers.Sum(l => l.Size));
    }

    [Fact]
    public async Task VerifyAsync_reports_every_blob_monotonic_bytes_and_a_final_report_equal_to_the_stored_sizes()
    {
        using var temp = new TempDirectory();
        using ImageArchive archive = ImageArchive.OpenFile(AsyncImages.WriteArchive(temp.Path));
        var log = new ProgressLog();

        await ArchiveVerifier.VerifyAsync(archive, log, TestContext.Current.CancellationToken);

        IReadOnlyList<ImageProgress> reports = log.Reports;
        reports.Should().OnlyContain(r => r.Phase == ImageProgressPhase.Verifying && r.ItemCount == 3);
        reports.Select(r => r.BytesDone).Should().BeInAscendingOrder();
        long total = archive.Images[0].Layers.Sum(l => l.Size);
        reports[^1].BytesDone.Should().Be(total);
        reports[^1].BytesTotal.Should().Be(total);
        foreach (ArchiveLayer layer in archive.Images[0].Layers)
        {
            reports.Should().Contain(r => r.Item == (layer.DeclaredDigest.HasValue ? layer.DeclaredDigest.Value.Value : layer.Entry));
        }
    }

    [Fact]
    public async Task VerifyImageAsync_finds_the_same_as_VerifyImage_in_a_good_and_a_corrupt_image()
    {
        using var temp = new TempDirectory();
        string path = AsyncImages.WriteArchive(temp.Path);
        using (ImageArchive good = ImageArchive.OpenFile(path))
        {
            ArchiveVerification sync = ArchiveVerifier.VerifyImage(good.Images[0], cancellationToken: TestContext.Current.CancellationToken);
            ArchiveVerification async = await ArchiveVerifier.VerifyImageAsync(good.Images[0], cancellationToken: TestContext.Current.CancellationToken);

            sync.Problems.Should().BeEmpty();
            async.Problems.Should().BeEmpty();
            async.BlobsChecked.Should().Be(3);
            async.BytesHashed.Should().Be(sync.BytesHashed).And.Be(good.Images[0].Layers.Sum(l => l.Size));
        }

        byte[] bytes = File.ReadAllBytes(path);
        int at = bytes.AsSpan().IndexOf("layer0/name.txt"u8);
        bytes[at + 700] ^= 0xff; // inside the first layer's blob
        File.WriteAllBytes(path, bytes);
        using ImageArchive corrupt = ImageArchive.OpenFile(path);

        ArchiveVerification syncCorrupt = ArchiveVerifier.VerifyImage(corrupt.Images[0], cancellationToken: TestContext.Current.CancellationToken);
        ArchiveVerification asyncCorrupt = await ArchiveVerifier.VerifyImageAsync(corrupt.Images[0], cancellationToken: TestContext.Current.CancellationToken);

        syncCorrupt.IsValid.Should().BeFalse();
        asyncCorrupt.Problems.Select(p => p.ToString()).Should().Equal(syncCorrupt.Problems.Select(p => p.ToString()));
    }

    [Fact]
    public async Task VerifyImageAsync_with_a_cancelled_token_returns_a_cancelled_task_and_cancelled_midway_throws()
    {
        using var temp = new TempDirectory();
        using ImageArchive archive = ImageArchive.OpenFile(AsyncImages.WriteArchive(temp.Path));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var quiet = new ProgressLog();

        Task<ArchiveVerification> before = ArchiveVerifier.VerifyImageAsync(archive.Images[0], progress: quiet, cancellationToken: cancelled.Token);

        before.IsCanceled.Should().BeTrue();
        quiet.Reports.Should().BeEmpty();
        Func<Task> nullImage = () => ArchiveVerifier.VerifyImageAsync(null!, cancellationToken: cancelled.Token);
        await nullImage.Should().ThrowAsync<ArgumentNullException>();

        using var cts = new CancellationTokenSource();
        ProgressLog log = ProgressLog.CancelAtFirstItem(cts);
        Func<Task> midway = () => ArchiveVerifier.VerifyImageAsync(archive.Images[0], progress: log, cancellationToken: cts.Token);

        await midway.Should().ThrowAsync<OperationCanceledException>();
        log.Reports.Should().Contain(r => r.Item.Length > 0);
        log.Reports.Max(r => r.BytesDone).Should().BeLessThan(archive.Images[0].Layers.Sum(l => l.Size));
    }

    [Fact]
    public async Task VerifyImageAsync_reports_every_blob_monotonic_bytes_and_a_final_report_equal_to_the_stored_sizes()
    {
        using var temp = new TempDirectory();
        using ImageArchive archive = ImageArchive.OpenFile(AsyncImages.WriteArchive(temp.Path));
        var log = new ProgressLog();

        await ArchiveVerifier.VerifyImageAsync(archive.Images[0], progress: log, cancellationToken: TestContext.Current.CancellationToken);

        IReadOnlyList<ImageProgress> reports = log.Reports;
        reports.Should().OnlyContain(r => r.Phase == ImageProgressPhase.Verifying && r.ItemCount == 3);
        reports.Select(r => r.BytesDone).Should().BeInAscendingOrder();
        long total = archive.Images[0].Layers.Sum(l => l.Size);
        reports[^1].BytesDone.Should().Be(total);
        reports[^1].BytesTotal.Should().Be(total);
        foreach (ArchiveLayer layer in archive.Images[0].Layers)
        {
            reports.Should().Contain(r => r.Item == layer.Digest.Value);
        }
    }
}
