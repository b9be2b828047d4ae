using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Archives.Writers;
using ImageFormat.Compression;
using ImageFormat.Tests.TestSupport;

namespace ImageFormat.Tests.Archives.Writers;

/// <summary>Shared helpers: convert archives, list tar entries with their headers, compare images across a round trip.</summary>
internal static class WriterTestSupport
{
    public static string Hello => RepoPaths.Sample("hello.tar");

    /// <summary>The optional real fixtures (none when the folder is absent).</summary>
    public static IEnumerable<string> Fixtures => RepoPaths.FixturesPresent ? Directory.GetFiles(RepoPaths.Fixtures, "*.tar").Order(StringComparer.Ordinal) : [];

    public static void Convert(string input, string output, ArchiveFormat format, CompressionFormat? compression = null)
    {
        using ImageArchive archive = ImageArchive.OpenFile(input);
        var options = new ArchiveWriterOptions { Format = format, LayerCompression = compression };
        List<ImageToWrite> images = [.. archive.Images.Select(ImageToWrite.FromArchive)];
        if (format == ArchiveFormat.OciLayout)
        {
            ArchiveWriter.WriteLayout(images, output, options);
        }
        else
        {
            ArchiveWriter.WriteFile(images, output, options);
        }
    }

    public static ImageArchive Open(string path) => Directory.Exists(path) ? ImageArchive.OpenLayout(path) : ImageArchive.OpenFile(path);

    /// <summary>Each image as ID, tags and diffIDs: what must survive any conversion.</summary>
    public static List<string> Identities(ImageArchive archive) =>
        [.. archive.Images.Select(i => $"{i.Id} [{string.Join(",", i.RepoTags.Order(StringComparer.Ordinal))}] {string.Join(",", i.Layers.Select(l => l.DiffId))}").Order(StringComparer.Ordinal)];

    public static void ShouldBeValid(ImageArchive archive)
    {
        ArchiveVerification result = ArchiveVerifier.Verify(archive);
        result.Problems.Where(p => p.Severity == ProblemSeverity.Error).Select(p => p.ToString()).Should().BeEmpty();
        result.IsValid.Should().BeTrue();
    }

    public sealed record Entry(string Name, char Type, int Mode, long Uid, long Gid, string UserName, string GroupName, long MTime, string Link, long Size);

    /// <summary>Reads the ustar headers of an uncompressed tar (enough for what the writer emits).</summary>
    public static List<Entry> Entries(string tarPath)
    {
        byte[] data = File.ReadAllBytes(tarPath);
        var entries = new List<Entry>();
        int offset = 0;
        while (offset + 512 <= data.Length && data.AsSpan(offset, 512).ContainsAnyExcept((byte)0))
        {
            byte[] h = data[offset..(offset + 512)];
            string Str(int start, int length) => System.Text.Encoding.UTF8.GetString(h, start, length).TrimEnd('\0');
            long Oct(int start, int length) => System.Convert.ToInt64(Str(start, length).Trim(' ', '\0') is { Length: > 0 } s ? s : "0", 8);
            string prefix = Str(345, 155);
            string name = prefix.Length > 0 ? prefix + "/" + Str(0, 100) : Str(0, 100);
            long size = Oct(124, 12);
            entries.Add(new Entry(name, (char)h[156], (int)Oct(100, 8), Oct(108, 8), Oct(116, 8), Str(265, 32), Str(297, 32), Oct(136, 12), Str(157, 100), size));
            offset += 512 + (int)((size + 511) / 512 * 512);
        }

        return entries;
    }

    public static byte[] ReadEntry(string tarPath, string name)
    {
        using var reader = new ImageFormat.Tar.TarEntryReader(File.OpenRead(tarPath), leaveOpen: false);
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.Name == name)
            {
                using var buffer = new MemoryStream();
                reader.OpenEntryData().CopyTo(buffer);
                return buffer.ToArray();
            }
        }

        throw new FileNotFoundException(name);
    }
}
