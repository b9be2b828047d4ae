using System.Text;
using FluentAssertions;
using ImageFormat.Errors;
using ImageFormat.Tar;
using Xunit;

namespace ImageFormat.Tests.Tar;

/// <summary>Hand-crafted malformed archives: each must end in a typed exception, never a hang or a huge allocation.</summary>
public class TarReaderHostileTests
{
    private static byte[] OneFile(string name, byte[] content)
    {
        var output = new MemoryStream();
        using (var writer = new TarEntryWriter(output, leaveOpen: true))
        {
            writer.WriteEntry(new TarEntryHeader { Name = name, Size = content.Length, Mode = 0x1a4 }, new MemoryStream(content));
        }

        return output.ToArray();
    }

    /// <summary>A header block with raw fields, correct checksum; followed by <paramref name="body"/> padded.</summary>
    private static byte[] RawEntry(char type, string name, byte[] body, Action<byte[]>? patch = null, long? declaredSize = null)
    {
        byte[] b = new byte[512];
        Encoding.ASCII.GetBytes(name).CopyTo(b, 0);
        Encoding.ASCII.GetBytes("0000644\0").CopyTo(b, 100);
        Encoding.ASCII.GetBytes(Convert.ToString(declaredSize ?? body.Length, 8).PadLeft(11, '0') + "\0").CopyTo(b, 124);
        Encoding.ASCII.GetBytes("00000000000\0").CopyTo(b, 136);
        b[156] = (byte)type;
        Encoding.ASCII.GetBytes("ustar\0" + "00").CopyTo(b, 257);
        patch?.Invoke(b);
        Rechecksum(b);
        byte[] padded = new byte[(body.Length + 511) / 512 * 512];
        body.CopyTo(padded, 0);
        return [.. b, .. padded];
    }

    private static void Rechecksum(byte[] block)
    {
        int sum = 0;
        for (int i = 0; i < 512; i++)
        {
            sum += i is >= 148 and < 156 ? ' ' : block[i];
        }

        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(block, 148);
    }

    private static byte[] Pax(string records) => Encoding.UTF8.GetBytes(records);

