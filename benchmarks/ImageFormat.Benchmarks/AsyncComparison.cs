using System.Diagnostics;
using ImageFormat.Archives;
using ImageFormat.Archives.Writers;
using ImageFormat.Layers;
using ImageFormat.Progress;
using ImageFormat.Store;

namespace ImageFormat.Benchmarks;

/// <summary>
/// Side by side: each I/O operation's synchronous form, its asynchronous form, and the asynchronous form with a
/// progress listener, on one archive, interleaved round by round so that the page cache and the machine's load
/// treat them alike. Prints the median and the best seconds of each and the ratios async/sync and
/// progress/no-progress. The previous run's output is deleted, and the kernel's dirty pages are written back
/// (<c>sync(2)</c>) followed by a pause, before the clock starts, so no run pays for another's writeback.
/// Run by benchmarks/async-vs-sync.sh: <c>dotnet run -c Release -- async-vs-sync ARCHIVE [ROUNDS]</c>.
/// </summary>
public static class AsyncComparison
{
    /// <summary>How long to let the disk settle after <c>sync(2)</c> before a timed run.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(2);

    public static int Run(string[] args)
    {
        if (args.Length is < 1 or > 3)
        {
            Console.Error.WriteLine("usage: async-vs-sync ARCHIVE [ROUNDS] [OPERATION,...]");
            return 2;
        }

        HashSet<string>? only = args.Length > 2 ? [.. args[2].Split(',', StringSplitOptions.RemoveEmptyEntries)] : null;

        string archivePath = Path.GetFullPath(args[0]);
        int rounds = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 7;
        string work = Path.Combine(Path.GetDirectoryName(archivePath)!, $"async-vs-sync-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        try
        {
            using ImageArchive archive = ImageArchive.OpenFile(archivePath);
            ArchiveImage image = archive.Images[0];
            List<ImageToWrite> images = [.. archive.Images.Select(ImageToWrite.FromArchive)];
            var counter = new CountingProgress();
            string Fresh(string name) => Path.Combine(work, name);

            var operations = new (string Name, Action Sync, Func<IProgress<ImageProgress>?, Task> Async)[]
            {
                ("verify", () => ArchiveVerifier.Verify(archive), p => ArchiveVerifier.VerifyAsync(archive, p)),
                ("convert", () => ArchiveWriter.WriteLayout(images, Fresh("layout")), p => ArchiveWriter.WriteLayoutAsync(images, Fresh("layout"), progress: p)),
                ("extract", () => LayerExtractor.ExtractImage(image, Fresh("rootfs")), p => LayerExtractor.ExtractImageAsync(image, Fresh("rootfs"), progress: p)),
                ("load", () => LoadSync(archive, Fresh("store")), p => LoadAsync(archive, Fresh("store"), p)),
            };

            Console.WriteLine($"archive {archivePath}: {new FileInfo(archivePath).Length / 1e6:F0} MB, {rounds} rounds, seconds (sync + {Settle.TotalSeconds:F0} s pause before each run)");
            Console.WriteLine($"{"operation",-10} {"sync",8} {"async",8} {"async+progress",15} {"async/sync",11} {"progress cost",14}");
            foreach ((string name, Action sync, Func<IProgress<ImageProgress>?, Task> async) in operations.Where(o => only is null || only.Contains(o.Name)))
            {
                var times = new List<double>[] { [], [], [] };
                for (int round = 0; round < rounds; round++)
                {
                    // Rotate the order each round so none of the three always runs first (cold) or last.
                    for (int k = 0; k < 3; k++)
                    {
                        int which = (round + k) % 3;
                        Quiesce(work);
                        var watch = Stopwatch.StartNew();
                        switch (which)
                        {
                            case 0: sync(); break;
                            case 1: async(null).GetAwaiter().GetResult(); break;
                            default: async(counter).GetAwaiter().GetResult(); break;
                        }

                        times[which].Add(watch.Elapsed.TotalSeconds);
                    }
                }

                double s = Median(times[0]), a = Median(times[1]), p = Median(times[2]);
                double bs = times[0].Min(), ba = times[1].Min(), bp = times[2].Min();
                // The three forms of one round ran back to back, so their ratios within the round cancel what the
                // machine did between rounds (on the VMs measured, the same run scatters by 30% or more minutes apart).
                double pairedAsync = Median([.. Enumerable.Range(0, rounds).Select(r => times[1][r] / times[0][r])]);
                double pairedProgress = Median([.. Enumerable.Range(0, rounds).Select(r => times[2][r] / times[1][r])]);
                Console.WriteLine($"{name,-10} {s,8:F3} {a,8:F3} {p,15:F3} {a / s,11:F3} {(p / a) - 1,13:P1}   median");
                Console.WriteLine($"{string.Empty,-10} {bs,8:F3} {ba,8:F3} {bp,15:F3} {ba / bs,11:F3} {(bp / ba) - 1,13:P1}   best");
                Console.WriteLine($"{string.Empty,-10} {string.Empty,8} {string.Empty,8} {string.Empty,15} {pairedAsync,11:F3} {pairedProgress - 1,13:P1}   median of the rounds' own ratios");
            }

            Console.WriteLine($"progress reports received: {counter.Count}");
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Deletes every output of the previous run, writes all dirty pages back and lets the disk settle.</summary>
    private static void Quiesce(string work)
    {
        foreach (string entry in Directory.EnumerateFileSystemEntries(work))
        {
            if (Directory.Exists(entry))
            {
                Directory.Delete(entry, recursive: true);
            }
            else
            {
                File.Delete(entry);
            }
        }

        Sync();
        Thread.Sleep(Settle);
    }

    /// <summary>Runs <c>sync(1)</c>, which returns once every dirty page is on disk.</summary>
    private static void Sync()
    {
        using Process sync = Process.Start("sync") ?? throw new InvalidOperationException("cannot run sync");
        sync.WaitForExit();
    }

    private static void LoadSync(ImageArchive archive, string root)
    {
        using ImageStore store = ImageStore.Open(root);
        store.Load(archive);
    }

    private static async Task LoadAsync(ImageArchive archive, string root, IProgress<ImageProgress>? progress)
    {
        using ImageStore store = ImageStore.Open(root);
        await store.LoadAsync(archive, progress).ConfigureAwait(false);
    }

    private static double Median(List<double> values)
    {
        // Sorts a copy: the callers pair the rounds' times by index afterwards.
        List<double> sorted = [.. values];
        sorted.Sort();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>A listener that does the least a real one does: look at each report.</summary>
    private sealed class CountingProgress : IProgress<ImageProgress>
    {
        private long _count;

        public long Count => Interlocked.Read(ref _count);

        public void Report(ImageProgress value) => Interlocked.Increment(ref _count);
    }
}
