using System.Text;
using ImageFormat.Tar;

namespace ImageFormat.Fuzz;

/// <summary>Where seed material comes from: the repository's sample and test data, and small tars made here.</summary>
/// <param name="RepositoryRoot">The directory holding ImageFormat.sln.</param>
public sealed record SeedSources(string RepositoryRoot)
{
    private static readonly DateTimeOffset s_time = new(2024, 1, 2, 3, 4, 5, TimeSpan.Zero);

    /// <summary><c>samples/hello.tar</c>, made by Docker 20.10.</summary>
    public byte[] HelloTar => File.ReadAllBytes(Path.Combine(RepositoryRoot, "samples", "hello.tar"));

    /// <summary>The JSON documents of <c>tests/ImageFormat.Tests/Model/TestData</c> (real documents from real tools).</summary>
    public IEnumerable<(string Name, byte[] Data)> ModelDocuments()
    {
        string folder = Path.Combine(RepositoryRoot, "tests", "ImageFormat.Tests", "Model", "TestData");
        foreach (string file in Directory.GetFiles(folder).Order(StringComparer.Ordinal))
        {
            if (!file.EndsWith(".md", StringComparison.Ordinal))
            {
                yield return (Path.GetFileName(file), File.ReadAllBytes(file));
            }
        }
    }

    /// <summary>Finds the repository root above <paramref name="start"/>.</summary>
    /// <param name="start">Where to start.</param>
    /// <returns>The sources.</returns>
    public static SeedSources FindFrom(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ImageFormat.sln")))
            {
                return new SeedSources(dir.FullName);
            }
        }

