using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Compression;
using ImageFormat.Digests;
using ImageFormat.Layers;
using ImageFormat.Tar;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Layers;

public sealed class MergedTreeAndDiffTests
{
    private static LayerTar[] Layers() =>
    [
        new LayerTar().Dir("etc/").File("etc/a", "AAAA").File("etc/b", "BB").Dir("o/").File("o/lower", "LLL").Dir("gone/").File("gone/x", "XXXXX").File("big", "0123456789"),
        new LayerTar().Dir("etc/").File("etc/a", "A2").Whiteout("etc/.wh.b").Dir("o/").File("o/upper", "U").Whiteout("o/.wh..wh..opq").Whiteout(".wh.gone").HardLink("link", "big"),
    ];

    [Fact]
    public void Merged_tree_attributes_paths_to_layers_and_counts_waste()
    {
        MergedTree tree = MergedTree.FromStreams(Layers().Select(l => (Stream)l.ToStream()));
        tree.Enumerate().Select(e => $"{e.Path}:{e.LayerIndex}:{e.Size}").Should().Equal(
            "big:0:10", "etc:1:0", "etc/a:1:2", "link:1:10", "o:1:0", "o/upper:1:1");
        tree.Layers.Select(l => (l.Added, l.Changed, l.Deleted, l.WastedBytes, l.ContentBytes)).Should().Equal(
            (8L, 0L, 0L, 4L + 2 + 3 + 5, 24L), (2L, 3L, 4L, 0L, 3L));
        tree.WastedBytes.Should().Be(14);
        tree.Find("/etc/a")!.Header.Size.Should().Be(2);
        tree.Find("etc/b").Should().BeNull();
    }

    [Fact]
    public void Diff_of_an_untouched_extraction_is_empty_and_reports_docker_style_changes()
    {
        using var temp = new TempDirectory();
        string root = temp.Combine("root");
        foreach (LayerTar layer in Layers())
        {
            LayerExtractor.ApplyLayer(layer.ToStream(), root);
        }

        MergedTree tree = MergedTree.FromStreams(Layers().Select(l => (Stream)l.ToStream()));
        LayerDiff.Compute(tree, root).Should().BeEmpty();

        File.WriteAllText(Path.Combine(root, "etc/new"), "n");
        File.Delete(Path.Combine(root, "o/upper"));
        Directory.CreateDirectory(Path.Combine(root, "d1/d2"));
        File.WriteAllText(Path.Combine(root, "d1/d2/f"), "f");
        Native.Chmod(Path.Combine(root, "big"), 0x100);
        LayerDiff.Compute(tree, root).Select(c => c.ToString()).Should().Equal(
            "C /big", "A /d1", "A /d1/d2", "A /d1/d2/f", "C /etc", "A /etc/new", "C /link", "C /o", "D /o/upper");
    }

