using FluentAssertions;
using ImageFormat.Containment;
using ImageFormat.Layers;
using Xunit;

namespace ImageFormat.Tests.Containment;

/// <summary>Removing a subtree of a root: through descriptors, never following a link, parents resolved inside.</summary>
public sealed class DiskTreeTests
{
    [Fact]
    public void Remove_subtree_deletes_links_and_unsearchable_directories_without_following_them()
    {
        using var scene = new ContainmentScene();
        string victim = Path.Combine(scene.Root, "victim");
        Directory.CreateDirectory(Path.Combine(victim, "locked", "deeper"));
        File.WriteAllText(Path.Combine(victim, "locked", "deeper", "file"), "x");
        File.CreateSymbolicLink(Path.Combine(victim, "to-canary"), scene.Canary);
        File.CreateSymbolicLink(Path.Combine(victim, "to-secret"), Path.Combine(scene.Canary, "secret"));
        File.CreateSymbolicLink(Path.Combine(victim, "loop"), ".");
        Native.Chmod(Path.Combine(victim, "locked", "deeper"), 0);
        Native.Chmod(Path.Combine(victim, "locked"), 0);

        DiskTree.RemoveSubtree(scene.Root, "victim");

        Directory.EnumerateFileSystemEntries(scene.Root).Should().BeEmpty();
        scene.AssertCanaryIntact();
    }

    [Fact]
    public void Remove_subtree_resolves_parents_inside_the_root_and_never_removes_the_link_target_outside()
    {
        using var scene = new ContainmentScene();
        File.CreateSymbolicLink(Path.Combine(scene.Root, "y"), scene.Canary);
        File.CreateSymbolicLink(Path.Combine(scene.Root, "x"), "missing/../y");
        string inside = Path.Combine(scene.Root, scene.Canary.TrimStart('/'));
        Directory.CreateDirectory(Path.Combine(inside, "sub"));
        File.WriteAllText(Path.Combine(inside, "sub", "f"), "inside");

        DiskTree.RemoveSubtree(scene.Root, "x/sub");
        DiskTree.RemoveSubtree(scene.Root, "y/secret");
        DiskTree.RemoveSubtree(scene.Root, "x");

        Directory.Exists(Path.Combine(inside, "sub")).Should().BeFalse();
        File.Exists(Path.Combine(scene.Root, "x")).Should().BeFalse();
        Native.ReadLink(Path.Combine(scene.Root, "y")).Should().Be(scene.Canary);
        scene.AssertCanaryIntact();
    }

    [Fact]
    public void Remove_subtree_refuses_the_root_itself()
    {
        using var scene = new ContainmentScene();
        Action act = () => DiskTree.RemoveSubtree(scene.Root, "a/..");
        act.Should().Throw<ArgumentException>();
        scene.AssertCanaryIntact();
    }
}