        throw new DirectoryNotFoundException($"no ImageFormat.sln above {start}");
    }

    /// <summary>The hostile layers the library's own tests use (escapes, links, whiteouts, loops), each a small tar.</summary>
    public static IEnumerable<(string Name, byte[] Data)> HostileLayers()
    {
        yield return ("plain-files", Tar(t => t.Dir("etc/").File("etc/passwd", "root:x:0:0::/root:/bin/sh\n").File("greeting", "hello\n", mode: 0x1ED)));
        yield return ("dotdot-name", Tar(t => t.File("../escaped", "x")));
        yield return ("absolute-name", Tar(t => t.File("/abs", "x")));
        yield return ("symlink-parent-out", Tar(t => t.Symlink("up", "../canary").File("up/secret", "overwritten")));
        yield return ("symlink-abs-out", Tar(t => t.Symlink("etc", "/").File("etc/owned", "x")));
        yield return ("symlink-missing-dotdot", Tar(t => t.Symlink("x", "missing/../../canary").Whiteout("x/.wh.secret").HardLink("h", "x/secret")));
        yield return ("symlink-loop", Tar(t => t.Symlink("a", "b").Symlink("b", "a").File("a/f", "x").Symlink("self", ".").File("self/self/f", "y")));
        yield return ("file-over-symlink", Tar(t => t.Symlink("f", "../canary/secret").File("f", "replaced")));
        yield return ("hardlink-out", Tar(t => t.HardLink("h", "../canary/secret").HardLink("h2", "/etc/passwd")));
        yield return ("hardlink-dir", Tar(t => t.Dir("d/").HardLink("h", "d")));
        yield return ("hardlink-symlink", Tar(t => t.Symlink("s", "../canary").HardLink("h", "s").File("h/x", "y")));
        yield return ("whiteouts", Tar(t => t.Dir("d/").File("d/f", "x").Whiteout("d/.wh.f").Whiteout("d/.wh..wh..opq").Whiteout(".wh...").Whiteout("../.wh.canary")));
        yield return ("opaque-through-link", Tar(t => t.Symlink("l", "../canary").Whiteout("l/.wh..wh..opq")));
        yield return ("root-replaced", Tar(t => t.Symlink(".", "/tmp").File("./", "x")));
        yield return ("device-through-link", Tar(t => t.Symlink("dev", "../canary").Add(new TarEntryHeader { Name = "dev/null2", Type = TarEntryKind.CharacterDevice, DevMajor = 1, DevMinor = 3, Mode = 0x1B6, ModificationTime = s_time }, null)));
        yield return ("deep", Tar(t => t.File(string.Join('/', Enumerable.Repeat("d", 60)) + "/f", "deep")));
        yield return ("pax-nul", Raw(Pax("path", "a\0b"), Header("pax", '0', 1), Block("A"u8)));
        yield return ("pax-sparse-claim", Raw(Pax("GNU.sparse.size", "1099511627776") + Pax("GNU.sparse.map", "1099511627000,1") + Pax("GNU.sparse.name", "big"), Header("big", '0', 1), Block("B"u8)));
        yield return ("gnu-longname", Raw(Header("././@LongLink", 'L', 300), Block(Encoding.ASCII.GetBytes(new string('n', 299) + "\0")), Header("short", '0', 0)));
        yield return ("base256-size", Raw(Base256Size(Header("b256", '0', 0), 3), Block("abc"u8)));
        yield return ("owner-mode-time", Tar(t => t.File("setuid", "x", mode: 0xDED, uid: 1234, gid: 5678).Dir("dir/", mode: 0).File("dir/f", "y")));
    }

    /// <summary>Concatenates raw blocks and the two zero blocks that end an archive.</summary>
    /// <param name="parts">Header and data blocks.</param>
    /// <returns>The tar's bytes.</returns>
    public static byte[] Raw(params byte[][] parts) => [.. parts.SelectMany(p => p), .. new byte[1024]];

    /// <summary>A PAX extended header (type <c>x</c>) and its data, from <c>key=value</c> records given as text.</summary>
    private static byte[] Raw(string records, params byte[][] rest)
    {
        byte[] data = Encoding.UTF8.GetBytes(records);
        return [.. Header("PaxHeaders/x", 'x', data.Length), .. Block(data), .. rest.SelectMany(p => p)];
    }

    /// <summary>One PAX record, with its length prefix computed.</summary>
    private static string Pax(string key, string value)
    {
        string body = $" {key}={value}\n";
        int length = body.Length + 1;
        while ($"{length}{body}".Length != length)
        {
            length++;
        }

        return $"{length}{body}";
    }

    /// <summary>Data padded to whole 512-byte blocks.</summary>
    private static byte[] Block(ReadOnlySpan<byte> data)
    {
        byte[] block = new byte[(data.Length + 511) / 512 * 512];
        data.CopyTo(block);
        return block;
    }

    /// <summary>A ustar header block with a correct checksum.</summary>
    public static byte[] Header(string name, char type, long size, string link = "")
    {
        byte[] h = new byte[512];
        Encoding.UTF8.GetBytes(name.Length > 100 ? name[..100] : name).CopyTo(h, 0);
        Encoding.ASCII.GetBytes("0000644\0").CopyTo(h, 100);
        Encoding.ASCII.GetBytes("0000000\0").CopyTo(h, 108);
        Encoding.ASCII.GetBytes("0000000\0").CopyTo(h, 116);
        Encoding.ASCII.GetBytes(Convert.ToString(size, 8).PadLeft(11, '0') + "\0").CopyTo(h, 124);
        Encoding.ASCII.GetBytes("14545300000\0").CopyTo(h, 136);
        h[156] = (byte)type;
        Encoding.UTF8.GetBytes(link).CopyTo(h, 157);
        Encoding.ASCII.GetBytes("ustar\000").CopyTo(h, 257);
        return Checksummed(h);
    }

    private static byte[] Base256Size(byte[] header, long size)
    {
        Array.Clear(header, 124, 12);
        header[124] = 0x80;
        for (int i = 135; i > 124; i--, size >>= 8)
        {
            header[i] = (byte)size;
        }

        return Checksummed(header);
    }

    private static byte[] Checksummed(byte[] h)
    {
        "        "u8.CopyTo(h.AsSpan(148));
        int sum = h.Sum(b => b);
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(h, 148);
        return h;
    }

    /// <summary>Builds a tar with the library's writer.</summary>
    /// <param name="build">Adds the entries.</param>
    /// <returns>The tar's bytes.</returns>
    public static byte[] Tar(Action<TarBuild> build)
    {
        ArgumentNullException.ThrowIfNull(build);
        var tar = new TarBuild();
        build(tar);
        return tar.ToBytes();
    }

    /// <summary>A small tar being built.</summary>
    public sealed class TarBuild
    {
        private readonly List<(TarEntryHeader Header, byte[]? Data)> _entries = [];

        /// <summary>Adds a directory.</summary>
        public TarBuild Dir(string name, int mode = 0x1ED) => Add(new TarEntryHeader { Name = name, Type = TarEntryKind.Directory, Mode = mode, ModificationTime = s_time }, null);

        /// <summary>Adds a regular file.</summary>
        public TarBuild File(string name, string content, int mode = 0x1A4, long uid = 0, long gid = 0)
        {
            byte[] data = Encoding.UTF8.GetBytes(content);
            return Add(new TarEntryHeader { Name = name, Size = data.Length, Mode = mode, Uid = uid, Gid = gid, ModificationTime = s_time }, data);
        }

        /// <summary>Adds a symbolic link.</summary>
        public TarBuild Symlink(string name, string target) => Add(new TarEntryHeader { Name = name, Type = TarEntryKind.SymbolicLink, LinkName = target, Mode = 0x1FF, ModificationTime = s_time }, null);

        /// <summary>Adds a hard link.</summary>
        public TarBuild HardLink(string name, string target) => Add(new TarEntryHeader { Name = name, Type = TarEntryKind.HardLink, LinkName = target, Mode = 0x1A4, ModificationTime = s_time }, null);

        /// <summary>Adds an empty file (a whiteout when its name says so).</summary>
        public TarBuild Whiteout(string name) => File(name, string.Empty);

        /// <summary>Adds any entry.</summary>
        public TarBuild Add(TarEntryHeader header, byte[]? data)
        {
            _entries.Add((header, data));
            return this;
        }

        /// <summary>The tar's bytes; an entry the writer refuses is left out.</summary>
        public byte[] ToBytes()
        {
            using var output = new MemoryStream();
            using (var writer = new TarEntryWriter(output, leaveOpen: true))
            {
                foreach ((TarEntryHeader header, byte[]? data) in _entries)
                {
                    try
                    {
                        writer.WriteEntry(header, data is null ? null : new MemoryStream(data));
                    }
                    catch (ArgumentException)
                    {
                        // The writer refuses what it cannot write (a NUL in a PAX value, say): the seed goes without it.
                    }
                }

                writer.Finish();
            }

            return output.ToArray();
        }
    }
}
