using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Archives.Writers;
using ImageFormat.Errors;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Archives;

/// <summary>Each exception the documentation of the archive entry points promises, thrown where it says.</summary>
public class DocumentedExceptionTests
{
    private static string HelloTar => Path.Combine(RepoPaths.Samples, "hello.tar");

    [Fact]
    public void OpenFile_of_a_missing_file_throws_NotFoundException_naming_the_path()
    {
        using var temp = new TempDirectory();
        string missing = temp.Combine("missing.tar");

        Action open = () => ImageArchive.OpenFile(missing);

        NotFoundException e = open.Should().Throw<NotFoundException>().Which;
        e.Code.Should().Be(ErrorCodes.NotFound);
        e.Name.Should().Be(missing);
    }

    [Fact]
    public void OpenFile_of_an_empty_path_throws_ArgumentException()
    {
        Action empty = () => ImageArchive.OpenFile(string.Empty);
        Action none = () => ImageArchive.OpenFile(null!);

        empty.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("path");
        none.Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("path");
    }

    [Fact]
    public void OpenFile_of_a_file_that_is_no_archive_throws_an_ImageFormatException()
    {
        using var temp = new TempDirectory();
        string path = temp.Combine("notes.txt");
        File.WriteAllText(path, "not a tar archive, only a line of text that is shorter than one block\n");

        Action open = () => ImageArchive.OpenFile(path);

        open.Should().Throw<ImageFormatException>().Which.Code.Should().StartWith("IMGFMT");
    }

    [Fact]
    public void OpenFile_of_an_unreadable_file_throws_IOException()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName == "root")
        {
            Assert.Skip("needs Linux and a user other than root, who reads any file");
            return;
        }

        using var temp = new TempDirectory();
        string path = temp.Combine("locked.tar");
        File.Copy(HelloTar, path);
        File.SetUnixFileMode(path, UnixFileMode.None);

        Action open = () => ImageArchive.OpenFile(path);

        open.Should().Throw<UnauthorizedAccessException>();
    }

    [Fact]
    public void OpenStream_of_null_throws_ArgumentNullException()
    {
        Action open = () => ImageArchive.OpenStream(null!, leaveOpen: false);

        open.Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("stream");
    }

    [Fact]
    public void OpenStream_of_bytes_that_are_no_archive_throws_an_ImageFormatException()
    {
        using var stream = new MemoryStream(new byte[1024]);

        Action open = () => ImageArchive.OpenStream(stream, leaveOpen: true);

        open.Should().Throw<ImageFormatException>();
    }

    [Fact]
    public void OpenLayout_of_a_missing_directory_throws_NotFoundException()
    {
        using var temp = new TempDirectory();
        string missing = temp.Combine("layout");

        Action open = () => ImageArchive.OpenLayout(missing);

        open.Should().Throw<NotFoundException>();
    }

    [Fact]
    public void OpenLayout_of_a_directory_without_oci_layout_throws_an_ImageFormatException()
    {
        using var temp = new TempDirectory();

        Action open = () => ImageArchive.OpenLayout(temp.Path);

        open.Should().Throw<ImageFormatException>();
    }

    [Fact]
    public void FindImage_of_a_name_the_archive_lacks_throws_NotFoundException()
    {
        using ImageArchive archive = ImageArchive.OpenFile(HelloTar);

        Action find = () => archive.FindImage("other:latest");

        find.Should().Throw<NotFoundException>().Which.Code.Should().Be(ErrorCodes.NotFound);
    }

    [Fact]
    public void FindImage_without_a_name_in_an_archive_of_two_images_throws_AmbiguousNameException()
    {
        using ImageArchive archive = ImageArchive.OpenFile(HelloTar);

        Action find = () => archive.FindImage(null);

        AmbiguousNameException e = find.Should().Throw<AmbiguousNameException>().Which;
        e.Code.Should().Be(ErrorCodes.Ambiguous);
        e.Candidates.Should().HaveCount(2);
    }

    [Fact]
    public void WriteFile_with_an_empty_path_throws_ArgumentException()
    {
        Action write = () => ArchiveWriter.WriteFile([], string.Empty);

        write.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("path");
    }

    [Fact]
    public void WriteFile_into_a_missing_directory_throws_IOException_and_creates_nothing()
    {
        using ImageArchive archive = ImageArchive.OpenFile(HelloTar);
        using var temp = new TempDirectory();
        string target = Path.Combine(temp.Path, "missing", "out.tar");

        Action write = () => ArchiveWriter.WriteFile([ImageToWrite.FromArchive(archive.Images[0])], target);

        write.Should().Throw<IOException>();
        Directory.Exists(Path.Combine(temp.Path, "missing")).Should().BeFalse();
    }
}
