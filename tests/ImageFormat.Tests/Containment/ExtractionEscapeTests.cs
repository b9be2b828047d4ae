using FluentAssertions;
using ImageFormat.Errors;
using ImageFormat.Layers;
using ImageFormat.Tests.Layers;
using Xunit;

namespace ImageFormat.Tests.Containment;

/// <summary>
/// The escape through a symbolic link whose target climbs out of a missing directory (<c>x -&gt; missing/../y</c>,
/// with <c>y</c> a link to a host directory): a resolver that stops checking below a missing component takes
/// <c>y</c> as a plain directory, and whiteouts, opaque whiteouts and hard links then act on the host. Each case
/// runs beside a canary directory compared byte for byte, mode, owner, link count and times afterwards.
/// </summary>
public sealed class ExtractionEscapeTests
{
    private static readonly LayerExtractOptions s_noChown = new() { ApplyOwnership = false };

    private static LayerTar Links(ContainmentScene scene) =>
        new LayerTar().Symlink("y", scene.Canary).Symlink("x", "missing/../y");

    [Fact]
    public void Whiteout_through_a_link_climbing_out_of_a_missing_directory_deletes_nothing_outside()
    {
        using var scene = new ContainmentScene();
        scene.Apply(s_noChown, Links(scene).Whiteout("x/.wh.secret").Whiteout("x/.wh.sub"));
        scene.AssertCanaryIntact();
        Native.ReadLink(Path.Combine(scene.Root, "x")).Should().Be("missing/../y");
        Directory.Exists(Path.Combine(scene.Root, "missing")).Should().BeFalse();
    }

    [Fact]
    public void Opaque_whiteout_through_a_link_climbing_out_of_a_missing_directory_empties_nothing_outside()
    {
        using var scene = new ContainmentScene();
        scene.Apply(s_noChown, Links(scene).Whiteout("x/sub/.wh..wh..opq").Whiteout("x/.wh..wh..opq"));
        scene.AssertCanaryIntact();
    }

    [Fact]
    public void Hard_link_through_a_link_climbing_out_of_a_missing_directory_is_refused()
    {
        using var scene = new ContainmentScene();
        Action act = () => scene.Apply(s_noChown, Links(scene).HardLink("h", "x/secret", mode: 0xDFF));
        InvalidLayerException ex = act.Should().Throw<InvalidLayerException>().Which;
        (ex.Code, ex.Reason).Should().Be((ErrorCodes.InvalidLayer, "hard link target \"x/secret\" does not exist"));
        scene.AssertCanaryIntact();
        File.Exists(Path.Combine(scene.Root, "h")).Should().BeFalse();
    }

    [Fact]
    public void Hard_link_through_the_escape_lands_on_the_file_inside_the_root()
    {
        using var scene = new ContainmentScene();

        // Inside the root, y leads to root/<canary path>; a file there is what the hard link must reach.
        string inside = scene.Canary.TrimStart('/') + "/secret";
        scene.Apply(s_noChown, Links(scene).File(inside, "inside").HardLink("h", "x/secret", mode: 0xDFF));
        scene.AssertCanaryIntact();
        File.ReadAllText(Path.Combine(scene.Root, "h")).Should().Be("inside");
        (Native.LStat(Path.Combine(scene.Root, "h"))!.Value.Permissions, Native.LStat(Path.Combine(scene.Root, "h"))!.Value.Nlink).Should().Be((0xDFF, 2u));
    }

    [Fact]
    public void The_escape_spread_over_three_layers_touches_nothing_outside()
    {
        using var scene = new ContainmentScene();
        LayerExtractResult result = scene.Apply(
            new LayerExtractOptions { ApplyOwnership = false, SkipInvalidEntries = true },
            new LayerTar().Symlink("y", scene.Canary),
            new LayerTar().Symlink("x", "missing/../y"),
            new LayerTar().Whiteout("x/.wh.secret").Whiteout("x/sub/.wh..wh..opq").HardLink("h", "x/sub/f", mode: 0xDFF).File("x/sub/new", "pwned"));
        scene.AssertCanaryIntact();
        result.Skipped.Select(e => e.Message).Should().Equal("layer L2: h: hard link target \"x/sub/f\" does not exist");
        File.ReadAllText(Path.Combine(scene.Root, scene.Canary.TrimStart('/'), "sub/new")).Should().Be("pwned");
    }

