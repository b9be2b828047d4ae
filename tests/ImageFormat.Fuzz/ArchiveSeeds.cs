using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using ImageFormat.Archives;
using ImageFormat.Archives.Writers;
using ImageFormat.Compression;
using ImageFormat.Tar;

namespace ImageFormat.Fuzz;

/// <summary>Whole archives for the seeds and for the harnesses that wrap fuzzed layers in an image.</summary>
public static class ArchiveSeeds
{
    private static readonly DateTimeOffset s_time = new(2024, 1, 2, 3, 4, 5, TimeSpan.Zero);

    /// <summary>
    /// A <c>docker save</c> archive of one image, <c>fuzz:latest</c>, whose layers are <paramref name="layers"/>
    /// (stored as given) and whose config lists the diffIDs of those bytes.
    /// </summary>
    /// <param name="layers">The layer tars, base first.</param>
    /// <returns>The archive's bytes.</returns>
    public static byte[] DockerSave(IReadOnlyList<byte[]> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var diffIds = layers.Select(l => "\"sha256:" + Convert.ToHexStringLower(SHA256.HashData(l)) + "\"");
        byte[] config = Encoding.UTF8.GetBytes(
            "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + string.Join(",", diffIds) + "]}}");
        string configName = Convert.ToHexStringLower(SHA256.HashData(config)) + ".json";
        var layerNames = layers.Select((_, i) => $"layer{i}/layer.tar").ToList();
        byte[] manifest = Encoding.UTF8.GetBytes(
            "[{\"Config\":\"" + configName + "\",\"RepoTags\":[\"fuzz:latest\"],\"Layers\":[" + string.Join(",", layerNames.Select(n => "\"" + n + "\"")) + "]}]");
        using var output = new MemoryStream();
        using (var writer = new TarEntryWriter(output, leaveOpen: true))
        {
            Write(writer, configName, config);
            for (int i = 0; i < layers.Count; i++)
            {
                Write(writer, layerNames[i], layers[i]);
            }

            Write(writer, "manifest.json", manifest);
            writer.Finish();
        }

        return output.ToArray();
    }

    private static void Write(TarEntryWriter writer, string name, byte[] data) =>
        writer.WriteEntry(new TarEntryHeader { Name = name, Size = data.Length, Mode = 0x1A4, ModificationTime = s_time }, new MemoryStream(data));

    /// <summary><c>samples/hello.tar</c> rewritten in every output dialect, with and without layer compression, and wrapped whole.</summary>
    /// <param name="seeds">The seed sources.</param>
    /// <returns>Name → archive bytes.</returns>
    public static IEnumerable<(string Name, byte[] Data)> OciArchives(SeedSources seeds)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        byte[] hello = seeds.HelloTar;
        using ImageArchive archive = ImageArchive.OpenStream(new MemoryStream(hello), leaveOpen: false);
        var images = archive.Images.Select(ImageToWrite.FromArchive).ToList();
        foreach (ArchiveFormat format in new[] { ArchiveFormat.Docker, ArchiveFormat.OciArchive })
        {
            foreach (CompressionFormat? compression in new CompressionFormat?[] { null, CompressionFormat.Gzip, CompressionFormat.Zstd })
            {
                using var output = new MemoryStream();
                ArchiveWriter.Write(images, output, new ArchiveWriterOptions { Format = format, LayerCompression = compression, MaxParallelism = 1 });
                yield return ($"hello-{format}-{compression?.ToString() ?? "plain"}.tar".ToLowerInvariant(), output.ToArray());
            }
        }

        using var gzipped = new MemoryStream();
        using (var gzip = new GZipStream(gzipped, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(hello);
        }

        yield return ("hello.tar.gz", gzipped.ToArray());
    }

    /// <summary>Writes <c>samples/hello.tar</c> as an OCI layout into <paramref name="directory"/>.</summary>
    /// <param name="seeds">The seed sources.</param>
    /// <param name="directory">The layout directory (created).</param>
    public static void HelloLayout(SeedSources seeds, string directory)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        using ImageArchive archive = ImageArchive.OpenStream(new MemoryStream(seeds.HelloTar), leaveOpen: false);
        ArchiveWriter.WriteLayout(archive.Images.Select(ImageToWrite.FromArchive), directory, new ArchiveWriterOptions { Format = ArchiveFormat.OciLayout, MaxParallelism = 1 });
    }
}
