using FluentAssertions;
using ImageFormat.Progress;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Progress;

public class ProgressReporterTests
{
    [Fact]
    public void Nobody_listening_means_no_reporter_and_the_stream_used_as_is()
    {
        using var stream = new MemoryStream([1, 2, 3]);

        ProgressReporter.Create(null, ImageProgressPhase.Writing, 3, 100).Should().BeNull();
        ProgressStream.Wrap(stream, null, CancellationToken.None).Should().BeSameAs(stream);
        ProgressStream.WrapWrite(stream, null, CancellationToken.None).Should().BeSameAs(stream);
    }

    [Fact]
    public void Items_are_reported_when_they_start_and_end_and_the_last_report_is_the_total()
    {
        var log = new ProgressLog();
        ProgressReporter reporter = ProgressReporter.Create(log, ImageProgressPhase.Verifying, 2, 30)!;

        int a = reporter.StartItem("sha256:a");
        reporter.Add(10);
        reporter.EndItem("sha256:a", a);
        int b = reporter.StartItem("sha256:b");
        reporter.Add(20);
        reporter.EndItem("sha256:b", b);
        reporter.Complete();

        log.Reports.Where(r => r.Item == "sha256:a").Select(r => r.BytesDone).Should().StartWith([0L]).And.EndWith([10L]);
        log.Reports.Where(r => r.Item == "sha256:b").Select(r => r.ItemIndex).Should().OnlyContain(i => i == 1);
        log.Reports.Select(r => r.BytesDone).Should().BeInAscendingOrder();
        log.Reports[^1].Should().Be(new ImageProgress(ImageProgressPhase.Verifying, "sha256:b", 1, 2, 30, 30));
    }

    [Fact]
    public void A_total_that_turns_out_too_small_grows_so_done_never_exceeds_it()
    {
        var log = new ProgressLog();
        ProgressReporter reporter = ProgressReporter.Create(log, ImageProgressPhase.Committing, 1, 0)!;

        int item = reporter.StartItem("layer");
        reporter.Add(5000);
        reporter.EndItem("layer", item);
        reporter.Complete();

        log.Reports.Should().OnlyContain(r => r.BytesDone <= r.BytesTotal);
        log.Reports[^1].BytesTotal.Should().Be(5000);
    }

    [Fact]
    public void ProgressStream_counts_reads_and_writes_and_stops_at_the_next_read_once_cancelled()
    {
        var log = new ProgressLog();
        ProgressReporter reporter = ProgressReporter.Create(log, ImageProgressPhase.Writing, 1, 8)!;
        using var cts = new CancellationTokenSource();
        using Stream read = ProgressStream.Wrap(new MemoryStream(new byte[8]), reporter, cts.Token);
        using var sink = new MemoryStream();
        using Stream write = ProgressStream.WrapWrite(sink, reporter, cts.Token);

        read.ReadExactly(new byte[4]);
        write.Write(new byte[3]);
        reporter.Done.Should().Be(7);
        cts.Cancel();
        Action nextRead = () => read.ReadExactly(new byte[1]);
        Action nextWrite = () => write.Write(new byte[1]);

        nextRead.Should().Throw<OperationCanceledException>();
        nextWrite.Should().Throw<OperationCanceledException>();
        reporter.Done.Should().Be(7);
        sink.Length.Should().Be(3);
    }
}
