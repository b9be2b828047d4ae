using FluentAssertions;
using ImageFormat.Containment;
using ImageFormat.Layers;
using ImageFormat.Tar;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Layers;

public sealed class LayerExtractorTests
{
    private static LayerExtractResult Apply(string root, params LayerTar[] layers)
    {
        LayerExtractResult? last = null;
        for (int i = 0; i < layers.Length; i++)
        {
            using MemoryStream tar = layers[i].ToStream();
            last = LayerExtractor.ApplyLayer(tar, root, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return last!;
    }

    [Fact]
    public void Layers_apply_in_order_with_whiteouts_and_replacements()
    {
        using var temp = new TempDirectory();
        string root = temp.Combine("root");
        Apply(root,
            new LayerTar().Dir("etc/").File("etc/a", "A").File("etc/b", "B").Dir("d/").File("d/x", "X").File("f", "file"),
            new LayerTar().Dir("etc/").Whiteout("etc/.wh.a").Dir("f/").File("f/inner", "I").File("d", "now a file"));
        File.Exists(Path.Combine(root, "etc/a")).Should().BeFalse();
        File.ReadAllText(Path.Combine(root, "etc/b")).Should().Be("B");
        Directory.Exists(Path.Combine(root, "f")).Should().BeTrue();
        File.ReadAllText(Path.Combine(root, "f/inner")).Should().Be("I");
        File.ReadAllText(Path.Combine(root, "d")).Should().Be("now a file");
        Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Should().NotContain(p => p.Contains(".wh.", StringComparison.Ordinal));
    }

    [Fact]
    public void Opaque_whiteout_hides_lower_children_wherever_it_appears_in_the_layer()
    {
        using var temp = new TempDirectory();
        string root = temp.Combine("root");
        Apply(root,
            new LayerTar().Dir("o/").File("o/lower", "L").Dir("o/sub/").File("o/sub/deep", "D").File("keep", "K"),
            new LayerTar().Dir("o/").Dir("o/sub/").File("o/sub/new", "N").File("o/upper", "U").Whiteout("o/.wh..wh..opq"));
        Directory.EnumerateFileSystemEntries(Path.Combine(root, "o"), "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(root, p)).Order(StringComparer.Ordinal)
            .Should().Equal("o/sub", "o/sub/new", "o/upper");
        File.ReadAllText(Path.Combine(root, "keep")).Should().Be("K");
    }

    [Fact]
    public void Metadata_is_applied_mode_with_special_bits_times_on_symlinks_owner_and_xattrs()
    {
        using var temp = new TempDirectory();
        string root = temp.Combine("root");
        var mtime = new DateTimeOffset(2020, 5, 6, 7, 8, 9, TimeSpan.Zero).AddTicks(1234567);
        var layer = new LayerTar()
            .Add(new TarEntryHeader { Name = "suid", Size = 1, Mode = 0xDED /* 06755 */, Uid = 1234, Gid = 5678, ModificationTime = mtime, Xattrs = new Dictionary<string, byte[]> { ["user.test"] = [1, 2, 0, 3] } }, [0x41])
            .Add(new TarEntryHeader { Name = "tmp/", Type = TarEntryKind.Directory, Mode = 0x3FF /* 01777 */, ModificationTime = mtime }, null)
            .Add(new TarEntryHeader { Name = "abs", Type = TarEntryKind.SymbolicLink, LinkName = "/usr/lib64", Mode = 0x1FF, Uid = 7, Gid = 8, ModificationTime = mtime }, null)
            .Add(new TarEntryHeader { Name = "fifo", Type = TarEntryKind.Fifo, Mode = 0x180, ModificationTime = mtime }, null)
            .Add(new TarEntryHeader { Name = "null", Type = TarEntryKind.CharacterDevice, Mode = 0x1B6, DevMajor = 1, DevMinor = 3, ModificationTime = mtime }, null)
            .Add(new TarEntryHeader { Name = "hard", Type = TarEntryKind.HardLink, LinkName = "suid", Mode = 0xDED, Uid = 1234, Gid = 5678, ModificationTime = mtime }, null);
        LayerExtractResult result = Apply(root, layer);

        FileStatus suid = Native.LStat(Path.Combine(root, "suid"))!.Value;
        suid.Permissions.Should().Be(0xDED);
        (suid.Uid, suid.Gid).Should().Be((1234u, 5678u));
        suid.ModificationTime.Should().Be(mtime);
        suid.Nlink.Should().Be(2);
        Native.LGetXattrs(Path.Combine(root, "suid"))["user.test"].Should().Equal(1, 2, 0, 3);
        Native.LStat(Path.Combine(root, "tmp"))!.Value.Permissions.Should().Be(0x3FF);
        Native.LStat(Path.Combine(root, "tmp"))!.Value.ModificationTime.Should().Be(mtime);
        Native.ReadLink(Path.Combine(root, "abs")).Should().Be("/usr/lib64");
        FileStatus link = Native.LStat(Path.Combine(root, "abs"))!.Value;
        (link.Uid, link.Gid).Should().Be((7u, 8u));
        link.ModificationTime.Should().Be(mtime);
        Native.LStat(Path.Combine(root, "fifo"))!.Value.Type.Should().Be(Native.S_IFIFO);
        FileStatus dev = Native.LStat(Path.Combine(root, "null"))!.Value;
        if (Native.EffectiveUserId == 0)
        {
            (dev.Type, dev.RdevMajor, dev.RdevMinor).Should().Be((Native.S_IFCHR, 1u, 3u));
            result.OwnershipNotApplied.Should().BeEmpty();
        }
    }

    [Fact]
    public void Files_get_their_exact_permission_bits_whatever_the_umask_clears_at_creation()
    {
        using var temp = new TempDirectory();
        string root = temp.Combine("root");
        var layer = new LayerTar();
        int[] modes = [0x1FF /* 0777 */, 0x1B6 /* 0666 */, 0x1A4 /* 0644 */, 0x120 /* 0440 */, 0, 0x9ED /* 04755 */, 0x5ED /* 02755 */];
        foreach (int mode in modes)
        {
            layer.Add(new TarEntryHeader { Name = $"m{mode:x}", Size = 1, Mode = mode, ModificationTime = DateTimeOffset.UnixEpoch }, [0x41]);
        }

        Apply(root, layer);
        modes.Select(m => Native.LStat(Path.Combine(root, $"m{m:x}"))!.Value.Permissions).Should().Equal(modes);
    }

    [Fact]
    public void Duplicate_entries_last_one_wins()
    {
        using var temp = new TempDirectory();
        string root = temp.Combine("root");
        Apply(root, new LayerTar().File("x", "first").File("x", "second").Symlink("y", "a").File("y", "file"));
        File.ReadAllText(Path.Combine(root, "x")).Should().Be("second");
        File.ReadAllText(Path.Combine(root, "y")).Should().Be("file");
    }

    [Fact]
    public void Root_entry_as_directory_sets_root_mode()
    {
        using var temp = new TempDirectory();
        string root = temp.Combine("root");
        Apply(root, new LayerTar().Dir("./", 0x1E8).File("./a", "A"));
        Native.LStat(root)!.Value.Permissions.Should().Be(0x1E8);
        File.ReadAllText(Path.Combine(root, "a")).Should().Be("A");
    }
}
