using FluentAssertions;
using ImageFormat.Layers;
using ImageFormat.Store;
using ImageFormat.Tests.Archives;
using ImageFormat.Tests.Cli;
using ImageFormat.Tests.Containment;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Store;

/// <summary>
/// <c>export</c>, <c>diff</c>, <c>commit</c> and <c>rm</c> over a container root file system holding links that
/// point outside it or at itself: each link is read and written as a link, never entered, and a canary directory
/// beside the store is neither read into the output nor changed.
/// </summary>
public sealed class EnumerationContainmentTests
{
    private static (string Root, string RootFs) NewContainer(TempDirectory temp)
    {
        string root = temp.Combine("store");
        using var builder = new TarBuilder();
        string tar = temp.WriteFile("base.tar", builder.Directory("etc").File("etc/hostname", "box\n").Directory("var").Build());
        CliRunner.Run("--root", root, "import", tar, "base:v1").ExitCode.Should().Be(0);
        CliRunner.Run("--root", root, "create", "--name", "c1", "base:v1", "sh").ExitCode.Should().Be(0);
        string rootfs = CliRunner.Run("--root", root, "rootfs", "c1").StdOut.Trim();
        Directory.Exists(rootfs).Should().BeTrue();
        return (root, rootfs);
    }

    [Fact]
    public void Export_writes_var_run_linked_to_a_directory_outside_as_a_link_and_none_of_that_directory()
    {
        using var temp = new TempDirectory();
        var canary = new Canary(temp.Combine("canary"));
        (string root, string rootfs) = NewContainer(temp);
        File.CreateSymbolicLink(Path.Combine(rootfs, "var", "run"), canary.Path);
        File.CreateSymbolicLink(Path.Combine(rootfs, "etc", "secret"), Path.Combine(canary.Path, "secret"));
        Native.Link(Path.Combine(rootfs, "etc", "hostname"), Path.Combine(rootfs, "etc", "hard"));

        CliResult result = CliRunner.Run("--root", root, "export", "c1");

        result.ExitCode.Should().Be(0, result.StdErr);
        Canary.TarEntries(result.Binary).Should().Equal(
            "Directory etc/",
            "RegularFile etc/hard = box\n",
            "HardLink etc/hostname -> etc/hard",
            $"SymbolicLink etc/secret -> {canary.Path}/secret",
            "Directory var/",
            $"SymbolicLink var/run -> {canary.Path}");
        canary.ShouldBeUntouched();
    }

    [Fact]
    public void Export_of_a_root_file_system_with_link_loops_finishes_with_each_loop_as_one_link()
    {
        using var temp = new TempDirectory();
        var canary = new Canary(temp.Combine("canary"));
        (string root, string rootfs) = NewContainer(temp);
        File.CreateSymbolicLink(Path.Combine(rootfs, "a"), ".");
        File.CreateSymbolicLink(Path.Combine(rootfs, "etc", "up"), "..");
        File.CreateSymbolicLink(Path.Combine(rootfs, "var", "out"), "../..");

        using var tar = new MemoryStream();
        using (ImageStore store = ImageStore.Open(root))
        {
            store.Export("c1", tar);
        }

        Canary.TarEntries(tar.ToArray()).Should().Equal(
            "SymbolicLink a -> .",
            "Directory etc/",
            "RegularFile etc/hostname = box\n",
            "SymbolicLink etc/up -> ..",
            "Directory var/",
            "SymbolicLink var/out -> ../..");
        canary.ShouldBeUntouched();
    }

