using System.Globalization;
using FluentAssertions;
using ImageFormat.Layers;
using ImageFormat.Tar;
using ImageFormat.Tests.Hostile;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Layers;

public class SparseFileCopyTests
{
    private static long AllocatedBytes(string path)
    {
        ProcessResult stat = ProcessRunner.Run("stat", ["-c", "%b %B", path]);
        string[] parts = stat.StdOut.Trim().Split(' ');
        return long.Parse(parts[0], CultureInfo.InvariantCulture) * long.Parse(parts[1], CultureInfo.InvariantCulture);
    }

    // The file of HostileImages.SparseBombLayer(100 MiB): 'A' at offset 0, then holes that take no disk space.
    private static void ShouldHoldOneDataByteThenHoles(string path)
    {
        new FileInfo(path).Length.Should().Be(100L << 20);
        AllocatedBytes(path).Should().BeLessThan(1 << 20, "the holes take no disk space");
        using FileStream back = File.OpenRead(path);
        back.ReadByte().Should().Be('A');
        back.Position = (100L << 20) - 1;
        back.ReadByte().Should().Be(0);
    }

    [Fact]
    public void Sparse_entry_is_written_with_its_holes_left_as_holes_and_reads_back_exactly()
    {
        // 100 MiB real size (within the default expansion allowance), one data byte 'A' at offset 0 (map "0,1").
        byte[] layer = HostileImages.SparseBombLayer(100L << 20);
        using var reader = new TarEntryReader(new MemoryStream(layer));
        TarEntryHeader entry = reader.GetNextEntry()!;
        using var dir = new TempDirectory();
        string path = dir.Combine("lastlog");

        using (var file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write))
        {
            SparseFileCopy.Copy(reader, entry, file);
        }

        ShouldHoldOneDataByteThenHoles(path);
    }

    [Fact]
    public void Regular_entry_is_copied_byte_for_byte()
    {
        byte[] layer = new LayerTar().File("f", "hello").ToBytes();
        using var reader = new TarEntryReader(new MemoryStream(layer));
        TarEntryHeader entry = reader.GetNextEntry()!;
        using var dir = new TempDirectory();
        string path = dir.Combine("f");

        using (var file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write))
        {
            SparseFileCopy.Copy(reader, entry, file);
        }

        File.ReadAllText(path).Should().Be("hello");
    }

    [Fact]
    public void Extracting_a_sparse_entry_into_a_root_leaves_its_holes_as_holes()
    {
        byte[] layer = HostileImages.SparseBombLayer(100L << 20);
        using var root = new TempDirectory();

        LayerExtractor.ApplyLayer(new MemoryStream(layer), root.Path);

        string path = root.Combine("lastlog");
        ShouldHoldOneDataByteThenHoles(path);
    }
}
