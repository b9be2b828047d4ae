using System.Security.Cryptography;
using FluentAssertions;
using ImageFormat.Containment;
using ImageFormat.Layers;
using ImageFormat.Tar;

namespace ImageFormat.Tests.Containment;

/// <summary>
/// A directory outside the tree under test, full of things a walk that follows links would read or remove. Its
/// state (type, mode, owner, size, modification time with nanoseconds, inode and content of every entry, the
/// directory itself included) is taken at creation and must be identical after the operation.
/// </summary>
internal sealed class Canary
{
    private readonly string _before;

    public Canary(string directory)
    {
        Path = directory;
        Directory.CreateDirectory(System.IO.Path.Combine(directory, "sub"));
        File.WriteAllText(System.IO.Path.Combine(directory, "secret"), "host secret\n");
        File.WriteAllText(System.IO.Path.Combine(directory, "sub", "file"), "host file\n");
        File.WriteAllText(System.IO.Path.Combine(directory, "linked"), "hard-linked from inside\n");
        foreach (string path in new[] { "secret", "sub/file", "linked", "sub", "" })
        {
            string full = System.IO.Path.Combine(directory, path);
            Native.LSetTimes(full, DateTimeOffset.FromUnixTimeSeconds(1_000_000_000), DateTimeOffset.FromUnixTimeSeconds(1_000_000_000).AddTicks(1234567));
        }

        _before = Snapshot(directory);
    }

    /// <summary>The canary's full path.</summary>
    public string Path { get; }

    /// <summary>Asserts nothing in the canary changed.</summary>
    public void ShouldBeUntouched() => Snapshot(Path).Should().Be(_before, "nothing outside the tree may be read into it or changed");

    private static string Snapshot(string directory)
    {
        var lines = new List<string>();
        void Add(string full, string relative)
        {
            FileStatus status = Native.LStat(full) ?? throw new FileNotFoundException(full);
            string content = status.Type == Native.S_IFREG ? Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(full))) : "-";
            lines.Add($"{relative} mode={Convert.ToString(status.Mode, 8)} uid={status.Uid} gid={status.Gid} size={(status.IsDirectory ? 0 : status.Size)} mtime={status.MtimeSeconds}.{status.MtimeNanoseconds} ino={status.Inode} {content}");
        }

        Add(directory, ".");
        foreach (string full in Directory.EnumerateFileSystemEntries(directory, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }).Order(StringComparer.Ordinal))
        {
            Add(full, full[(directory.Length + 1)..]);
        }

        return string.Join('\n', lines);
    }

    /// <summary>Every entry of a tar as <c>type name[ -> link][ = content]</c>, in order.</summary>
    public static List<string> TarEntries(byte[] tar)
    {
        var result = new List<string>();
        using var reader = new TarEntryReader(new MemoryStream(tar));
        while (reader.GetNextEntry() is { } entry)
        {
            string line = $"{entry.Type} {entry.Name}";
            if (entry.Type is TarEntryKind.SymbolicLink or TarEntryKind.HardLink)
            {
                line += " -> " + entry.LinkName;
            }
            else if (entry.Type == TarEntryKind.RegularFile)
            {
                using var content = new StreamReader(reader.OpenEntryData());
                line += " = " + content.ReadToEnd();
            }

            result.Add(line);
        }

        return result;
    }
}
