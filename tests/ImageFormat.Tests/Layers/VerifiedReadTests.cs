using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Layers;
using ImageFormat.Tar;
using ImageFormat.Tests.Hostile;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Layers;

/// <summary>Extraction, the merged tree and the public layer streams check each layer's diffID while reading it.</summary>
public class VerifiedReadTests
{
    private static readonly byte[] Good = new LayerTar().File("greeting", "hello\n").ToBytes();
    private static readonly byte[] Other = new LayerTar().File("greeting", "HELLO\n").ToBytes();

    private static ImageArchive Open(byte[] archive) => ImageArchive.OpenStream(new MemoryStream(archive), leaveOpen: false);

    [Fact]
    public void Extract_refuses_a_layer_whose_bytes_do_not_match_its_diffid()
    {
        using ImageArchive archive = Open(HostileImages.Archive((Good, Other)));
        using var root = new TempDirectory();

        Action extract = () => LayerExtractor.ExtractImage(archive.Images[0], root.Path);

        DigestMismatchException e = extract.Should().Throw<DigestMismatchException>().Which;
        e.Code.Should().Be(ErrorCodes.DigestMismatch);
        e.Subject.Should().Be("l0.tar (uncompressed)");
        e.Expected.Should().Be(Digest.Compute(Other));
        e.Actual.Should().Be(Digest.Compute(Good));
    }

    [Fact]
    public void Extract_reads_past_the_end_of_archive_blocks_so_bytes_appended_to_a_layer_are_caught()
    {
        byte[] appended = [.. Good, .. new byte[511], 1];
        using ImageArchive archive = Open(HostileImages.Archive((appended, Good)));
        using var root = new TempDirectory();

        Action extract = () => LayerExtractor.ExtractImage(archive.Images[0], root.Path);

        extract.Should().Throw<DigestMismatchException>().Which.Actual.Should().Be(Digest.Compute(appended));
    }

    [Fact]
    public void Extract_writes_files_larger_than_a_read_ahead_chunk_and_across_chunk_ends_byte_for_byte()
    {
        // Sizes around the read-ahead chunk (1 MiB) and the writer's piece (256 KiB): the bytes of one file come from
        // two or three chunks, lent to the writer in place.
        int[] sizes = [(2 * LayerExtractor.ReadAheadChunkBytes) + 12_345, 1, 300_000, LayerExtractor.ReadAheadChunkBytes - 700, 5, (3 * WriteBehind.ChunkSize) + 1];
        var layer = new LayerTar();
        var contents = new List<byte[]>();
        for (int i = 0; i < sizes.Length; i++)
        {
            byte[] content = new byte[sizes[i]];
            new Random(i).NextBytes(content);
            contents.Add(content);
            layer.Add(new TarEntryHeader { Name = $"f{i}", Size = content.Length, Mode = 0x1A4, ModificationTime = DateTimeOffset.UnixEpoch }, content);
        }

        using ImageArchive archive = Open(HostileImages.Archive(layer.ToBytes()));
        using var root = new TempDirectory();

        LayerExtractor.ExtractImage(archive.Images[0], root.Path);

        for (int i = 0; i < sizes.Length; i++)
        {
            File.ReadAllBytes(root.Combine($"f{i}")).Should().Equal(contents[i], $"f{i} has {sizes[i]} bytes");
        }
    }

    [Fact]
    public void Extract_with_verification_turned_off_applies_a_mismatching_layer()
    {
        using ImageArchive archive = Open(HostileImages.Archive((Good, Other)));
        using var root = new TempDirectory();

        LayerExtractor.ExtractImage(archive.Images[0], root.Path, new LayerExtractOptions { VerifyDigests = false });

        File.ReadAllText(root.Combine("greeting")).Should().Be("hello\n");
    }

    [Fact]
    public void Extract_of_a_matching_gzip_layer_checks_and_applies_it()
    {
        byte[] gzip = Compression.CompressionCli.Gzip(Good);
        using ImageArchive archive = Open(HostileImages.Archive((gzip, Good)));
        using var root = new TempDirectory();

        LayerExtractor.ExtractImage(archive.Images[0], root.Path);

        File.ReadAllText(root.Combine("greeting")).Should().Be("hello\n");
    }

    [Fact]
    public void Merged_tree_refuses_a_mismatching_compressed_layer_and_builds_unverified_when_told()
    {
        byte[] gzip = Compression.CompressionCli.Gzip(Good);
        using ImageArchive archive = Open(HostileImages.Archive((gzip, Other)));

        Action build = () => MergedTree.Build(archive.Images[0]);

        build.Should().Throw<DigestMismatchException>().Which.Subject.Should().Be("l0.tar (uncompressed)");
        MergedTree unverified = MergedTree.Build(archive.Images[0], verifyDigests: false);
        using Stream content = unverified.OpenFile("greeting");
        new StreamReader(content).ReadToEnd().Should().Be("hello\n");
    }

    [Fact]
    public void Public_uncompressed_stream_throws_at_its_end_when_the_layer_does_not_match()
    {
        using ImageArchive archive = Open(HostileImages.Archive((Good, Other)));
        using Stream tar = archive.Images[0].Layers[0].OpenUncompressed();

        Action read = () => tar.CopyTo(Stream.Null);

        read.Should().Throw<DigestMismatchException>();
    }

    [Fact]
    public void Public_uncompressed_stream_can_be_opened_unverified_for_trusted_input()
    {
        using ImageArchive archive = Open(HostileImages.Archive((Good, Other)));
        using Stream tar = archive.Images[0].Layers[0].OpenUncompressed(verify: false);

        Digest.Compute(tar).Should().Be(Digest.Compute(Good));
    }
}
