using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Archives.Writers;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Tests.TestSupport;
using Xunit;
using static ImageFormat.Tests.Archives.Writers.WriterTestSupport;

namespace ImageFormat.Tests.Archives;

/// <summary>
/// Writes to a file or a layout copy layer blobs that are byte ranges of a file in the kernel, and verify them
/// beside the copy: the result must be the streamed write's, byte for byte, and a tampered blob must fail the write
/// with the streamed write's error and leave nothing under the target name.
/// </summary>
public class RangeCopiesTests
{
    public static TheoryData<ArchiveFormat, bool> TarFormatsSyncAndAsync()
    {
        var data = new TheoryData<ArchiveFormat, bool>();
        foreach (ArchiveFormat format in new[] { ArchiveFormat.Docker, ArchiveFormat.Legacy, ArchiveFormat.OciArchive })
        {
            data.Add(format, false);
            data.Add(format, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(TarFormatsSyncAndAsync))]
    public async Task File_write_of_an_archive_file_is_byte_identical_to_the_streamed_write(ArchiveFormat format, bool async)
    {
        using var temp = new TempDirectory();
        using ImageArchive archive = ImageArchive.OpenFile(Hello);
        var options = new ArchiveWriterOptions { Format = format };
        string target = temp.Combine("out.tar");
        if (async)
        {
            await ArchiveWriter.WriteFileAsync(archive.Images, target, options, cancellationToken: TestContext.Current.CancellationToken);
        }
        else
        {
            ArchiveWriter.WriteFile(archive.Images, target, options);
        }

        using var streamed = new MemoryStream();
        ArchiveWriter.Write(archive.Images, streamed, options);
        File.ReadAllBytes(target).Should().Equal(streamed.ToArray());
    }

    [Theory]
    [MemberData(nameof(TarFormatsSyncAndAsync))]
    public async Task File_write_with_a_tampered_layer_throws_the_digest_mismatch_and_leaves_nothing(ArchiveFormat format, bool async)
    {
        using var temp = new TempDirectory();
        (string input, Digest layer, Digest found) = TamperedArchive.Hello(temp);
        string outputs = temp.Combine("outputs");
        Directory.CreateDirectory(outputs);
        using ImageArchive archive = ImageArchive.OpenFile(input);
        var options = new ArchiveWriterOptions { Format = format };
        string target = Path.Combine(outputs, "out.tar");

        Func<Task> write = async
            ? () => ArchiveWriter.WriteFileAsync(archive.Images, target, options, cancellationToken: TestContext.Current.CancellationToken)
            : () => Task.Run(() => ArchiveWriter.WriteFile(archive.Images, target, options), TestContext.Current.CancellationToken);

        (await write.Should().ThrowAsync<DigestMismatchException>())
            .WithMessage($"layer {layer}: digest mismatch: expected {layer}, found {found}")
            .Which.Code.Should().Be(ErrorCodes.DigestMismatch);
        Directory.GetFileSystemEntries(outputs).Should().BeEmpty();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Layout_write_with_a_tampered_layer_creates_no_layout(bool async)
    {
        using var temp = new TempDirectory();
        (string input, Digest layer, Digest found) = TamperedArchive.Hello(temp);
        string outputs = temp.Combine("outputs");
        Directory.CreateDirectory(outputs);
        using ImageArchive archive = ImageArchive.OpenFile(input);
        string target = Path.Combine(outputs, "layout");

        Func<Task> write = async
            ? () => ArchiveWriter.WriteLayoutAsync(archive.Images, target, cancellationToken: TestContext.Current.CancellationToken)
            : () => Task.Run(() => ArchiveWriter.WriteLayout(archive.Images, target), TestContext.Current.CancellationToken);

        (await write.Should().ThrowAsync<DigestMismatchException>())
            .WithMessage($"layer {layer}: digest mismatch: expected {layer}, found {found}");
        Directory.GetFileSystemEntries(outputs).Should().BeEmpty();
    }

    [Fact]
    public void Layout_write_with_a_tampered_layer_leaves_an_existing_layout_as_it_was()
    {
        using var temp = new TempDirectory();
        (string input, Digest layer, _) = TamperedArchive.Hello(temp, "hello:latest");
        string target = temp.Combine("layout");
        using (ImageArchive good = ImageArchive.OpenFile(Hello))
        {
            ArchiveWriter.WriteLayout([good.FindImage("hello:base")], target);
        }

        Dictionary<string, byte[]> before = Snapshot(target);
        before.Keys.Should().NotContain($"blobs/sha256/{layer.Encoded}", "hello:base does not hold the top layer of hello:latest");
        using ImageArchive archive = ImageArchive.OpenFile(input);

        Action write = () => ArchiveWriter.WriteLayout([archive.FindImage("hello:latest")], target);

        write.Should().Throw<DigestMismatchException>();
        Snapshot(target).Should().BeEquivalentTo(before);
    }

    [Fact]
    public void Layout_write_of_an_archive_file_gives_blobs_identical_to_the_archive()
    {
        using var temp = new TempDirectory();
        using ImageArchive archive = ImageArchive.OpenFile(Hello);
        string target = temp.Combine("layout");

        ArchiveWriter.WriteLayout(archive.Images, target);

        using ImageArchive layout = ImageArchive.OpenLayout(target);
        foreach (ArchiveImage image in archive.Images)
        {
            foreach (ArchiveLayer layer in image.Layers)
            {
                using Stream stored = layer.OpenStored();
                byte[] expected = new byte[layer.Size];
                stored.ReadExactly(expected);
                File.ReadAllBytes(Path.Combine(target, "blobs", "sha256", layer.Digest.Encoded)).Should().Equal(expected);
            }
        }

        ArchiveVerifier.Verify(layout, TestContext.Current.CancellationToken).IsValid.Should().BeTrue();
    }

    private static Dictionary<string, byte[]> Snapshot(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(root, f).Replace('\\', '/'), File.ReadAllBytes);
}
