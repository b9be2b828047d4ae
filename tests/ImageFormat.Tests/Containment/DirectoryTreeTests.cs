using FluentAssertions;
using ImageFormat.Containment;
using ImageFormat.Errors;
using ImageFormat.Layers;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Containment;

public sealed class DirectoryTreeTests
{
    private static string Describe(TreeEntry entry) => entry.Status.Type switch
    {
        Native.S_IFDIR => $"d {entry.Path}",
        Native.S_IFLNK => $"l {entry.Path} -> {entry.ReadLink()}",
        Native.S_IFREG => $"f {entry.Path}",
        _ => $"? {entry.Path}",
    };

    [Fact]
    public void Walk_reports_links_to_directories_inside_and_outside_as_links_and_never_enters_them()
    {
        using var temp = new TempDirectory();
        var canary = new Canary(temp.Combine("canary"));
        string root = temp.Combine("root");
        Directory.CreateDirectory(Path.Combine(root, "var"));
        Directory.CreateDirectory(Path.Combine(root, "sub"));
        File.WriteAllText(Path.Combine(root, "sub", "f"), "f");
        File.CreateSymbolicLink(Path.Combine(root, "var", "run"), canary.Path);
        File.CreateSymbolicLink(Path.Combine(root, "a"), ".");
        File.CreateSymbolicLink(Path.Combine(root, "sub", "up"), "..");
        File.CreateSymbolicLink(Path.Combine(root, "sub", "escape"), "../..");

        using DirectoryTree tree = DirectoryTree.Open(root);
        tree.Walk().Select(Describe).Should().Equal(
            "l a -> .", "d sub", "l sub/escape -> ../..", "f sub/f", "l sub/up -> ..", "d var", $"l var/run -> {canary.Path}");
        canary.ShouldBeUntouched();
    }

    [Fact]
    public void Walk_yields_entries_in_the_ordinal_order_of_their_full_paths()
    {
        using var temp = new TempDirectory();
        string root = temp.Combine("root");
        Directory.CreateDirectory(Path.Combine(root, "a", "z"));
        File.WriteAllText(Path.Combine(root, "a.b"), "");
        File.WriteAllText(Path.Combine(root, "a0"), "");
        File.WriteAllText(Path.Combine(root, "a", "c"), "");
        File.WriteAllText(Path.Combine(root, "a-"), "");

        using DirectoryTree tree = DirectoryTree.Open(root);
        List<string> paths = [.. tree.Walk().Select(e => e.Path)];
        paths.Should().Equal("a", "a-", "a.b", "a/c", "a/z", "a0");
        paths.Should().Equal(paths.Order(StringComparer.Ordinal));
        tree.Walk().Select(e => e.Path).Should().Equal(paths, "a second walk of the same tree reads every directory from its start");
    }

    [Fact]
    public void Walk_reads_a_tree_exactly_as_deep_as_its_limit_and_refuses_one_level_deeper()
    {
        using var temp = new TempDirectory();
        string root = temp.Combine("root");
        Directory.CreateDirectory(Path.Combine(root, "1", "2", "3"));
        Directory.CreateDirectory(temp.Combine("empty-base"));

        var limits = new ImageFormatLimits { MaxWalkDepth = 3 };

        using (DirectoryTree tree = DirectoryTree.Open(root, limits.MaxWalkDepth))
        {
            tree.Walk().Select(e => e.Path).Should().Equal("1", "1/2", "1/2/3");
        }

        LayerDiff.ComputeDirectories(temp.Combine("empty-base"), root, new LayerDiffOptions { Limits = limits })
            .Select(c => c.ToString()).Should().Equal("A /1", "A /1/2", "A /1/2/3");

        File.WriteAllText(Path.Combine(root, "1", "2", "3", "4"), "");
        temp.Invoking(_ => LayerDiff.ComputeDirectories(temp.Combine("empty-base"), root, new LayerDiffOptions { Limits = limits }))
            .Should().Throw<LimitExceededException>().Which.Limit.Should().Be(nameof(ImageFormatLimits.MaxWalkDepth));
        using (DirectoryTree tree = DirectoryTree.Open(root, limits.MaxWalkDepth))
        {
            LimitExceededException e = tree.Invoking(t => t.Walk().ToList()).Should().Throw<LimitExceededException>().Which;
            e.Limit.Should().Be("MaxWalkDepth");
            e.Maximum.Should().Be(3);
            e.Found.Should().Be(4);
            e.Subject.Should().Be(Path.Combine(root, "1", "2", "3"));
        }
    }

    [Fact]
    public void Find_never_passes_through_a_symbolic_link()
    {
        using var temp = new TempDirectory();
        var canary = new Canary(temp.Combine("canary"));
        string root = temp.Combine("root");
        Directory.CreateDirectory(Path.Combine(root, "var"));
        File.CreateSymbolicLink(Path.Combine(root, "var", "run"), canary.Path);

        using DirectoryTree tree = DirectoryTree.Open(root);
        tree.Find("var/run/secret").Should().BeNull();
        tree.Find("var/run/sub/file").Should().BeNull();
        TreeEntry link = tree.Find("var/run")!;
        link.Status.IsSymlink.Should().BeTrue();
        link.ReadLink().Should().Be(canary.Path);
        tree.Invoking(t => t.Find("var/../..")).Should().Throw<ArgumentException>();
        canary.ShouldBeUntouched();
    }

