using System.Text;
using ImageFormat.Archives.Writers;
using ImageFormat.Compression;
using ImageFormat.Digests;
using ImageFormat.Model;
using ImageFormat.Progress;
using ImageFormat.References;
using ImageFormat.Tests.Archives;

namespace ImageFormat.Tests.TestSupport;

/// <summary>
/// A three-layer image for the async, cancellation and progress tests: layers of 300 KB or more (several reads
/// each), the middle one gzip-compressed, tagged <c>example/async:1</c>. Bytes are deterministic.
/// </summary>
internal static class AsyncImages
{
    public const string Tag = "example/async:1";

    /// <summary>The uncompressed layer tars.</summary>
    public static IReadOnlyList<byte[]> LayerTars { get; } = [.. Enumerable.Range(0, 3).Select(LayerTar)];

    /// <summary>The image, as the writer takes it.</summary>
    public static ImageToWrite Image()
    {
        var layers = new List<LayerToWrite>();
        for (int i = 0; i < LayerTars.Count; i++)
        {
            byte[] tar = LayerTars[i];
            Digest diffId = Digest.Compute(tar);
            if (i == 1)
            {
                byte[] gz = Gzip(tar);
                layers.Add(new LayerToWrite(() => new MemoryStream(gz, writable: false), Digest.Compute(gz), gz.Length, diffId, CompressionFormat.Gzip));
            }
            else
            {
                layers.Add(new LayerToWrite(() => new MemoryStream(tar, writable: false), diffId, tar.Length, diffId, CompressionFormat.None));
            }
        }

        string diffIds = string.Join(',', LayerTars.Select(t => $"\"{Digest.Compute(t)}\""));
        string history = string.Join(',', LayerTars.Select((_, i) => $"{{\"created\":\"2024-01-02T03:04:05Z\",\"created_by\":\"layer {i}\"}}"));
        string config = "{\"architecture\":\"amd64\",\"config\":{\"Cmd\":[\"/bin/sh\"]},\"created\":\"2024-01-02T03:04:05Z\",\"history\":[" + history
            + "],\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diffIds + "]}}";
        return new ImageToWrite(ImageDocuments.ParseConfig(Encoding.UTF8.GetBytes(config), "config"), layers)
        {
            Tags = [ImageReference.Parse(Tag)],
        };
    }

    /// <summary>Writes the image as a Docker archive file in <paramref name="directory"/> and returns its path.</summary>
    public static string WriteArchive(string directory)
    {
        string path = Path.Combine(directory, "async.tar");
        ArchiveWriter.WriteFile([Image()], path);
        return path;
    }

    /// <summary>Every file below <paramref name="root"/> with its content, by relative path, for comparing two outputs.</summary>
    public static SortedDictionary<string, string> Tree(string root)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (string path in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(root, path);
            result[relative] = File.GetAttributes(path).HasFlag(FileAttributes.Directory) ? "<dir>" : Digest.Compute(File.ReadAllBytes(path)).Value;
        }

        return result;
    }

    private static byte[] LayerTar(int index)
    {
        // 300 KB of bytes that do not repeat (so gzip cannot make them tiny), different for each layer.
        byte[] data = new byte[300_000 + (index * 1000)];
        new Random(index + 1).NextBytes(data);
        using var builder = new TarBuilder();
        return builder.File($"layer{index}/data.bin", data).File($"layer{index}/name.txt", $"layer {index}\n").Build();
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (Stream gz = Compressor.Open(output, CompressionFormat.Gzip, null, leaveOpen: true))
        {
            gz.Write(data);
        }

        return output.ToArray();
    }
}

/// <summary>Records progress reports synchronously (unlike System.Progress, which posts them to the thread pool), and can act on each.</summary>
internal sealed class ProgressLog(Action<ImageProgress>? onReport = null) : IProgress<ImageProgress>
{
    private readonly List<ImageProgress> _reports = [];

    public IReadOnlyList<ImageProgress> Reports
    {
        get
        {
            lock (_reports)
            {
                return [.. _reports];
            }
        }
    }

    public void Report(ImageProgress value)
    {
        lock (_reports)
        {
            _reports.Add(value);
        }

        onReport?.Invoke(value);
    }

    /// <summary>
    /// A log that cancels <paramref name="source"/> when the first item starts: the operation has opened what it
    /// reads, and every read from then on throws, whatever number of threads read at once.
    /// </summary>
    public static ProgressLog CancelAtFirstItem(CancellationTokenSource source) => new(r =>
    {
        if (r.Item.Length > 0)
        {
            source.Cancel();
        }
    });

    /// <summary>A log that cancels <paramref name="source"/> at the first report with bytes done: the operation is then mid-way.</summary>
    public static ProgressLog CancelMidway(CancellationTokenSource source) => new(r =>
    {
        if (r.BytesDone > 0)
        {
            source.Cancel();
        }
    });
}

/// <summary>A memory stream that cancels <paramref name="source"/> when the first bytes are written to it: the operation writing is then mid-way.</summary>
/// <remarks>A derived memory stream's span overloads call the array ones, so only those are overridden.</remarks>
internal sealed class CancelOnFirstWriteStream(CancellationTokenSource source) : MemoryStream
{
    public override void Write(byte[] buffer, int offset, int count)
    {
        base.Write(buffer, offset, count);
        source.Cancel();
    }
}
