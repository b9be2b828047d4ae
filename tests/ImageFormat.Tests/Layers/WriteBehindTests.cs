using System.Security.Cryptography;
using FluentAssertions;
using ImageFormat.Containment;
using ImageFormat.Layers;
using ImageFormat.Tar;
using ImageFormat.Tests.TestSupport;
using Microsoft.Win32.SafeHandles;
using Xunit;

namespace ImageFormat.Tests.Layers;

/// <summary>The writer thread of extraction (<see cref="WriteBehind"/>) and what the applier keeps in entry order around it.</summary>
public sealed class WriteBehindTests
{
    private static readonly DateTimeOffset s_first = new(2001, 2, 3, 4, 5, 6, TimeSpan.Zero);
    private static readonly DateTimeOffset s_second = new(2011, 12, 13, 14, 15, 16, TimeSpan.Zero);

    [Fact]
    public void Queued_pieces_land_at_their_offsets_then_apply_runs_then_the_file_is_closed()
    {
        using var temp = new TempDirectory();
        string path = temp.Combine("f");
        SafeFileHandle file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write);
        long sizeSeenByApply = -1;
        using (var writer = new WriteBehind(4 << 20))
        {
            Queue(writer, file, "world", 6);
            Queue(writer, file, "hello ", 0);
            writer.Finish(0, file, fd => sizeSeenByApply = NativeAt.StatAt(fd, string.Empty)!.Value.Size);
            writer.Drain();
        }

