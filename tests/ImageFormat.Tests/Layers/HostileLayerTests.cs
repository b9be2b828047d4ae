using FluentAssertions;
using ImageFormat.Containment;
using ImageFormat.Errors;
using ImageFormat.Layers;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Layers;

/// <summary>
/// Hostile layers: each case is applied onto <c>root/</c> beside a canary directory <c>canary/</c> holding one
/// file; afterwards the canary must hold exactly that file, unchanged, and nothing else may exist beside the root.
/// Cases follow the classes of bug published against layer extractors: tar-slip names (<c>../</c>, absolute),
/// symlink breakout through a link planted in the same or a lower layer (moby CVE-2014-6407 and CVE-2014-9356),
/// chmod/write through a link to outside (containerd CVE-2021-32760), whiteouts and links that reach outside or
/// replace the root (umoci CVE-2021-29136), hard links to outside or to directories, and link loops.
/// </summary>
public sealed class HostileLayerTests
{
    private sealed class Scene : IDisposable
    {
        private readonly TempDirectory _temp = new();

        public Scene()
        {
            Root = _temp.Combine("root");
            Canary = _temp.Combine("canary");
            Directory.CreateDirectory(Root);
            Directory.CreateDirectory(Canary);
            File.WriteAllText(Path.Combine(Canary, "secret"), "canary");
        }

        public string Root { get; }

        public string Canary { get; }

        public void AssertCanaryIntact()
        {
            Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(Root)!).Select(Path.GetFileName).Order(StringComparer.Ordinal).Should().Equal("canary", "root");
            Directory.EnumerateFileSystemEntries(Canary).Select(Path.GetFileName).Should().Equal("secret");
            File.ReadAllText(Path.Combine(Canary, "secret")).Should().Be("canary");
            FileStatus status = Native.LStat(Path.Combine(Canary, "secret"))!.Value;
            (status.Uid, status.Nlink).Should().Be((0u, 1u));
            Native.LStat(Root)!.Value.IsDirectory.Should().BeTrue();
        }

        public InvalidLayerException Refused(params LayerTar[] layers)
        {
            Action act = () => ApplyAll(layers);
            InvalidLayerException ex = act.Should().Throw<InvalidLayerException>().Which;
            AssertCanaryIntact();
            return ex;
        }

        public void ApplyAll(params LayerTar[] layers)
        {
            for (int i = 0; i < layers.Length; i++)
            {
                using MemoryStream tar = layers[i].ToStream();
                LayerExtractor.ApplyLayer(tar, Root, $"L{i}");
            }
        }

