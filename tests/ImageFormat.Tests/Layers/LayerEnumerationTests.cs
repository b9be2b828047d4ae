using FluentAssertions;
using ImageFormat.Compression;
using ImageFormat.Layers;
using ImageFormat.Tests.Containment;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Layers;

/// <summary>The diff and the layer builder over trees holding links outside and link loops: links stay links.</summary>
public sealed class LayerEnumerationTests
{
    private static readonly LayerBuildOptions s_plain = new() { Compression = CompressionFormat.None };

    [Fact]
    public void Layer_builder_does_not_reach_a_changed_path_through_a_symbolic_link()
    {
        using var temp = new TempDirectory();
        var canary = new Canary(temp.Combine("canary"));
        string root = temp.Combine("root");
        Directory.CreateDirectory(root);
        File.CreateSymbolicLink(Path.Combine(root, "d"), canary.Path);

        using var output = new MemoryStream();
        Action build = () => LayerBuilder.Write(root, [new LayerChange(LayerChangeKind.Added, "/d/secret")], output, s_plain);

        build.Should().Throw<FileNotFoundException>().WithMessage($"Changed path vanished: {root}/d/secret");
        canary.ShouldBeUntouched();
    }

    [Fact]
    public void Diff_and_layer_build_of_a_tree_with_link_loops_and_a_link_outside_finish_with_the_links()
    {
        using var temp = new TempDirectory();
        var canary = new Canary(temp.Combine("canary"));
        string baseDir = temp.Combine("base");
        string root = temp.Combine("root");
        Directory.CreateDirectory(Path.Combine(baseDir, "sub"));
        Directory.CreateDirectory(Path.Combine(root, "sub"));
        Directory.CreateDirectory(Path.Combine(root, "var"));
        File.CreateSymbolicLink(Path.Combine(root, "a"), ".");
        File.CreateSymbolicLink(Path.Combine(root, "sub", "up"), "..");
        File.CreateSymbolicLink(Path.Combine(root, "var", "run"), canary.Path);
        File.WriteAllText(Path.Combine(root, "file"), "mine\n");
        Native.Link(Path.Combine(root, "file"), Path.Combine(root, "sub", "same"));
        File.CreateSymbolicLink(Path.Combine(root, "secret"), Path.Combine(canary.Path, "secret"));

        IReadOnlyList<LayerChange> changes = LayerDiff.ComputeDirectories(baseDir, root, new LayerDiffOptions { CompareContent = true });
        changes.Select(c => c.ToString()).Should().Equal(
            "A /a", "A /file", "A /secret", "C /sub", "A /sub/same", "A /sub/up", "A /var", "A /var/run");

        using var output = new MemoryStream();
        LayerBuilder.Write(root, changes, output, s_plain);
        Canary.TarEntries(output.ToArray()).Should().Equal(
            "SymbolicLink a -> .",
            "RegularFile file = mine\n",
            $"SymbolicLink secret -> {canary.Path}/secret",
            "Directory sub/",
            "HardLink sub/same -> file",
            "SymbolicLink sub/up -> ..",
            "Directory var/",
            $"SymbolicLink var/run -> {canary.Path}");
        canary.ShouldBeUntouched();
    }
}
