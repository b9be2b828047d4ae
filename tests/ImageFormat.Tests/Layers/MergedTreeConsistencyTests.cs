using FluentAssertions;
using ImageFormat.Layers;
using ImageFormat.Tar;
using ImageFormat.Tests.Archives;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Layers;

/// <summary>
/// The merged view must show what extraction writes, even when a layer writes through symbolic links planted
/// earlier: otherwise `archive files` or `archive cat` (or a scanner built on them) would be shown a different
/// tree from the one a container gets.
/// </summary>
public class MergedTreeConsistencyTests
{
    private static byte[][] HostileLayers()
    {
        using var lower = new TarBuilder();
        lower.Directory("etc/").File("etc/passwd", "root\n").Symlink("evil", "/etc").Symlink("up", "../../..").Symlink("rel", "etc");
        using var upper = new TarBuilder();
        upper.File("evil/shadow", "s\n").File("up/escaped", "e\n").File("evil/passwd", "new\n").File("rel/group", "g\n").File("up/etc/hosts", "h\n");
        return [lower.Build(), upper.Build()];
    }

    [Fact]
    public void Entries_written_through_planted_symlinks_appear_where_extraction_puts_them()
    {
        byte[][] layers = HostileLayers();
        using var temp = new TempDirectory();
        string root = temp.Combine("root");
        Directory.CreateDirectory(root);
        foreach (byte[] layer in layers)
        {
            LayerExtractor.ApplyLayer(new MemoryStream(layer), root, options: new LayerExtractOptions { ApplyOwnership = false });
        }

        MergedTree tree = MergedTree.FromStreams(layers.Select(l => (Stream)new MemoryStream(l)));

        string[] onDisk = Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint })
            .Where(f => new FileInfo(f).LinkTarget is null)
            .Select(f => Path.GetRelativePath(root, f))
            .Order(StringComparer.Ordinal)
            .ToArray();
        string[] inTree = tree.Enumerate().Where(e => e.Type == TarEntryKind.RegularFile).Select(e => e.Path.TrimStart('/')).Order(StringComparer.Ordinal).ToArray();
        onDisk.Should().Equal("escaped", "etc/group", "etc/hosts", "etc/passwd", "etc/shadow");
        inTree.Should().Equal(onDisk);
    }

    [Fact]
    public void A_file_overwritten_through_a_symlink_has_the_upper_content_in_the_tree()
    {
        MergedTree tree = MergedTree.FromStreams(HostileLayers().Select(l => (Stream)new MemoryStream(l)));

        MergedEntry passwd = tree.Find("etc/passwd")!;
        passwd.LayerIndex.Should().Be(1);
        passwd.Size.Should().Be(4);
        tree.Resolve("evil/shadow")!.Path.TrimStart('/').Should().Be("etc/shadow");
        tree.Find("evil/shadow").Should().BeNull("the entry lives where the link leads, not under the link's name");
    }
}