    /// <summary>Well-formed records: each "LEN key=value\n" where LEN counts the whole record, its own digits included.</summary>
    private static byte[] Recs(params (string Key, string Value)[] records)
    {
        var sb = new StringBuilder();
        foreach ((string k, string v) in records)
        {
            int body = k.Length + v.Length + 3;
            int len = body + body.ToString().Length;
            len = body + len.ToString().Length;
            sb.Append(len).Append(' ').Append(k).Append('=').Append(v).Append('\n');
        }

        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    private static Action ReadAll(byte[] archive, bool seekable = true, ImageFormatLimits? limits = null) => () =>
    {
        Stream s = seekable ? new MemoryStream(archive) : new NonSeekableStream(new MemoryStream(archive));
        TarTestRead.ReadAll(s, limits);
    };

    [Fact]
    public void Clean_end_at_a_block_boundary_ends_the_archive()
    {
        byte[] archive = OneFile("f", [1, 2, 3]);
        TarTestRead.ReadAll(new MemoryStream(archive[..1024])).Single().Header.Name.Should().Be("f");
        TarTestRead.ReadAll(new MemoryStream(archive[..1536])).Should().ContainSingle("one zero block then the end of the stream is an end too");
    }

    [Fact]
    public void Truncated_header_is_refused()
    {
        ReadAll(OneFile("f", [1])[..300]).Should().Throw<InvalidArchiveException>()
            .Where(e => e.Code == ErrorCodes.InvalidTar).WithMessage("truncated archive: the archive ends inside a header block at offset 0 (300 of 512 bytes)");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Truncated_data_is_refused_when_read_and_when_skipped(bool seekable)
    {
        byte[] archive = OneFile("f", new byte[1000])[..612];
        ReadAll(archive, seekable).Should().Throw<InvalidArchiveException>()
            .Where(e => e.Code == ErrorCodes.InvalidTar && e.Entry == "f").WithMessage("f: truncated archive: the archive ends inside the entry's data (900 bytes missing)");

        Stream s = seekable ? new MemoryStream(archive) : new NonSeekableStream(new MemoryStream(archive));
        using var reader = new TarEntryReader(s);
        reader.GetNextEntry()!.Size.Should().Be(1000);
        reader.Invoking(r => r.GetNextEntry()).Should().Throw<InvalidArchiveException>().Where(e => e.Entry == "f");
    }

    [Fact]
    public void Bad_checksum_is_refused()
    {
        byte[] archive = OneFile("f", [1]);
        archive[0] = (byte)'g';
        ReadAll(archive).Should().Throw<InvalidArchiveException>().Where(e => e.Code == ErrorCodes.InvalidTar)
            .WithMessage("the header block at offset 0 has a bad checksum*");
    }

    [Fact]
    public void Garbage_is_refused()
    {
        byte[] garbage = new byte[4096];
        new Random(42).NextBytes(garbage);
        ReadAll(garbage).Should().Throw<InvalidArchiveException>().WithMessage("*bad checksum*");
    }

    [Fact]
    public void Negative_base256_size_is_refused()
    {
        byte[] archive = RawEntry('0', "neg", [], b =>
        {
            Array.Fill(b, (byte)0xff, 124, 12);
        });
        ReadAll(archive).Should().Throw<InvalidArchiveException>().WithMessage("neg: negative size -1");
    }

    [Fact]
    public void Overflowing_base256_number_is_refused()
    {
        byte[] archive = RawEntry('0', "big", [], b =>
        {
            b[124] = 0x80;
            Array.Fill(b, (byte)0x7f, 125, 11);
        });
        ReadAll(archive).Should().Throw<InvalidArchiveException>().WithMessage("big: the size field * overflows");
    }

    [Fact]
    public void Non_octal_field_is_refused()
    {
        byte[] archive = RawEntry('0', "f", [], b => Encoding.ASCII.GetBytes("00009999\0").CopyTo(b, 108));
        ReadAll(archive).Should().Throw<InvalidArchiveException>().WithMessage("f: the uid field * is not a valid number or overflows");
    }

    [Theory]
    [InlineData("99 path=x\n")]
    [InlineData("3 a=\n")]
    [InlineData("12 path=abc")]
    [InlineData("x path=abc\n")]
    [InlineData("11 pathabc\n")]
    public void Pax_record_with_a_bad_length_or_shape_is_refused(string records)
    {
        byte[] archive = [.. RawEntry('x', "PaxHeaders.0/f", Pax(records)), .. OneFile("f", [])];
        ReadAll(archive).Should().Throw<InvalidArchiveException>().Where(e => e.Code == ErrorCodes.InvalidTar && e.Entry == "PaxHeaders.0/f");
    }

    [Fact]
    public void Pax_record_larger_than_the_limit_is_refused_before_it_is_read()
    {
        var limits = new ImageFormatLimits { MaxTarHeaderBytes = 1024 };
        byte[] ok = [.. RawEntry('x', "p", Pax("1024 path=" + new string('a', 1013) + "\n")), .. OneFile("f", [])];
        TarTestRead.ReadAll(new MemoryStream(ok), limits).Single().Header.Name.Should().Be(new string('a', 1013));

        byte[] tooBig = RawEntry('x', "p", [], declaredSize: 1025);
        ReadAll(tooBig, limits: limits).Should().Throw<LimitExceededException>()
            .Where(e => e.Limit == "MaxTarHeaderBytes" && e.Maximum == 1024 && e.Found == 1025);

        // A declared 8 GiB long name is refused without allocating it.
        byte[] huge = RawEntry('L', "././@LongLink", [], declaredSize: 0x1_ffff_ffff);
        ReadAll(huge).Should().Throw<LimitExceededException>().Where(e => e.Limit == "MaxTarHeaderBytes");
    }

    [Fact]
    public void Sparse_map_pointing_past_the_size_is_refused()
    {
        byte[] records = Recs(("GNU.sparse.size", "100"), ("GNU.sparse.map", "0,10,95,10"));
        byte[] archive = [.. RawEntry('x', "p", records), .. RawEntry('0', "s", new byte[20])];
        ReadAll(archive).Should().Throw<InvalidArchiveException>().WithMessage("s: sparse segment 95+10 ends past the file's size 100");
    }

    [Fact]
    public void Sparse_map_that_disagrees_with_the_stored_size_is_refused()
    {
        byte[] records = Recs(("GNU.sparse.size", "100"), ("GNU.sparse.map", "0,10,50,10"));
        byte[] archive = [.. RawEntry('x', "p", records), .. RawEntry('0', "s", new byte[25])];
        ReadAll(archive).Should().Throw<InvalidArchiveException>().WithMessage("s: the sparse map holds 20 bytes of data but the archive stores 25");
    }

    [Fact]
    public void Pax_sparse_0_1_expands_holes_with_zeros()
    {
        byte[] records = Recs(("GNU.sparse.size", "16"), ("GNU.sparse.map", "2,2,10,3"));
        byte[] archive = [.. RawEntry('x', "p", records), .. RawEntry('0', "s", "ABxyz"u8.ToArray()), .. new byte[1024]];
        using var reader = new TarEntryReader(new MemoryStream(archive));
        TarEntryHeader h = reader.GetNextEntry()!;
        h.SparseMap.Should().Equal(new TarSparseSegment(2, 2), new TarSparseSegment(10, 3));
        using var content = new MemoryStream();
        reader.OpenEntryData().CopyTo(content);
        content.ToArray().Should().Equal(0, 0, (byte)'A', (byte)'B', 0, 0, 0, 0, 0, 0, (byte)'x', (byte)'y', (byte)'z', 0, 0, 0);
    }

    [Fact]
    public void Too_many_entries_are_refused()
    {
        byte[] archive = [.. OneFile("a", [])[..512], .. OneFile("b", [])[..512], .. OneFile("c", [])];
        var limits = new ImageFormatLimits { MaxTarEntries = 2 };
        ReadAll(archive, limits: limits).Should().Throw<LimitExceededException>()
            .Where(e => e.Limit == "MaxTarEntries" && e.Subject == "c" && e.Found == 3);
    }

    [Fact]
    public void Zero_block_followed_by_data_is_refused()
    {
        byte[] archive = [.. new byte[512], .. OneFile("hidden", [1])];
        ReadAll(archive).Should().Throw<InvalidArchiveException>().WithMessage("*followed by a non-zero block*");
    }

    [Fact]
    public void Metadata_header_without_an_entry_is_refused()
    {
        byte[] archive = [.. RawEntry('L', "././@LongLink", "name\0"u8.ToArray()), .. new byte[1024]];
        ReadAll(archive).Should().Throw<InvalidArchiveException>().WithMessage("././@LongLink: a metadata header is followed by the end-of-archive marker instead of an entry");
        ReadAll(RawEntry('L', "././@LongLink", "name\0"u8.ToArray())).Should().Throw<InvalidArchiveException>().WithMessage("*without the entry it describes");
    }

    [Fact]
    public void Global_records_apply_to_every_following_entry_and_local_ones_win()
    {
        byte[] archive =
        [
            .. RawEntry('g', "global", Recs(("uname", "globe"), ("uid", "77"))),
            .. RawEntry('0', "a", []),
            .. RawEntry('x', "PaxHeaders.0/b", Recs(("uid", "88"))),
            .. RawEntry('0', "b", []),
            .. new byte[1024],
        ];
        var entries = TarTestRead.ReadAll(new MemoryStream(archive));
        entries.Select(e => (e.Header.Name, e.Header.UserName, e.Header.Uid, e.Header.Format))
            .Should().Equal(("a", "globe", 77L, TarFormat.Pax), ("b", "globe", 88L, TarFormat.Pax));
        entries[1].Header.PaxRecords.Select(r => r.Key).Should().Equal("uname", "uid", "uid");
        entries[0].Header.HeaderOffset.Should().Be(1024, "the global header belongs to no entry");
        entries[1].Header.HeaderOffset.Should().Be(1536, "the entry's own PAX header is part of it");
        entries[1].Header.DataOffset.Should().Be(3072);
    }

    private static byte[] SparseEntry(string name, long realSize) =>
        [.. RawEntry('x', "p", Recs(("GNU.sparse.size", realSize.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("GNU.sparse.map", "0,1"))), .. RawEntry('0', name, "A"u8.ToArray())];

    [Fact]
    public void Sparse_entry_of_exactly_MaxSparseEntryBytes_is_read_and_one_byte_more_is_refused()
    {
        var limits = ImageFormatLimits.Default with { MaxSparseEntryBytes = 1000 };
        ReadAll([.. SparseEntry("s", 1000), .. new byte[1024]], limits: limits).Should().NotThrow();
        ReadAll([.. SparseEntry("s", 1001), .. new byte[1024]], limits: limits).Should().Throw<LimitExceededException>()
            .Where(e => e.Limit == "MaxSparseEntryBytes" && e.Subject == "s" && e.Maximum == 1000 && e.Found == 1001);
    }

    [Fact]
    public void Sparse_entries_of_one_tar_are_summed_against_MaxSparseLayerBytes()
    {
        var limits = ImageFormatLimits.Default with { MaxSparseLayerBytes = 3000 };
        ReadAll([.. SparseEntry("a", 1500), .. SparseEntry("b", 1500), .. new byte[1024]], limits: limits).Should().NotThrow();
        ReadAll([.. SparseEntry("a", 1500), .. SparseEntry("b", 1501), .. new byte[1024]], limits: limits).Should().Throw<LimitExceededException>()
            .Where(e => e.Limit == "MaxSparseLayerBytes" && e.Subject == "b" && e.Found == 3001);
    }

    [Fact]
    public void Sparse_holes_are_held_to_the_expansion_ratio_of_the_tar_bytes_read()
    {
        // The entry's header is complete after 1536 tar bytes (PAX header, records, entry header).
        var limits = ImageFormatLimits.Default with { ExpansionAllowanceBytes = 0, MaxExpansionRatio = 1000 };
        ReadAll([.. SparseEntry("s", 1_536_000), .. new byte[1024]], limits: limits).Should().NotThrow();
        ReadAll([.. SparseEntry("s", 1_536_001), .. new byte[1024]], limits: limits).Should().Throw<LimitExceededException>()
            .Where(e => e.Limit == "MaxExpansionRatio" && e.Maximum == 1_536_000 && e.Found == 1_536_001);
    }

    [Fact]
    public void Sparse_entry_claiming_a_terabyte_is_refused_by_the_default_limits()
    {
        ReadAll([.. SparseEntry("lastlog", 1L << 40), .. new byte[1024]]).Should().Throw<LimitExceededException>()
            .Where(e => e.Limit == "MaxSparseEntryBytes");
        ReadAll([.. SparseEntry("lastlog", 1L << 30), .. new byte[1024]]).Should().Throw<LimitExceededException>()
            .Where(e => e.Limit == "MaxExpansionRatio");
    }

    [Theory]
    [InlineData("path", "etc/pass\0wd", "etc/pass\\0...: the entry's name holds a NUL byte at position 8")]
    [InlineData("linkpath", "target\0", "l: the entry's link name holds a NUL byte at position 6")]
    public void Nul_in_a_pax_name_is_an_invalid_tar_error(string key, string value, string message)
    {
        byte[] records = Recs((key, value));
        byte[] archive = [.. RawEntry('x', "p", records), .. RawEntry('2', "l", []), .. new byte[1024]];
        InvalidArchiveException e = ReadAll(archive).Should().Throw<InvalidArchiveException>().Which;
        e.Code.Should().Be(ErrorCodes.InvalidTar);
        e.Message.Should().Be(message);
    }
}
