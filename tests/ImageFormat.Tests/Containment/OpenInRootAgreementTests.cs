using FluentAssertions;
using ImageFormat.Containment;
using ImageFormat.Layers;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Containment;

/// <summary>
/// Where the kernel has <c>openat2</c>, extraction uses it as a fast path next to the descriptor walk of the
/// resolver. Both must reach the same object (or both refuse) for every path that exists entirely, under both
/// policies; the one documented difference is a path through a missing directory, which only the walk accepts.
/// </summary>
public sealed class OpenInRootAgreementTests
{
    private static readonly string[] s_paths =
    [
        "a/b/f", "l1/f", "l2/f", "l3/g", "l4/c/g", "a/up/c/g", "a/b/abs", "c/rel", "l1/../b/f", "a/up/up/up/c",
        "loopx", "l1", "a/b/f/x", "nothing", "c/../a/./b//f", "dangling",
    ];

    private static TempDirectory Tree()
    {
        var temp = new TempDirectory();
        string r = temp.Path;
        Directory.CreateDirectory(Path.Combine(r, "a", "b"));
        Directory.CreateDirectory(Path.Combine(r, "c"));
        File.WriteAllText(Path.Combine(r, "a", "b", "f"), "f");
        File.WriteAllText(Path.Combine(r, "c", "g"), "g");
        File.CreateSymbolicLink(Path.Combine(r, "l1"), "a/b");
        File.CreateSymbolicLink(Path.Combine(r, "l2"), "/a/b");
        File.CreateSymbolicLink(Path.Combine(r, "l3"), "../../c");
        File.CreateSymbolicLink(Path.Combine(r, "l4"), "l1/../..");
        File.CreateSymbolicLink(Path.Combine(r, "a", "up"), "..");
        File.CreateSymbolicLink(Path.Combine(r, "a", "b", "abs"), "/c/g");
        File.CreateSymbolicLink(Path.Combine(r, "c", "rel"), "../a/b/f");
        File.CreateSymbolicLink(Path.Combine(r, "loopx"), "loopy");
        File.CreateSymbolicLink(Path.Combine(r, "loopy"), "loopx");
        File.CreateSymbolicLink(Path.Combine(r, "dangling"), "missing/../c/g");
        return temp;
    }

    // The inode the walk reaches, or null when it refuses or the path does not exist entirely.
    private static ulong? Walk(DiskNode root, string path, RootPolicy policy)
    {
        using PathResolver<DiskNode, DiskAdapter> resolver = DiskTree.Resolver(root, policy, 40);
        if (resolver.Resolve(path.Split('/'), followFinal: true) != ResolveStatus.Ok)
        {
            return null;
        }

        if (resolver.Frames.Any(f => f.Kind == NodeKind.Missing))
        {
            return null;
        }

        Frame<DiskNode> final = resolver.Frames[^1];
        return resolver.Frames.Count == 1 ? root.Status.Inode : final.Node.Status.Inode;
    }

    private static ulong? Kernel(DiskNode root, string path, RootPolicy policy)
    {
        int fd = DiskTree.OpenInRoot(root, path, NativeAt.O_PATH, policy);
        if (fd < 0)
        {
            return null;
        }

        try
        {
            return NativeAt.StatAt(fd, string.Empty)!.Value.Inode;
        }
        finally
        {
            NativeAt.Close(fd);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_kernel_and_the_walk_reach_the_same_object_or_both_refuse(bool clamp)
    {
        if (!NativeAt.HasOpenat2)
        {
            Assert.Skip("the kernel has no openat2; extraction uses the walk alone");
        }

        RootPolicy policy = clamp ? RootPolicy.Clamp : RootPolicy.Refuse;
        using TempDirectory temp = Tree();
        DiskNode root = DiskTree.OpenRoot(temp.Path);
        try
        {
            var walk = s_paths.Where(p => p != "dangling").Select(p => (p, Walk(root, p, policy))).ToList();
            var kernel = s_paths.Where(p => p != "dangling").Select(p => (p, Kernel(root, p, policy))).ToList();
            kernel.Should().Equal(walk);
            walk.Count(w => w.Item2 is not null).Should().Be(clamp ? 11 : 8, "the tree must exercise both outcomes");

            // The one difference: a link through a missing directory; the walk reaches c/g, the kernel refuses.
            Walk(root, "dangling", policy).Should().Be(Native.LStat(Path.Combine(temp.Path, "c", "g"))!.Value.Inode);
            Kernel(root, "dangling", policy).Should().BeNull();
        }
        finally
        {
            NativeAt.Close(root.Fd);
        }
    }
}
