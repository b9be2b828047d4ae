using System.Text;
using FluentAssertions;
using ImageFormat.Errors;
using ImageFormat.Tar;
using Xunit;

namespace ImageFormat.Tests.Tar;

public class TarWriterTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(1_600_000_000);
    private static readonly byte[] Capability = Convert.FromHexString("0100000200040000000000000000000000000000");

    private static byte[] Write(params (TarEntryHeader Header, byte[]? Data)[] entries)
    {
        var output = new MemoryStream();
        using (var writer = new TarEntryWriter(output, leaveOpen: true))
        {
            foreach ((TarEntryHeader h, byte[]? d) in entries)
            {
                writer.WriteEntry(h, d is null ? null : new MemoryStream(d));
            }
        }

        return output.ToArray();
    }

    /// <summary>A header block laid out field by field, as the ustar specification and Go's writer fill it.</summary>
    private static byte[] Block(string name, string mode, string size, string mtime, char type, string uname = "", string gname = "", string ids = "0000000", bool devFields = true)
    {
        byte[] b = new byte[512];
        void Put(int offset, string s) => Encoding.ASCII.GetBytes(s).CopyTo(b, offset);
        Put(0, name);
        Put(100, mode + "\0");
        Put(108, ids + "\0");
        Put(116, ids + "\0");
        Put(124, size + "\0");
        Put(136, mtime + "\0");
        b[156] = (byte)type;
        Put(257, "ustar\0" + "00");
        Put(265, uname);
        Put(297, gname);
        if (devFields)
        {
            Put(329, "0000000\0" + "0000000\0");
        }

        int sum = 0;
        for (int i = 0; i < 512; i++)
        {
            sum += i is >= 148 and < 156 ? ' ' : b[i];
        }

        Put(148, Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ");
        return b;
    }

    [Fact]
    public void Ustar_entry_has_the_exact_bytes_Go_writes()
    {
        var header = new TarEntryHeader
        {
            Name = "hello.txt", Mode = 0x1a4, Uid = 1000, Gid = 1000, UserName = "u", GroupName = "g",
            ModificationTime = T0, Size = 5,
        };
        byte[] archive = Write((header, "hello"u8.ToArray()));

        byte[] expected = Block("hello.txt", "0000644", "00000000005", "13727410000", '0', "u", "g", ids: "0001750");
        // The checksum derived by hand: Python's tarfile gives 010223 for this header without device fields;
        // Go's "0000000\0" device fields add 14 × '0' (48) = 672, so 4243 + 672 = 4915 = 011463.
        Encoding.ASCII.GetString(expected, 148, 8).Should().Be("011463\0 ");
        archive.Length.Should().Be(512 + 512 + 1024);
        archive.AsSpan(0, 512).ToArray().Should().Equal(expected);
        Encoding.ASCII.GetString(archive, 512, 5).Should().Be("hello");
        archive.Skip(517).Should().OnlyContain(b => b == 0);
    }

    [Fact]
    public void Pax_entry_has_the_exact_bytes_Go_writes()
    {
        var header = new TarEntryHeader
        {
            Name = "dir/file.txt", Mode = 0x1ed, ModificationTime = T0.AddTicks(5_000_000), Size = 2,
            Xattrs = new Dictionary<string, byte[]> { ["security.capability"] = Capability },
        };
        byte[] archive = Write((header, "hi"u8.ToArray()));

        // Records sorted by key (uppercase first); each length counts its own digits: 32+20+3+2 = 57, 5+12+3+2 = 22.
        byte[] records = [.. "57 SCHILY.xattr.security.capability="u8, .. Capability, (byte)'\n', .. "22 mtime=1600000000.5\n"u8];
        records.Length.Should().Be(79);
        byte[] meta = Block("dir/PaxHeaders.0/file.txt", "0000000", "00000000117", "00000000000", 'x', devFields: false);
        byte[] main = Block("dir/file.txt", "0000755", "00000000002", "13727410000", '0');

        archive.Length.Should().Be(512 * 4 + 1024);
        archive.AsSpan(0, 512).ToArray().Should().Equal(meta);
        archive.AsSpan(512, 79).ToArray().Should().Equal(records);
        archive.AsSpan(512 + 79, 512 - 79).ToArray().Should().OnlyContain(b => b == 0);
        archive.AsSpan(1024, 512).ToArray().Should().Equal(main);
        Encoding.ASCII.GetString(archive, 1536, 2).Should().Be("hi");
    }

    [Fact]
    public void Long_ascii_names_are_split_into_the_ustar_prefix_without_a_pax_header()
    {
        string name = new string('p', 120) + "/" + new string('n', 90);
        byte[] archive = Write((new TarEntryHeader { Name = name, ModificationTime = T0 }, null));
        archive.Length.Should().Be(512 + 1024);
        Encoding.ASCII.GetString(archive, 0, 90).Should().Be(new string('n', 90));
        Encoding.ASCII.GetString(archive, 345, 121).Should().Be(new string('p', 120) + "\0");
        TarTestRead.ReadAll(new MemoryStream(archive)).Single().Header.Name.Should().Be(name);
    }

    [Fact]
    public void Same_headers_give_the_same_bytes()
    {
        TarEntryHeader[] headers =
        [
            new() { Name = "a/", Type = TarEntryKind.Directory, Mode = 0x1ed, ModificationTime = T0 },
            new() { Name = "a/é.txt", Size = 3, ModificationTime = T0.AddTicks(1), Uid = 3_000_000, Xattrs = new Dictionary<string, byte[]> { ["user.b"] = [1], ["user.a"] = [2] } },
        ];
        byte[] first = Write((headers[0], null), (headers[1], [1, 2, 3]));
        byte[] second = Write((headers[0], null), (headers[1], [1, 2, 3]));
        second.Should().Equal(first);
        Encoding.ASCII.GetString(first, 512, 100).TrimEnd('\0').Should().Be("a/PaxHeaders.0/.txt", "non-ASCII is dropped from the header name, as Go does");
    }

    [Fact]
    public void Data_shorter_than_the_size_is_refused()
    {
        using var writer = new TarEntryWriter(new MemoryStream());
        Action act = () => writer.WriteEntry(new TarEntryHeader { Name = "f", Size = 10 }, new MemoryStream(new byte[9]));
        act.Should().Throw<InvalidArchiveException>().Where(e => e.Code == ErrorCodes.InvalidTar && e.Entry == "f")
            .WithMessage("f: the data stream ended after 9 of 10 bytes");
        writer.Invoking(w => w.WriteEntry(new TarEntryHeader { Name = "g" }, null)).Should().Throw<InvalidOperationException>();
    }

    [Fact]
    public void Data_longer_than_the_size_is_refused()
    {
        using var writer = new TarEntryWriter(new MemoryStream());
        Action act = () => writer.WriteEntry(new TarEntryHeader { Name = "f", Size = 10 }, new MemoryStream(new byte[11]));
        act.Should().Throw<InvalidArchiveException>().WithMessage("f: the data stream is longer than the entry's size of 10 bytes");
    }

    [Fact]
    public void Headers_that_cannot_be_written_are_argument_errors()
    {
        using var writer = new TarEntryWriter(new MemoryStream());
        writer.Invoking(w => w.WriteEntry(new TarEntryHeader { Name = "d", Type = TarEntryKind.Directory, Size = 1 }, new MemoryStream([1])))
            .Should().Throw<ArgumentException>();
        writer.Invoking(w => w.WriteEntry(new TarEntryHeader { Name = "f/" }, null)).Should().Throw<ArgumentException>();
        writer.Invoking(w => w.WriteEntry(new TarEntryHeader { Name = "f\0" }, null)).Should().Throw<ArgumentException>();
        writer.Invoking(w => w.WriteEntry(new TarEntryHeader { Name = "f", Size = 1 }, null)).Should().Throw<ArgumentException>();
        writer.Invoking(w => w.WriteEntry(new TarEntryHeader { Name = "s", IsSparse = true }, null)).Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Archives_round_trip_through_GNU_tar()
    {
        ToolSandbox.RequireGnuTar();
        using var box = new ToolSandbox();
        string longName = string.Join('/', Enumerable.Repeat(new string('d', 60), 4)) + "/" + new string('f', 40);
        string longTarget = "/" + new string('t', 150);
        TarEntryHeader[] headers =
        [
            new() { Name = "dir/", Type = TarEntryKind.Directory, Mode = 0x3ff, ModificationTime = T0, UserName = "root", GroupName = "root" },
            new() { Name = "dir/file", Size = 6, Mode = 0x9ed, Uid = 3_000_000, Gid = 42, UserName = "alice", GroupName = "staff", ModificationTime = T0.AddTicks(1_234_567) },
            new() { Name = "dir/hard", Type = TarEntryKind.HardLink, LinkName = "dir/file", ModificationTime = T0 },
            new() { Name = "dir/sym", Type = TarEntryKind.SymbolicLink, LinkName = "file", Mode = 0x1ff, ModificationTime = T0 },
            new() { Name = longName, Size = 5, Mode = 0x1a4, ModificationTime = T0 },
            new() { Name = "longlink", Type = TarEntryKind.SymbolicLink, LinkName = longTarget, Mode = 0x1ff, ModificationTime = T0 },
            new() { Name = "café", Size = 1, Mode = 0x1a4, ModificationTime = T0, Xattrs = new Dictionary<string, byte[]> { ["user.k"] = [(byte)'v', 0, 0xff] } },
            new() { Name = "chr", Type = TarEntryKind.CharacterDevice, DevMajor = 1, DevMinor = 3, Mode = 0x1b6, ModificationTime = T0 },
        ];
        byte[][] data = [[], "hello\n"u8.ToArray(), [], [], "long\n"u8.ToArray(), [], "c"u8.ToArray(), []];
        File.WriteAllBytes(box.PathOf("w.tar"), Write(headers.Zip(data, (h, d) => (h, (byte[]?)d)).ToArray()));

        string listing = box.Sh("tar --numeric-owner --full-time -tvf w.tar");
        string[] lines = listing.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => System.Text.RegularExpressions.Regex.Replace(l, " +", " ")).ToArray();
        lines.Should().HaveCount(8);
        lines[0].Should().Be("drwxrwxrwt 0/0 0 2020-09-13 12:26:40 dir/");
        lines[1].Should().Be("-rwsr-xr-x 3000000/42 6 2020-09-13 12:26:40.1234567 dir/file");
        lines[2].Should().Be("h--------- 0/0 0 2020-09-13 12:26:40 dir/hard link to dir/file");
        lines[3].Should().Be("lrwxrwxrwx 0/0 0 2020-09-13 12:26:40 dir/sym -> file");
        lines[4].Should().EndWith(" " + longName);
        lines[5].Should().EndWith("longlink -> " + longTarget);
        lines[6].Should().EndWith(" caf\\303\\251", "GNU tar escapes non-ASCII bytes in the C locale");
        lines[7].Should().Be("crw-rw-rw- 0/0 1,3 2020-09-13 12:26:40 chr");

        box.Sh("mkdir x && tar --xattrs --xattrs-include='*' -C x -xf w.tar");
        File.ReadAllText(box.PathOf("x/dir/file")).Should().Be("hello\n");
        File.ReadAllText(box.PathOf("x/" + longName)).Should().Be("long\n");
        box.Sh("stat -c '%a %Y' x/dir/file").Should().Be("4755 1600000000\n");
        File.ResolveLinkTarget(box.PathOf("x/longlink"), returnFinalTarget: false)!.FullName.Should().Be(longTarget);
        box.Sh("stat -c %i x/dir/file").Should().Be(box.Sh("stat -c %i x/dir/hard"));

        // Our reader sees what we wrote.
        var back = TarTestRead.ReadFile(box.PathOf("w.tar"));
        back.Select(e => e.Header.Name).Should().Equal(headers.Select(h => h.Name));
        back[1].Header.Should().BeEquivalentTo(new { Uid = 3_000_000L, Mode = 0x9ed, ModificationTime = headers[1].ModificationTime, Format = TarFormat.Pax });
        back[6].Header.Xattrs["user.k"].Should().Equal((byte)'v', 0, 0xff);
        back[7].Header.Should().BeEquivalentTo(new { DevMajor = 1, DevMinor = 3, Format = TarFormat.Ustar });
    }
}
