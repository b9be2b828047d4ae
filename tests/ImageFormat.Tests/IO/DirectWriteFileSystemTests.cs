using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Archives.Writers;
using ImageFormat.Images;
using ImageFormat.Store;
using ImageFormat.Tests.Archives;
using ImageFormat.Tests.Hostile;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.IO;

/// <summary>
/// Convert, load and save write their new files with direct I/O where the file system takes it, and through the
/// kernel's copy where it does not. Each test mounts one file system that images are kept on (xfs, btrfs and ext4
/// with 1 KB blocks on a loop device; tmpfs; overlay over the temp directory) and checks that what lands there is,
/// byte for byte, what the streaming path writes. Needs root and the mkfs tools (<c>.ci/peers.sh</c> installs
/// xfsprogs and btrfs-progs); skips, saying which is missing, elsewhere.
/// </summary>
public class DirectWriteFileSystemTests
{
    public static TheoryData<string> FileSystems => ["xfs", "btrfs", "ext4-1k", "tmpfs", "overlay"];

    private static byte[] Random(int length, int seed)
    {
        byte[] bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A layer larger than two of the writer's buffers, with files whose sizes end off every alignment.</summary>
    private static byte[] Layer() => new TarBuilder()
        .File("big", Random((2 * ImageFormat.IO.DirectWriteStream.BufferBytes) + 12_345, 1))
        .File("odd", Random(4097, 2))
        .File("one", Random(1, 3))
        .Build();

    [Theory]
    [MemberData(nameof(FileSystems))]
    public void Convert_load_and_save_write_the_streamed_bytes_on(string fileSystem)
    {
        using var temp = new TempDirectory();
        using Mounted mounted = Mount(temp, fileSystem);
        byte[] layer = Layer();
        string input = temp.WriteFile("in.tar", HostileImages.Archive(layer));
        using ImageArchive archive = ImageArchive.OpenFile(input);
        var options = new ArchiveWriterOptions { Format = ArchiveFormat.Docker };
        using var streamed = new MemoryStream();
        ArchiveWriter.Write(archive.Images, streamed, options);

        string converted = Path.Combine(mounted.Path, "converted.tar");
        ArchiveWriter.WriteFile(archive.Images, converted, options);
        File.ReadAllBytes(converted).Should().Equal(streamed.ToArray(), "convert on {0}", fileSystem);

        string saved = Path.Combine(mounted.Path, "saved.tar");
        using (ImageStore store = ImageStore.Open(Path.Combine(mounted.Path, "store")))
        {
            store.Load(archive);
            IContainerImage stored = store.OpenImage("h:1");
            StreamBytes.ReadAllAndDispose(stored.Layers[0].OpenBlob(verify: false)).Should().Equal(layer, "the stored layer on {0}", fileSystem);
            store.Check(verifyLayerContent: true).Should().BeEmpty();
            store.Save(["h:1"], saved);
        }

        using ImageArchive reread = ImageArchive.OpenFile(saved);
        StreamBytes.ReadAllAndDispose(reread.Images[0].Layers[0].OpenStored()).Should().Equal(layer, "the saved layer on {0}", fileSystem);
        ArchiveVerifier.Verify(reread, TestContext.Current.CancellationToken).Problems.Should().BeEmpty();
    }

    private static Mounted Mount(TempDirectory temp, string fileSystem)
    {
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess)
        {
            Assert.Skip("mounting a file system needs Linux and root");
        }

        string point = temp.Combine("mnt");
        Directory.CreateDirectory(point);
        string[] arguments;
        switch (fileSystem)
        {
            case "tmpfs":
                arguments = ["-t", "tmpfs", "-o", "size=256m", "tmpfs", point];
                break;
            case "overlay":
                string lower = temp.Combine("lower"), upper = temp.Combine("upper"), work = temp.Combine("work");
                Directory.CreateDirectory(lower);
                Directory.CreateDirectory(upper);
                Directory.CreateDirectory(work);
                arguments = ["-t", "overlay", "overlay", "-o", $"lowerdir={lower},upperdir={upper},workdir={work}", point];
                break;
            default:
                (string tool, string package, string[] options) = fileSystem switch
                {
                    "xfs" => ("mkfs.xfs", "xfsprogs", new[] { "-q", "-f" }),
                    "btrfs" => ("mkfs.btrfs", "btrfs-progs", ["-q", "-f"]),
                    "ext4-1k" => ("mkfs.ext4", "e2fsprogs", ["-q", "-F", "-b", "1024"]),
                    _ => throw new ArgumentOutOfRangeException(nameof(fileSystem), fileSystem, null),
                };
                string? mkfs = new[] { "/usr/sbin", "/sbin" }.Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);
                if (mkfs is null)
                {
                    Assert.Skip($"{tool} is not installed: apt-get install {package}");
                }

                // Sparse: the file systems take only what the test writes (xfs wants at least 300 MB of device).
                string image = temp.Combine($"{fileSystem}.img");
                using (FileStream file = File.Create(image))
                {
                    file.SetLength(512L << 20);
                }

                ProcessResult made = ProcessRunner.Run(mkfs, [.. options, image]);
                made.ExitCode.Should().Be(0, made.StdErr);
                arguments = ["-o", "loop", image, point];
                break;
        }

        ProcessResult mount = ProcessRunner.Run("mount", arguments);
        if (mount.ExitCode != 0)
        {
            // No loop devices (a container), or a kernel without this file system.
            Assert.Skip($"mount of {fileSystem} failed here: {mount.StdErr.Trim()}");
        }

        return new Mounted(point);
    }

    private sealed class Mounted(string path) : IDisposable
    {
        public string Path { get; } = path;

        public void Dispose()
        {
            if (ProcessRunner.Run("umount", [Path]).ExitCode != 0)
            {
                ProcessRunner.Run("umount", ["-l", Path]);
            }
        }
    }
}