        File.ReadAllText(path).Should().Be("hello world");
        sizeSeenByApply.Should().Be(11);
        file.IsClosed.Should().BeTrue();
    }

    [Fact]
    public void A_failed_write_is_rethrown_on_the_callers_thread_and_the_work_after_it_is_dropped_with_its_files_closed_by_dispose()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.Combine("read-only"), "unchanged");
        SafeFileHandle readOnly = File.OpenHandle(temp.Combine("read-only"), FileMode.Open, FileAccess.Read);
        SafeFileHandle next = File.OpenHandle(temp.Combine("next"), FileMode.CreateNew, FileAccess.Write);
        var writer = new WriteBehind(4 << 20);
        Action queueAndDrain = () =>
        {
            // The failure surfaces on the first call after it happens: Finish or Drain, whichever that is.
            Queue(writer, readOnly, "x", 0);
            writer.Finish(0, readOnly, _ => { });
            writer.Drain();
        };

        Exception failure = queueAndDrain.Should().Throw<UnauthorizedAccessException>().Which;
        Action queueMore = () => Queue(writer, next, "never", 0);
        queueMore.Should().Throw<Exception>().Which.Should().BeSameAs(failure);
        writer.Close(0, next);
        writer.Dispose();

        File.ReadAllText(temp.Combine("read-only")).Should().Be("unchanged");
        new FileInfo(temp.Combine("next")).Length.Should().Be(0);
        readOnly.IsClosed.Should().BeTrue();
        next.IsClosed.Should().BeTrue();
    }

    [Fact]
    public void Rent_waits_while_the_budget_is_queued_and_returns_once_the_writer_frees_it()
    {
        using var temp = new TempDirectory();
        SafeFileHandle file = File.OpenHandle(temp.Combine("f"), FileMode.CreateNew, FileAccess.Write);
        using var release = new ManualResetEventSlim();
        using var writer = new WriteBehind(WriteBehind.ChunkSize);
        writer.Finish(0, file, _ => release.Wait());
        byte[] first = writer.Rent();
        SafeFileHandle second = File.OpenHandle(temp.Combine("h"), FileMode.CreateNew, FileAccess.Write);
        writer.Write(0, second, first, 1, 0);

        byte[]? got = null;
        using var returned = new ManualResetEventSlim();
        var renter = new Thread(() =>
        {
            got = writer.Rent();
            returned.Set();
        });
        renter.Start();
        returned.Wait(TimeSpan.FromMilliseconds(300), TestContext.Current.CancellationToken).Should().BeFalse("the budget is full until the writer gets past the blocked file");
        release.Set();
        returned.Wait(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken).Should().BeTrue();
        renter.Join();
        writer.Return(got!);
        writer.Close(0, second);
        writer.Drain();
    }

    [Fact]
    public void A_file_on_another_lane_is_written_and_finished_while_the_first_lane_is_held()
    {
        using var temp = new TempDirectory();
        SafeFileHandle held = File.OpenHandle(temp.Combine("held"), FileMode.CreateNew, FileAccess.Write);
        SafeFileHandle other = File.OpenHandle(temp.Combine("other"), FileMode.CreateNew, FileAccess.Write);
        using var release = new ManualResetEventSlim();
        using var finished = new ManualResetEventSlim();
        using var writer = new WriteBehind(4 << 20, writers: 2);
        int first = writer.NextLane(), second = writer.NextLane();
        (first, second).Should().Be((0, 1));
        writer.Finish(first, held, _ => release.Wait());
        byte[] buffer = writer.Rent();
        "other"u8.CopyTo(buffer);
        writer.Write(second, other, buffer, 5, 0);
        writer.Finish(second, other, _ => finished.Set());

        finished.Wait(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken).Should().BeTrue("the second lane does not wait for the first");
        release.Set();
        writer.Drain();
        File.ReadAllText(temp.Combine("other")).Should().Be("other");
        (held.IsClosed, other.IsClosed).Should().Be((true, true));
    }

    [Fact]
    public void Hard_link_to_a_file_still_queued_ends_with_the_link_entrys_mode_and_time()
    {
        using var temp = new TempDirectory();
        string root = temp.Combine("root");
        // A large file first keeps the writer busy, so "a" is still queued when the link entry is read.
        byte[] large = new byte[12 << 20];
        var layer = new LayerTar()
            .Add(new TarEntryHeader { Name = "large", Size = large.Length, Mode = 0x1A4, ModificationTime = s_first }, large)
            .Add(new TarEntryHeader { Name = "a", Size = 3, Mode = 0x180, ModificationTime = s_first }, "abc"u8.ToArray())
            .Add(new TarEntryHeader { Name = "b", Type = TarEntryKind.HardLink, LinkName = "a", Mode = 0x1ED, ModificationTime = s_second }, null);
        using MemoryStream tar = layer.ToStream();
        LayerExtractor.ApplyLayer(tar, root);

        FileStatus a = Native.LStat(Path.Combine(root, "a"))!.Value;
        (a.Permissions, a.ModificationTime, a.Nlink).Should().Be((0x1ED, s_second, 2u));
        File.ReadAllText(Path.Combine(root, "b")).Should().Be("abc");
    }

    [Fact]
    public void A_layer_larger_than_the_write_budget_lands_byte_for_byte_with_every_files_mode_and_time()
    {
        using var temp = new TempDirectory();
        string root = temp.Combine("root");
        var layer = new LayerTar().Dir("d/");
        var expected = new Dictionary<string, (string Sha, int Mode, DateTimeOffset Time)>();
        var random = new Random(14);
        int[] sizes = [0, 1, 511, 512, 513, WriteBehind.ChunkSize - 1, WriteBehind.ChunkSize, WriteBehind.ChunkSize + 1, 3 * WriteBehind.ChunkSize + 7];
        for (int i = 0; i < 24; i++)
        {
            byte[] data = new byte[sizes[i % sizes.Length]];
            random.NextBytes(data);
            string name = $"d/f{i:D2}";
            int mode = 0x100 | (i & 0xFF);
            DateTimeOffset time = s_first.AddDays(i);
            layer.Add(new TarEntryHeader { Name = name, Size = data.Length, Mode = mode, ModificationTime = time }, data);
            expected[name] = (Convert.ToHexStringLower(SHA256.HashData(data)), mode, time);
        }

        using MemoryStream tar = layer.ToStream();
        LayerExtractor.ApplyLayer(tar, root);

        foreach ((string name, (string sha, int mode, DateTimeOffset time)) in expected)
        {
            string path = Path.Combine(root, name);
            Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))).Should().Be(sha, name);
            FileStatus status = Native.LStat(path)!.Value;
            (status.Permissions, status.ModificationTime).Should().Be((mode, time), name);
        }
    }

    [Fact]
    public void The_writer_thread_and_the_single_thread_path_leave_identical_trees_and_results()
    {
        var random = new Random(41);
        byte[] Bytes(int n)
        {
            byte[] b = new byte[n];
            random.NextBytes(b);
            return b;
        }

        var xattr = new Dictionary<string, byte[]> { ["user.k"] = [7, 0, 9] };
        LayerTar lower = new LayerTar().Dir("d/").File("d/keep", "keep").File("d/gone", "gone").Dir("o/").File("o/lower", "L")
            .Add(new TarEntryHeader { Name = "big", Size = 3 * WriteBehind.ChunkSize + 5, Mode = 0x1ED, Uid = 3, Gid = 4, ModificationTime = s_first }, Bytes(3 * WriteBehind.ChunkSize + 5));
        LayerTar upper = new LayerTar().Dir("d/").Whiteout("d/.wh.gone").Dir("o/").Whiteout("o/.wh..wh..opq").File("o/upper", "U")
            .Add(new TarEntryHeader { Name = "x", Size = 5, Mode = 0x124, Uid = 5, Gid = 6, ModificationTime = s_second, Xattrs = xattr }, Bytes(5))
            .HardLink("x-link", "x", 0x1A4)
            .File("dup", "first").Symlink("ln", "d/keep").File("dup", "second")
            .Add(new TarEntryHeader { Name = "empty", Size = 0, Mode = 0x180, ModificationTime = s_second }, null)
            .Add(new TarEntryHeader { Name = "big", Size = 2 * WriteBehind.ChunkSize, Mode = 0x1A4, ModificationTime = s_second }, Bytes(2 * WriteBehind.ChunkSize));

        using var temp = new TempDirectory();
        var snapshots = new List<string>();
        foreach (bool writeBehind in new[] { true, false })
        {
            string root = temp.Combine(writeBehind ? "threaded" : "single");
            var options = new LayerExtractOptions { WriteBehind = writeBehind, ApplyOwnership = false };
            var results = new List<string>();
            foreach (LayerTar layer in new[] { lower, upper })
            {
                using MemoryStream tar = layer.ToStream();
                LayerExtractResult result = LayerExtractor.ApplyLayer(tar, root, null, options);
                results.Add($"{result.EntriesApplied} [{string.Join(", ", result.OwnershipNotApplied)}] [{string.Join(", ", result.XattrsNotApplied)}]");
            }

            snapshots.Add(Snapshot(root));
            snapshots.Add(string.Join("\n", results));
        }

        snapshots[0].Should().Be(snapshots[2]);
        snapshots[1].Should().Be(snapshots[3]);
        // The hard link entry came last: its mode and time are the shared inode's.
        snapshots[0].Should().Contain("\nx 644 5 2 2024-01-02T03:04:05").And.NotContain("gone").And.NotContain("o/lower");
    }

    // Every entry under root, sorted: path, type, permissions, size, nlink, mtime, content hash or link target, xattrs.
    private static string Snapshot(string root)
    {
        var lines = new List<string>();
        foreach (string path in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            FileStatus status = Native.LStat(path)!.Value;
            string content = status.IsSymlink ? Native.ReadLink(path)! : status.IsDirectory ? "-" : Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
            string xattrs = string.Join(",", Native.LGetXattrs(path).OrderBy(x => x.Key, StringComparer.Ordinal).Select(x => x.Key + "=" + Convert.ToHexString(x.Value)));
            lines.Add($"{Path.GetRelativePath(root, path)} {Convert.ToString(status.Permissions, 8)} {status.Size} {status.Nlink} {status.ModificationTime:O} {content} {xattrs}");
        }

        return string.Join("\n", lines) + "\n";
    }

    private static void Queue(WriteBehind writer, SafeFileHandle file, string text, long offset)
    {
        byte[] bytes = System.Text.Encoding.ASCII.GetBytes(text);
        byte[] buffer = writer.Rent();
        bytes.CopyTo(buffer, 0);
        writer.Write(0, file, buffer, bytes.Length, offset);
    }
}