    [Fact]
    public void Diff_and_commit_of_a_root_file_system_with_loops_and_a_link_outside_record_only_the_links()
    {
        using var temp = new TempDirectory();
        var canary = new Canary(temp.Combine("canary"));
        (string root, string rootfs) = NewContainer(temp);
        File.CreateSymbolicLink(Path.Combine(rootfs, "a"), ".");
        File.CreateSymbolicLink(Path.Combine(rootfs, "etc", "up"), "..");
        File.CreateSymbolicLink(Path.Combine(rootfs, "var", "run"), canary.Path);

        CliRunner.Run("--root", root, "diff", "c1").StdOut.Should().Be("A /a\nC /etc\nA /etc/up\nC /var\nA /var/run\n");
        CliResult commit = CliRunner.Run("--root", root, "commit", "c1", "snap:v1");
        commit.ExitCode.Should().Be(0, commit.StdErr);

        using (ImageStore store = ImageStore.Open(root))
        {
            StoreImage image = store.GetImage("snap:v1");
            image.DiffIds.Should().HaveCount(2);
            using Stream layer = store.OpenLayer(image.DiffIds[1]);
            using var bytes = new MemoryStream();
            layer.CopyTo(bytes);
            Canary.TarEntries(bytes.ToArray()).Should().Equal(
                "SymbolicLink a -> .",
                "Directory etc/",
                "SymbolicLink etc/up -> ..",
                "Directory var/",
                $"SymbolicLink var/run -> {canary.Path}");
        }

        canary.ShouldBeUntouched();
    }

    [Fact]
    public void Rm_of_a_container_whose_root_file_system_links_outside_leaves_the_link_targets_intact()
    {
        using var temp = new TempDirectory();
        var canary = new Canary(temp.Combine("canary"));
        (string root, string rootfs) = NewContainer(temp);
        File.CreateSymbolicLink(Path.Combine(rootfs, "var", "run"), canary.Path);
        File.CreateSymbolicLink(Path.Combine(rootfs, "etc", "secret"), Path.Combine(canary.Path, "secret"));
        File.CreateSymbolicLink(Path.Combine(rootfs, "a"), ".");
        File.CreateSymbolicLink(Path.Combine(rootfs, "etc", "up"), "../..");
        Native.Link(Path.Combine(canary.Path, "linked"), Path.Combine(rootfs, "etc", "linked"));
        Directory.CreateDirectory(Path.Combine(rootfs, "ro", "inner"));
        File.WriteAllText(Path.Combine(rootfs, "ro", "inner", "f"), "f");
        Native.Chmod(Path.Combine(rootfs, "ro", "inner"), 0x16D);
        Native.Chmod(Path.Combine(rootfs, "ro"), 0x16D);

        CliResult result = CliRunner.Run("--root", root, "rm", "c1");

        result.ExitCode.Should().Be(0, result.StdErr);
        result.StdOut.Should().Be("c1\n");
        Directory.Exists(Path.GetDirectoryName(rootfs)).Should().BeFalse();
        Directory.EnumerateFileSystemEntries(Path.Combine(root, "containers")).Should().BeEmpty();
        canary.ShouldBeUntouched();
    }

    [Fact]
    public void Export_of_an_ordinary_tree_is_byte_for_byte_the_layer_of_every_path_added()
    {
        using var temp = new TempDirectory();
        (string root, string rootfs) = NewContainer(temp);
        Directory.CreateDirectory(Path.Combine(rootfs, "a", "z"));
        File.WriteAllText(Path.Combine(rootfs, "a.b"), "dot");
        File.WriteAllText(Path.Combine(rootfs, "a0"), "zero");
        File.WriteAllText(Path.Combine(rootfs, "a", "c"), "c");
        File.WriteAllText(Path.Combine(rootfs, "a-"), "dash");
        Native.Link(Path.Combine(rootfs, "a", "c"), Path.Combine(rootfs, "var", "c-again"));
        File.CreateSymbolicLink(Path.Combine(rootfs, "etc", "name"), "hostname");
        List<LayerChange> everything = [.. Directory.EnumerateFileSystemEntries(rootfs, "*", SearchOption.AllDirectories)
            .Select(p => new LayerChange(LayerChangeKind.Added, p[rootfs.Length..]))];
        using var expected = new MemoryStream();
        LayerBuilder.Write(rootfs, everything, expected, new LayerBuildOptions { Compression = ImageFormat.Compression.CompressionFormat.None });

        CliResult result = CliRunner.Run("--root", root, "export", "c1");

        result.ExitCode.Should().Be(0, result.StdErr);
        result.Binary.Should().Equal(expected.ToArray());
        Canary.TarEntries(result.Binary).Select(e => e.Split(' ')[1]).Should().Equal(
            "a/", "a-", "a.b", "a/c", "a/z/", "a0", "etc/", "etc/hostname", "etc/name", "var/", "var/c-again");
    }
}