    [Fact]
    public void The_escape_through_a_hard_link_of_the_link_touches_nothing_outside()
    {
        using var scene = new ContainmentScene();
        scene.Apply(
            s_noChown,
            Links(scene),
            new LayerTar().HardLink("hx", "x"),
            new LayerTar().Whiteout("hx/.wh.secret").Whiteout("hx/sub/.wh..wh..opq"));
        scene.AssertCanaryIntact();
        Native.ReadLink(Path.Combine(scene.Root, "hx")).Should().Be("missing/../y");
    }

    [Fact]
    public void The_escape_from_inside_an_opaque_directory_touches_nothing_outside()
    {
        using var scene = new ContainmentScene();
        scene.Apply(
            s_noChown,
            new LayerTar().Symlink("y", scene.Canary).Dir("o/").File("o/old", "lower"),
            new LayerTar().Dir("o/").Whiteout("o/.wh..wh..opq").Symlink("o/l", "missing/../../y").Whiteout("o/l/.wh.secret").Whiteout("o/l/sub/.wh..wh..opq"));
        scene.AssertCanaryIntact();
        Directory.EnumerateFileSystemEntries(Path.Combine(scene.Root, "o")).Select(Path.GetFileName).Should().Equal("l");
    }

    [Fact]
    public void Directory_times_are_not_set_through_a_parent_replaced_by_a_symlink()
    {
        using var scene = new ContainmentScene();
        scene.Apply(s_noChown, new LayerTar().Dir("p/").Dir("p/sub/").Dir("p/sub/deeper/").Symlink("p", scene.Canary));
        scene.AssertCanaryIntact();
        Native.ReadLink(Path.Combine(scene.Root, "p")).Should().Be(scene.Canary);
    }

    [Fact]
    public void Directory_times_still_land_on_the_directories_written()
    {
        using var scene = new ContainmentScene();
        scene.Apply(s_noChown, new LayerTar().Dir("p/").Dir("p/sub/").File("p/sub/f", "x"));
        scene.AssertCanaryIntact();
        var expected = new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        Directory.GetLastWriteTimeUtc(Path.Combine(scene.Root, "p")).Should().Be(expected);
        Directory.GetLastWriteTimeUtc(Path.Combine(scene.Root, "p/sub")).Should().Be(expected);
    }

    [Fact]
    public void A_thousand_level_tree_with_200_files_extracts_with_lookups_linear_in_its_size()
    {
        using var scene = new ContainmentScene();
        var layer = new LayerTar();
        string path = string.Empty;
        int entries = 0;
        for (int level = 1; level <= 1000; level++)
        {
            path += "d/";
            layer.Dir(path);
            entries++;
            if (level % 5 == 0)
            {
                layer.File(path + "f", $"file at {level}");
                entries++;
            }
        }

        LayerExtractResult result = scene.Apply(s_noChown, layer);
        scene.AssertCanaryIntact();
        entries.Should().Be(1200);
        string deepest = Path.Combine(scene.Root, string.Concat(Enumerable.Repeat("d/", 1000)));
        File.ReadAllText(deepest + "f").Should().Be("file at 1000");
        File.ReadAllText(Path.Combine(scene.Root, string.Concat(Enumerable.Repeat("d/", 5)), "f")).Should().Be("file at 5");
        Directory.EnumerateFileSystemEntries(deepest).Should().Equal(deepest + "f");

        // A few lookups per entry (the new parent and the final name while applying, the final name again when
        // setting directory times); a resolver walking from the root for each entry would make over 600,000.
        result.ComponentLookups.Should().BeInRange(entries, 4 * entries);
    }
}