    [Fact]
    public void Content_comparison_catches_edits_that_keep_size_and_time()
    {
        using var temp = new TempDirectory();
        string baseDir = temp.Combine("base");
        string newDir = temp.Combine("new");
        Directory.CreateDirectory(baseDir);
        Directory.CreateDirectory(newDir);
        var time = new DateTime(2021, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.WriteAllText(Path.Combine(baseDir, "f"), "abc");
        File.WriteAllText(Path.Combine(newDir, "f"), "xyz");
        File.SetLastWriteTimeUtc(Path.Combine(baseDir, "f"), time);
        File.SetLastWriteTimeUtc(Path.Combine(newDir, "f"), time);
        LayerDiff.ComputeDirectories(baseDir, newDir).Should().BeEmpty();
        LayerDiff.ComputeDirectories(baseDir, newDir, new LayerDiffOptions { CompareContent = true }).Select(c => c.ToString()).Should().Equal("C /f");
    }

    [Fact]
    public void Content_comparison_against_an_image_reads_the_edited_file_of_the_directory_and_the_image()
    {
        using var temp = new TempDirectory();
        using ImageArchive archive = ImageArchive.OpenFile(AsyncImages.WriteArchive(temp.Path));
        string root = temp.Combine("root");
        LayerExtractor.ExtractImage(archive.Images[0], root);
        string edited = Path.Combine(root, "layer1/name.txt");
        DateTime time = File.GetLastWriteTimeUtc(edited);
        File.WriteAllText(edited, "LAYER 1\n");
        File.SetLastWriteTimeUtc(edited, time);
        MergedTree tree = MergedTree.Build(archive.Images[0]);

        LayerDiff.Compute(tree, root).Should().BeEmpty();
        LayerDiff.Compute(tree, root, new LayerDiffOptions { CompareContent = true }).Select(c => c.ToString())
            .Should().Equal("C /layer1", "C /layer1/name.txt");
    }

    [Fact]
    public void Built_layer_applied_on_the_base_reproduces_the_changed_tree_deterministically()
    {
        using var temp = new TempDirectory();
        string container = temp.Combine("container");
        string replay = temp.Combine("replay");
        foreach (string root in new[] { container, replay })
        {
            foreach (LayerTar layer in Layers())
            {
                LayerExtractor.ApplyLayer(layer.ToStream(), root);
            }
        }

        MergedTree tree = MergedTree.FromStreams(Layers().Select(l => (Stream)l.ToStream()));
        File.WriteAllText(Path.Combine(container, "etc/a"), "changed");
        File.Delete(Path.Combine(container, "etc/a"));
        File.WriteAllText(Path.Combine(container, "etc/a"), "changed");
        Directory.Delete(Path.Combine(container, "o"), recursive: true);
        File.CreateSymbolicLink(Path.Combine(container, "abs"), "/etc/a");
        Native.Link(Path.Combine(container, "etc/a"), Path.Combine(container, "h2"));
        IReadOnlyList<LayerChange> changes = LayerDiff.Compute(tree, container);
        changes.Select(c => c.ToString()).Should().Equal("A /abs", "C /etc", "C /etc/a", "A /h2", "D /o");

        var options = new LayerBuildOptions { SourceDateEpoch = DateTimeOffset.FromUnixTimeSeconds(1700000000) };
        using var first = new MemoryStream();
        LayerBuildResult result = LayerBuilder.Write(container, changes, first, options);
        using var second = new MemoryStream();
        LayerBuilder.Write(container, changes.Reverse(), second, options).Should().Be(result);
        second.ToArray().Should().Equal(first.ToArray());
        result.Digest.Should().Be(Digest.Compute(first.ToArray()));
        result.Size.Should().Be(first.Length);

        using Stream tar = Decompression.Open(new MemoryStream(first.ToArray()), CompressionFormat.Gzip, ImageFormatLimits.Default, leaveOpen: false);
        using var plain = new MemoryStream();
        tar.CopyTo(plain);
        result.DiffId.Should().Be(Digest.Compute(plain.ToArray()));
        plain.Position = 0;
        var names = new List<string>();
        using (var reader = new TarEntryReader(plain, leaveOpen: true))
        {
            while (reader.GetNextEntry() is { } e)
            {
                names.Add($"{(char)e.Type} {e.Name} {e.LinkName} {e.ModificationTime.ToUnixTimeSeconds()}");
            }
        }

        names.Should().Equal("2 abs /etc/a 1700000000", "5 etc/  1700000000", "0 etc/a  1700000000", "1 h2 etc/a 1700000000", "0 .wh.o  1700000000");

        plain.Position = 0;
        LayerExtractor.ApplyLayer(plain, replay);
        LayerDiff.ComputeDirectories(replay, container, new LayerDiffOptions { CompareContent = true })
            .Where(c => c.Path != "/etc" && c.Path != "/etc/a" && c.Path != "/h2" && c.Path != "/abs").Should().BeEmpty();
        File.ReadAllText(Path.Combine(replay, "etc/a")).Should().Be("changed");
        Directory.Exists(Path.Combine(replay, "o")).Should().BeFalse();
    }
}