    [Fact]
    public void A_file_replaced_by_a_link_or_a_fifo_after_it_was_listed_is_refused_when_opened_without_blocking()
    {
        using var temp = new TempDirectory();
        var canary = new Canary(temp.Combine("canary"));
        string root = temp.Combine("root");
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "f"), "inside");
        File.WriteAllText(Path.Combine(root, "g"), "inside");

        using DirectoryTree tree = DirectoryTree.Open(root);
        TreeEntry entry = tree.Find("f")!;
        File.Delete(Path.Combine(root, "f"));
        File.CreateSymbolicLink(Path.Combine(root, "f"), Path.Combine(canary.Path, "secret"));
        entry.Invoking(e => e.OpenRead()).Should().Throw<ImageFormatException>().Which.Code.Should().Be(ErrorCodes.TreeChanged);

        TreeEntry other = tree.Find("g")!;
        File.Delete(Path.Combine(root, "g"));
        Native.MkNod(Path.Combine(root, "g"), Native.S_IFIFO, 0x1A4, 0, 0).Should().Be(0);
        other.Invoking(e => e.OpenRead()).Should().Throw<ImageFormatException>().Which.Code.Should().Be(ErrorCodes.TreeChanged);
        canary.ShouldBeUntouched();
    }

    [Fact]
    public void Removing_a_subtree_unlinks_links_and_leaves_what_they_point_at_intact()
    {
        using var temp = new TempDirectory();
        var canary = new Canary(temp.Combine("canary"));
        string parent = temp.Combine("containers");
        string root = Path.Combine(parent, "c1", "rootfs");
        Directory.CreateDirectory(Path.Combine(root, "var"));
        Directory.CreateDirectory(Path.Combine(root, "ro", "inner"));
        File.WriteAllText(Path.Combine(root, "ro", "inner", "f"), "f");
        File.CreateSymbolicLink(Path.Combine(root, "var", "run"), canary.Path);
        File.CreateSymbolicLink(Path.Combine(root, "secret"), Path.Combine(canary.Path, "secret"));
        File.CreateSymbolicLink(Path.Combine(root, "a"), ".");
        File.CreateSymbolicLink(Path.Combine(root, "up"), "..");
        Native.Link(Path.Combine(canary.Path, "linked"), Path.Combine(root, "linked"));
        Native.Chmod(Path.Combine(root, "ro", "inner"), 0x16D);
        Native.Chmod(Path.Combine(root, "ro"), 0x16D);
        Directory.CreateDirectory(Path.Combine(parent, "keep"));

        TreeRemoval.RemoveSubtree(parent, "c1");

        Directory.EnumerateFileSystemEntries(parent).Select(Path.GetFileName).Should().Equal("keep");
        canary.ShouldBeUntouched();
        TreeRemoval.RemoveSubtree(parent, "c1");
        temp.Invoking(_ => TreeRemoval.RemoveSubtree(parent, "..")).Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Removing_a_symbolic_link_named_as_the_subtree_removes_only_the_link()
    {
        using var temp = new TempDirectory();
        var canary = new Canary(temp.Combine("canary"));
        string parent = temp.Combine("containers");
        Directory.CreateDirectory(parent);
        File.CreateSymbolicLink(Path.Combine(parent, "c1"), canary.Path);

        TreeRemoval.RemoveSubtree(parent, "c1");

        Directory.EnumerateFileSystemEntries(parent).Should().BeEmpty();
        canary.ShouldBeUntouched();
    }

    [Fact]
    public void Removal_empties_a_tree_exactly_as_deep_as_its_limit_and_refuses_one_level_deeper()
    {
        using var temp = new TempDirectory();
        string parent = temp.Combine("containers");
        Directory.CreateDirectory(Path.Combine(parent, "c1", "2", "3"));
        Directory.CreateDirectory(Path.Combine(parent, "c2", "2", "3", "4"));
        File.WriteAllText(Path.Combine(parent, "c2", "2", "3", "4", "f"), "f");

        TreeRemoval.RemoveSubtree(parent, "c1", maxDepth: 3);

        LimitExceededException e = temp.Invoking(_ => TreeRemoval.RemoveSubtree(parent, "c2", maxDepth: 3)).Should().Throw<LimitExceededException>().Which;
        e.Limit.Should().Be(nameof(ImageFormatLimits.MaxWalkDepth));
        e.Maximum.Should().Be(3);
        e.Found.Should().Be(4);
        e.Subject.Should().Be(Path.Combine(parent, "c2", "2", "3", "4"));
        Directory.EnumerateFileSystemEntries(parent).Select(Path.GetFileName).Should().Equal("c2");
        File.ReadAllText(Path.Combine(parent, "c2", "2", "3", "4", "f")).Should().Be("f", "nothing below the limit was touched");
    }
}
