using FluentAssertions;
using ImageFormat.Tar;
using Xunit;

namespace ImageFormat.Tests.Tar;

public class TarEntryWriterAsyncTests
{
    private static readonly TarEntryHeader[] Headers =
    [
        new TarEntryHeader { Name = "dir/", Type = TarEntryKind.Directory, Mode = 0x1ED, ModificationTime = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000) },
        new TarEntryHeader { Name = "dir/file.bin", Size = 200_001, Mode = 0x1A4, ModificationTime = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000) },
        new TarEntryHeader { Name = "dir/" + new string('n', 150), Size = 3, Mode = 0x1A4, ModificationTime = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000).AddTicks(5) },
    ];

    [Fact]
    public async Task WriteEntryAsync_and_DisposeAsync_write_the_same_bytes_as_WriteEntry_and_Dispose()
    {
        using var sync = new MemoryStream();
        using (var writer = new TarEntryWriter(sync, leaveOpen: true))
        {
            foreach (TarEntryHeader header in Headers)
            {
                writer.WriteEntry(header, header.Size > 0 ? new MemoryStream(Content(header.Size)) : null);
            }
        }

        using var async = new MemoryStream();
        await using (var writer = new TarEntryWriter(async, leaveOpen: true))
        {
            foreach (TarEntryHeader header in Headers)
            {
                await writer.WriteEntryAsync(header, header.Size > 0 ? new MemoryStream(Content(header.Size)) : null, TestContext.Current.CancellationToken);
            }
        }

        async.ToArray().Should().Equal(sync.ToArray());
        sync.Length.Should().Be(sync.Length / 512 * 512).And.BeGreaterThan(200_001 + 1024);
        sync.ToArray()[^1024..].Should().OnlyContain(b => b == 0);
    }

    [Fact]
    public async Task WriteEntryAsync_with_a_cancelled_token_writes_nothing_and_leaves_the_writer_usable()
    {
        using var output = new MemoryStream();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var writer = new TarEntryWriter(output, leaveOpen: true);

        Task write = writer.WriteEntryAsync(Headers[1], new MemoryStream(Content(Headers[1].Size)), cancelled.Token);

        write.IsCanceled.Should().BeTrue();
        output.Length.Should().Be(0);
        await writer.FinishAsync(TestContext.Current.CancellationToken);
        output.Length.Should().Be(1024);
        await writer.DisposeAsync();
    }

    [Fact]
    public async Task WriteEntryAsync_checks_the_header_before_writing()
    {
        using var output = new MemoryStream();
        await using var writer = new TarEntryWriter(output, leaveOpen: true);

        Func<Task> noData = () => writer.WriteEntryAsync(Headers[1], null, TestContext.Current.CancellationToken);

        await noData.Should().ThrowAsync<ArgumentException>().WithMessage("*has size 200001 but no data stream*");
        output.Length.Should().Be(0);
    }

    private static byte[] Content(long size)
    {
        byte[] data = new byte[size];
        new Random(7).NextBytes(data);
        return data;
    }
}