        public void Dispose() => _temp.Dispose();
    }

    [Theory]
    [InlineData("../canary/secret", "the path climbs out of the root")]
    [InlineData("a/../../canary/secret", "the path climbs out of the root")]
    [InlineData("/canary/secret", "absolute path names are refused")]
    [InlineData("./../canary/new", "the path climbs out of the root")]
    public void Traversing_names_are_refused(string name, string reason)
    {
        using var scene = new Scene();
        InvalidLayerException ex = scene.Refused(new LayerTar().File(name, "pwned"));
        ex.Code.Should().Be(ErrorCodes.UnsafePath);
        ex.Message.Should().Be($"layer L0: {name}: {reason}");
        (ex.Layer, ex.Entry, ex.Reason).Should().Be(("L0", name, reason));
    }

    [Fact]
    public void Symlinked_parent_from_a_lower_layer_resolves_inside_the_root()
    {
        using var scene = new Scene();
        string relative = Path.GetRelativePath(scene.Root, scene.Canary);
        scene.ApplyAll(
            new LayerTar().Symlink("evil", scene.Canary).Symlink("rel", relative),
            new LayerTar().File("evil/secret", "pwned").File("rel/secret", "pwned2"));
        scene.AssertCanaryIntact();
        File.ReadAllText(scene.Root + scene.Canary + "/secret").Should().Be("pwned");
        File.ReadAllText(Path.Combine(scene.Root, "canary/secret")).Should().Be("pwned2");
        Native.ReadLink(Path.Combine(scene.Root, "evil")).Should().Be(scene.Canary);
    }

    [Fact]
    public void Symlink_planted_earlier_in_the_same_layer_is_not_written_through()
    {
        using var scene = new Scene();
        scene.ApplyAll(new LayerTar().Symlink("x", "../../../../canary").File("x/secret", "pwned").Dir("x/newdir/"));
        scene.AssertCanaryIntact();
        File.ReadAllText(Path.Combine(scene.Root, "canary/secret")).Should().Be("pwned");
        Directory.Exists(Path.Combine(scene.Root, "canary/newdir")).Should().BeTrue();
    }

    [Fact]
    public void File_over_a_symlink_replaces_the_link_instead_of_writing_its_target()
    {
        using var scene = new Scene();
        scene.ApplyAll(new LayerTar().Symlink("s", Path.Combine(scene.Canary, "secret")), new LayerTar().File("s", "pwned", mode: 0x1FF));
        scene.AssertCanaryIntact();
        File.ReadAllText(Path.Combine(scene.Root, "s")).Should().Be("pwned");
    }

    [Fact]
    public void File_over_a_dangling_symlink_to_outside_replaces_the_link_and_creates_nothing_outside()
    {
        using var scene = new Scene();
        string outside = Path.Combine(scene.Canary, "created-by-layer");
        scene.ApplyAll(new LayerTar().Symlink("s", outside).Symlink("r", "../canary/created-relative"), new LayerTar().File("s", "pwned").File("r", "pwned too"));
        scene.AssertCanaryIntact();
        File.Exists(outside).Should().BeFalse();
        File.Exists(Path.Combine(scene.Canary, "created-relative")).Should().BeFalse();
        File.ReadAllText(Path.Combine(scene.Root, "s")).Should().Be("pwned");
        File.ReadAllText(Path.Combine(scene.Root, "r")).Should().Be("pwned too");
        Native.LStat(Path.Combine(scene.Root, "s"))!.Value.IsSymlink.Should().BeFalse();
    }

    [Fact]
    public void Hardlink_to_outside_is_refused_or_contained()
    {
        using var scene = new Scene();
        InvalidLayerException ex = scene.Refused(new LayerTar().HardLink("h", "../canary/secret"));
        ex.Code.Should().Be(ErrorCodes.UnsafePath);
        ex = scene.Refused(new LayerTar().HardLink("h2", scene.Canary + "/secret"));
        ex.Code.Should().Be(ErrorCodes.UnsafePath);

        // Through a symlink: the link is resolved inside the root, where no such file exists.
        ex = scene.Refused(new LayerTar().Symlink("out", scene.Canary), new LayerTar().HardLink("h3", "out/secret"));
        ex.Code.Should().Be(ErrorCodes.InvalidLayer);
        ex.Reason.Should().Be("hard link target \"out/secret\" does not exist");
    }

    [Fact]
    public void Hardlink_to_a_directory_is_refused()
    {
        using var scene = new Scene();
        InvalidLayerException ex = scene.Refused(new LayerTar().Dir("d/").HardLink("h", "d"));
        (ex.Code, ex.Reason).Should().Be((ErrorCodes.InvalidLayer, "hard link target \"d\" is a directory"));
    }

    [Fact]
    public void Hardlink_to_a_symlink_links_the_symlink_itself()
    {
        using var scene = new Scene();
        scene.ApplyAll(new LayerTar().Symlink("s", scene.Canary + "/secret").HardLink("h", "s").File("h2", "x"));
        scene.AssertCanaryIntact();
        Native.ReadLink(Path.Combine(scene.Root, "h")).Should().Be(scene.Canary + "/secret");
    }

    [Theory]
    [InlineData(".wh..", ErrorCodes.InvalidLayer)]
    [InlineData(".wh.", ErrorCodes.InvalidLayer)]
    [InlineData("../.wh.canary", ErrorCodes.UnsafePath)]
    [InlineData("a/../../.wh.canary", ErrorCodes.UnsafePath)]
    public void Whiteouts_outside_or_at_the_root_are_refused(string name, string code)
    {
        using var scene = new Scene();
        InvalidLayerException ex = scene.Refused(new LayerTar().Whiteout(name));
        ex.Code.Should().Be(code);
    }

    [Fact]
    public void Whiteout_through_a_symlinked_parent_deletes_inside_the_root_only()
    {
        using var scene = new Scene();
        scene.ApplyAll(new LayerTar().Symlink("p", scene.Canary), new LayerTar().Whiteout("p/.wh.secret").Whiteout(".wh.p"));
        scene.AssertCanaryIntact();
        Directory.EnumerateFileSystemEntries(scene.Root).Should().BeEmpty();
    }

    [Fact]
    public void Opaque_whiteout_under_a_symlink_to_outside_empties_nothing_outside()
    {
        using var scene = new Scene();
        scene.ApplyAll(new LayerTar().Symlink("p", scene.Canary).Symlink("q", "../canary"), new LayerTar().Whiteout("p/.wh..wh..opq").Whiteout("q/.wh..wh..opq"));
        scene.AssertCanaryIntact();
    }

    [Fact]
    public void Root_cannot_be_replaced_by_a_symlink_or_file()
    {
        using var scene = new Scene();
        InvalidLayerException ex = scene.Refused(new LayerTar().Symlink(".", scene.Canary));
        (ex.Code, ex.Reason).Should().Be((ErrorCodes.UnsafePath, "only a directory may stand for the root"));
        ex = scene.Refused(new LayerTar().Symlink("./", "/"));
        ex.Code.Should().Be(ErrorCodes.UnsafePath);
        ex = scene.Refused(new LayerTar().File("a/..", "x"));
        ex.Code.Should().Be(ErrorCodes.UnsafePath);
    }

    [Fact]
    public void Symlink_loops_stop_at_the_hop_limit()
    {
        using var scene = new Scene();
        InvalidLayerException ex = scene.Refused(new LayerTar().Symlink("a", "b").Symlink("b", "a").File("a/x", "x"));
        (ex.Code, ex.Reason).Should().Be((ErrorCodes.UnsafePath, "more than 40 symbolic links to follow"));
    }

    [Fact]
    public void Device_node_through_a_symlinked_parent_lands_inside()
    {
        using var scene = new Scene();
        scene.ApplyAll(new LayerTar().Symlink("dev", scene.Canary), new LayerTar().Add(new ImageFormat.Tar.TarEntryHeader { Name = "dev/secret", Type = ImageFormat.Tar.TarEntryKind.CharacterDevice, DevMajor = 1, DevMinor = 3, Mode = 0x1B6 }, null));
        scene.AssertCanaryIntact();
    }

    [Fact]
    public void Skip_option_reports_each_refused_entry_and_continues()
    {
        using var scene = new Scene();
        using MemoryStream tar = new LayerTar().File("../canary/secret", "x").File("ok", "fine").HardLink("h", "/canary/secret").ToStream();
        LayerExtractResult result = LayerExtractor.ApplyLayer(tar, scene.Root, "L0", new LayerExtractOptions { SkipInvalidEntries = true });
        scene.AssertCanaryIntact();
        result.Skipped.Select(e => e.Message).Should().Equal(
            "layer L0: ../canary/secret: the path climbs out of the root",
            "layer L0: h: absolute path names are refused");
        result.EntriesApplied.Should().Be(1);
        File.ReadAllText(Path.Combine(scene.Root, "ok")).Should().Be("fine");
    }
}
