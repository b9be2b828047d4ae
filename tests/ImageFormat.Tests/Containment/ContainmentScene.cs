using System.Globalization;
using System.Text;
using FluentAssertions;
using ImageFormat.Containment;
using ImageFormat.Layers;
using ImageFormat.Tests.Layers;
using ImageFormat.Tests.TestSupport;

namespace ImageFormat.Tests.Containment;

/// <summary>
/// A temporary directory holding <c>root/</c> (where layers are applied) and, beside it, <c>canary/</c>: a file
/// <c>secret</c>, a directory <c>sub/</c> with a file <c>f</c>, all with fixed modes and old times. After an attack,
/// <see cref="AssertCanaryIntact"/> compares every byte, mode, owner, link count, inode and time of the canary with
/// the snapshot taken before, and checks that nothing else appeared beside the root.
/// </summary>
internal sealed class ContainmentScene : IDisposable
{
    private static readonly DateTime s_old = new(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc);
    private readonly TempDirectory _temp = new();
    private readonly List<string> _before;
    private readonly string[] _siblings;

    public ContainmentScene(params string[] extraSiblings)
    {
        Root = _temp.Combine("root");
        Canary = _temp.Combine("canary");
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Path.Combine(Canary, "sub"));
        File.WriteAllText(Path.Combine(Canary, "secret"), "canary");
        File.WriteAllText(Path.Combine(Canary, "sub", "f"), "canary-f");
        Native.Chmod(Path.Combine(Canary, "secret"), 0x1A4);
        Native.Chmod(Path.Combine(Canary, "sub", "f"), 0x1A4);
        foreach (string path in new[] { Path.Combine(Canary, "sub", "f"), Path.Combine(Canary, "secret"), Path.Combine(Canary, "sub"), Canary })
        {
            File.SetLastWriteTimeUtc(path, s_old);
            File.SetLastAccessTimeUtc(path, s_old);
        }

        _siblings = ["canary", "root", .. extraSiblings];
        _before = Snapshot(Canary);
    }

    public string Temp => _temp.Path;

    public string Root { get; }

    public string Canary { get; }

    /// <summary>Every object under <paramref name="directory"/> (itself included), never following a link: one line each.</summary>
    public static List<string> Snapshot(string directory)
    {
        var lines = new List<string>();
        var pending = new Stack<string>();
        pending.Push(directory);
        while (pending.Count > 0)
        {
            string path = pending.Pop();
            FileStatus status = Native.LStat(path)!.Value;
            var line = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"{Path.GetRelativePath(directory, path)} mode={status.Mode:x} uid={status.Uid} gid={status.Gid} nlink={status.Nlink} ino={status.Inode} size={status.Size} mtime={status.MtimeSeconds}.{status.MtimeNanoseconds}"));
            if (status.Type == Native.S_IFREG)
            {
                line.Append(" data=").Append(Convert.ToHexString(File.ReadAllBytes(path)));
            }
            else if (status.IsSymlink)
            {
                line.Append(" link=").Append(Native.ReadLink(path));
            }

            lines.Add(line.ToString());
            if (status.IsDirectory)
            {
                foreach (string child in Directory.EnumerateFileSystemEntries(path).Order(StringComparer.Ordinal).Reverse())
                {
                    pending.Push(child);
                }
            }
        }

        return lines;
    }

    public void AssertCanaryIntact()
    {
        Directory.EnumerateFileSystemEntries(Temp).Select(Path.GetFileName).Order(StringComparer.Ordinal)
            .Should().Equal(_siblings.Order(StringComparer.Ordinal), "nothing may appear beside the root");
        Snapshot(Canary).Should().Equal(_before, "the canary beside the root must be byte-, mode-, owner- and time-identical");
        Native.LStat(Root)!.Value.IsDirectory.Should().BeTrue();
    }

    /// <summary>Applies the layers in order onto the root (in process).</summary>
    public LayerExtractResult Apply(LayerExtractOptions? options, params LayerTar[] layers)
    {
        var result = new LayerExtractResult();
        for (int i = 0; i < layers.Length; i++)
        {
            using MemoryStream tar = layers[i].ToStream();
            LayerExtractResult one = LayerExtractor.ApplyLayer(tar, Root, $"L{i}", options);
            result.SkippedList.AddRange(one.SkippedList);
            result.ComponentLookups += one.ComponentLookups;
        }

        return result;
    }

    /// <summary>A Docker archive (manifest.json, config, one tar per layer) of an image tagged <c>evil:1</c>.</summary>
    public string WriteArchive(string fileName, params LayerTar[] layers)
    {
        var diffIds = new List<string>();
        using var archive = new MemoryStream();
        using (var writer = new ImageFormat.Tar.TarEntryWriter(archive, leaveOpen: true))
        {
            var names = new List<string>();
            for (int i = 0; i < layers.Length; i++)
            {
                byte[] tar = layers[i].ToBytes();
                diffIds.Add(ImageFormat.Digests.Digest.Compute(tar).ToString());
                names.Add($"l{i}.tar");
                writer.WriteEntry(new ImageFormat.Tar.TarEntryHeader { Name = $"l{i}.tar", Size = tar.Length, Mode = 0x1A4 }, new MemoryStream(tar));
            }

            byte[] config = Encoding.UTF8.GetBytes($"{{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{{}},\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[{string.Join(',', diffIds.Select(d => $"\"{d}\""))}]}}}}");
            string configName = ImageFormat.Digests.Digest.Compute(config).Encoded + ".json";
            writer.WriteEntry(new ImageFormat.Tar.TarEntryHeader { Name = configName, Size = config.Length, Mode = 0x1A4 }, new MemoryStream(config));
            byte[] manifest = Encoding.UTF8.GetBytes($"[{{\"Config\":\"{configName}\",\"RepoTags\":[\"evil:1\"],\"Layers\":[{string.Join(',', names.Select(n => $"\"{n}\""))}]}}]");
            writer.WriteEntry(new ImageFormat.Tar.TarEntryHeader { Name = "manifest.json", Size = manifest.Length, Mode = 0x1A4 }, new MemoryStream(manifest));
            writer.Finish();
        }

        string path = Path.Combine(Temp, fileName);
        File.WriteAllBytes(path, archive.ToArray());
        return path;
    }

    public void Dispose() => _temp.Dispose();
}
