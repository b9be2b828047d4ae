using BenchmarkDotNet.Attributes;
using ImageFormat.Layers;

namespace ImageFormat.Benchmarks;

/// <summary>
/// Issue 5: the diff of a 20,000-file tree (200 directories of 100 files) against a copy with 1% of the files
/// rewritten (different size), by metadata as Docker compares, and with content hashing of same-looking files.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
[MemoryDiagnoser]
public class LayerDiffBenchmarks
{
    private string _root = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        _root = Path.Combine(Path.GetTempPath(), "imagefmt-diff-bench-" + Environment.ProcessId);
        byte[] content = new byte[512];
        foreach (string side in new[] { "a", "b" })
        {
            for (int d = 0; d < 200; d++)
            {
                string directory = Path.Combine(_root, side, $"d{d:000}");
                Directory.CreateDirectory(directory);
                for (int f = 0; f < 100; f++)
                {
                    string file = Path.Combine(directory, $"f{f:000}");
                    File.WriteAllBytes(file, side == "b" && f == 0 ? new byte[7] : content);
                    File.SetLastWriteTimeUtc(file, new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc));
                }

                Directory.SetLastWriteTimeUtc(directory, new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc));
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_root, recursive: true);

    [Benchmark(Baseline = true)]
    public int Metadata() => LayerDiff.ComputeDirectories(Path.Combine(_root, "a"), Path.Combine(_root, "b")).Count;

    [Benchmark]
    public int WithContentHash() => LayerDiff.ComputeDirectories(Path.Combine(_root, "a"), Path.Combine(_root, "b"), new LayerDiffOptions { CompareContent = true }).Count;
}
