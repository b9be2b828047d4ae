using System.Text;
using FluentAssertions;
using ImageFormat.Fuzz;
using ImageFormat.Fuzz.Harnesses;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Hostile;

/// <summary>
/// The fuzzing harnesses of tests/ImageFormat.Fuzz, run in-process (no AFL++): every committed seed passes, and
/// the harnesses' own checks notice what they are meant to notice.
/// </summary>
public class FuzzHarnessTests
{
    public static TheoryData<string> Harnesses() => [.. HarnessCatalog.Names];

    private static string Corpus(string harness) => Path.Combine(RepoPaths.Root, "tests", "ImageFormat.Fuzz", "corpus", harness);

    [Theory]
    [MemberData(nameof(Harnesses))]
    public void Every_seed_of_the_committed_corpus_passes_its_harness(string name)
    {
        using var work = new TempDirectory();
        using Harness harness = HarnessCatalog.Create(name, work.Path);
        string[] seeds = Directory.GetFiles(Corpus(name)).Order(StringComparer.Ordinal).ToArray();
        seeds.Should().NotBeEmpty();
        var failures = new List<string>();
        foreach (string seed in seeds)
        {
            try
            {
                harness.Run(File.ReadAllBytes(seed));
            }
            catch (Exception e)
            {
                failures.Add($"{Path.GetFileName(seed)}: {e}");
            }
        }

        failures.Should().BeEmpty();
    }

    [Fact]
    public void Every_harness_has_a_committed_corpus_and_nothing_else_does()
    {
        Directory.GetDirectories(Path.Combine(RepoPaths.Root, "tests", "ImageFormat.Fuzz", "corpus")).Select(Path.GetFileName)
            .Should().BeEquivalentTo(HarnessCatalog.Names);
    }

    [Fact]
    public void Committed_corpus_stays_small()
    {
        long total = Directory.GetFiles(Path.Combine(RepoPaths.Root, "tests", "ImageFormat.Fuzz", "corpus"), "*", SearchOption.AllDirectories)
            .Sum(f => new FileInfo(f).Length);
        total.Should().BeLessThan(2 * 1024 * 1024);
    }

    [Fact]
    public void Extract_harness_reports_a_canary_whose_time_changed()
    {
        using var work = new TempDirectory();
        using var harness = (ExtractHarness)HarnessCatalog.Create("extract", work.Path);
        File.SetLastWriteTimeUtc(Path.Combine(harness.CanaryDirectory, "sub", "file"), DateTime.UtcNow);

        Action run = () => harness.Run(SeedSources.Tar(t => t.File("inside", "x")));

        run.Should().Throw<FuzzInvariantException>().WithMessage("CONTAINMENT BROKEN*changed: canary/sub/file*");
        run.Should().NotThrow("the harness rebuilds its workspace after reporting");
    }

    [Fact]
    public void Extract_harness_reports_a_file_created_beside_the_root()
    {
        using var work = new TempDirectory();
        using var harness = (ExtractHarness)HarnessCatalog.Create("extract", work.Path);
        File.WriteAllText(Path.Combine(harness.CanaryDirectory, "..", "planted"), "x");

        Action run = () => harness.Run([]);

        run.Should().Throw<FuzzInvariantException>().WithMessage("*created: planted*");
    }

    [Fact]
    public void Extract_harness_accepts_a_layer_that_stays_inside_and_empties_the_root_after()
    {
        using var work = new TempDirectory();
        using var harness = (ExtractHarness)HarnessCatalog.Create("extract", work.Path);

        harness.Run(SeedSources.Tar(t => t.Dir("etc/").File("etc/passwd", "root\n").Symlink("up", "../canary")));

        Directory.GetFileSystemEntries(Path.Combine(work.Path, "extract", "root")).Should().BeEmpty();
    }

    [Fact]
    public void Layout_script_never_creates_through_a_link_or_outside_its_directory()
    {
        using var work = new TempDirectory();
        string layout = work.Combine("layout");
        string outside = work.Combine("outside");
        Directory.CreateDirectory(layout);
        Directory.CreateDirectory(outside);
        using var script = new MemoryStream();
        LayoutHarness.Op(script, 's', "out", Encoding.UTF8.GetBytes(outside + "\n"));
        LayoutHarness.Op(script, 'f', "out/through-link", [0, 1, (byte)'x']);
        LayoutHarness.Op(script, 'd', "../../escaped", []);
        LayoutHarness.Op(script, 'f', "a/./../b/file", [0, 2, (byte)'h', (byte)'i']);
        LayoutHarness.Op(script, 'h', "hard", Encoding.UTF8.GetBytes("out/../../etc/passwd\n"));
        LayoutHarness.Op(script, 'p', "fifo", []);

        LayoutHarness.Build(layout, script.ToArray());

        Directory.GetFileSystemEntries(outside).Should().BeEmpty();
        Directory.Exists(work.Combine("escaped")).Should().BeFalse();
        File.ReadAllText(Path.Combine(layout, "a", "b", "file")).Should().Be("hi");
        Directory.Exists(Path.Combine(layout, "escaped")).Should().BeTrue("'..' components are dropped, not followed");
        File.Exists(Path.Combine(layout, "hard")).Should().BeFalse("a hard link's source must be inside, through real directories");
        FileSystem.Stat(Path.Combine(layout, "fifo"))!.Mode.Should().Be(0x1000u | 0x1A4u, "a FIFO, mode 0644");
    }

    [Fact]
    public void Layers_split_at_the_separator_and_join_back()
    {
        byte[][] layers = [[1, 2], [], [3]];

        FuzzLimits.SplitLayers(FuzzLimits.JoinLayers(layers)).Should().BeEquivalentTo(layers, o => o.WithStrictOrdering());
    }
}
