using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Archives.Writers;
using ImageFormat.Errors;
using ImageFormat.Layers;
using ImageFormat.Tests.Archives.Writers;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Containment;

/// <summary>
/// <c>oci:DIR</c> inputs holding what a layout never should: FIFOs and device nodes where blobs or <c>index.json</c>
/// are, link loops. Each read must end (no blocking, no endless read, no endless walk) with a typed error or a
/// correct listing. Every call runs under a deadline so that a regression fails instead of hanging the suite.
/// </summary>
public sealed class LayoutDirectoryContainmentTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(20);

    private static string Layout(TempDirectory temp)
    {
        string layout = temp.Combine("layout");
        WriterTestSupport.Convert(WriterTestSupport.Hello, layout, ArchiveFormat.OciLayout);
        return layout;
    }

    private static string LargestBlob(string layout) =>
        Directory.GetFiles(Path.Combine(layout, "blobs", "sha256")).OrderByDescending(f => new FileInfo(f).Length).First();

    private static T WithinDeadline<T>(Func<T> action)
    {
        Task<T> task = Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        task.Wait(s_deadline).Should().BeTrue("reading a hostile layout must end (it hung: a FIFO blocked, a device was read forever, or a loop was walked)");
        return task.GetAwaiter().GetResult();
    }

    private static InvalidArchiveException FailsWithinDeadline(Action action) =>
        WithinDeadline(() =>
        {
            try
            {
                action();
            }
            catch (InvalidArchiveException ex)
            {
                return ex;
            }

            throw new InvalidOperationException("no error was raised");
        });

    private static void ReadEverything(string layout)
    {
        using ImageArchive archive = ImageArchive.OpenLayout(layout);
        ArchiveVerification verification = ArchiveVerifier.Verify(archive);
        foreach (ArchiveProblem problem in verification.Problems)
        {
            throw new InvalidArchiveException(problem.Code, problem.Subject, problem.Message);
        }

        foreach (ArchiveImage image in archive.Images)
        {
            foreach (ArchiveLayer layer in image.Layers)
            {
                using Stream data = layer.OpenStored();
                data.CopyTo(Stream.Null);
            }
        }
    }

    [Fact]
    public void A_fifo_as_a_blob_is_a_typed_error_not_a_blocked_read()
    {
        using var temp = new TempDirectory();
        string layout = Layout(temp);
        string blob = LargestBlob(layout);
        File.Delete(blob);
        ProcessRunner.Run("mkfifo", [blob]).EnsureSuccess("mkfifo");
        InvalidArchiveException ex = FailsWithinDeadline(() => ReadEverything(layout));
        ex.Code.Should().Be(ErrorCodes.NotRegularFile);
        ex.Message.Should().Contain($"blobs/sha256/{Path.GetFileName(blob)} in {layout} is a FIFO, not a regular file");
    }

    [Fact]
    public void A_fifo_as_index_json_is_a_typed_error_not_a_blocked_read()
    {
        using var temp = new TempDirectory();
        string layout = Layout(temp);
        File.Delete(Path.Combine(layout, "index.json"));
        ProcessRunner.Run("mkfifo", [Path.Combine(layout, "index.json")]).EnsureSuccess("mkfifo");
        InvalidArchiveException ex = FailsWithinDeadline(() => ImageArchive.OpenLayout(layout).Dispose());
        (ex.Code, ex.Entry).Should().Be((ErrorCodes.NotRegularFile, "index.json"));
    }

    [Fact]
    public void A_device_node_as_a_blob_is_a_typed_error_not_an_endless_read()
    {
        if (Native.EffectiveUserId != 0)
        {
            Assert.Skip("creating a device node needs root");
        }

        using var temp = new TempDirectory();
        string layout = Layout(temp);
        string blob = LargestBlob(layout);
        File.Delete(blob);

        // 1:5 is /dev/zero: read forever, it never ends.
        ProcessRunner.Run("mknod", [blob, "c", "1", "5"]).EnsureSuccess("mknod");
        InvalidArchiveException ex = FailsWithinDeadline(() => ReadEverything(layout));
        ex.Code.Should().Be(ErrorCodes.NotRegularFile);
        ex.Message.Should().Contain("is a character device, not a regular file");
    }

    [Fact]
    public void Symlink_loops_in_a_layout_are_listed_once_and_never_walked()
    {
        using var temp = new TempDirectory();
        string layout = Layout(temp);
        File.CreateSymbolicLink(Path.Combine(layout, "a"), ".");
        Directory.CreateDirectory(Path.Combine(layout, "loop"));
        File.CreateSymbolicLink(Path.Combine(layout, "loop", "b"), "../loop");
        File.CreateSymbolicLink(Path.Combine(layout, "blobs", "up"), "..");
        int images = WithinDeadline(() =>
        {
            using ImageArchive archive = ImageArchive.OpenLayout(layout);
            ArchiveVerifier.Verify(archive).Problems.Should().BeEmpty();
            return archive.Images.Count;
        });
        images.Should().Be(2);

        using var storage = new LayoutDirectoryStorage(layout, ImageFormatLimits.Default);
        List<string> names = WithinDeadline(() => storage.Names.ToList());
        names.Should().Contain(["a", "loop", "loop/b", "blobs/up", "index.json", "oci-layout"]);
        names.Should().NotContain(n => n.StartsWith("a/", StringComparison.Ordinal) || n.StartsWith("loop/b/", StringComparison.Ordinal) || n.StartsWith("blobs/up/", StringComparison.Ordinal));
    }

    [Fact]
    public void A_blob_that_is_a_link_leading_outside_is_refused()
    {
        using var temp = new TempDirectory();
        string layout = Layout(temp);
        string blob = LargestBlob(layout);
        File.Move(blob, temp.Combine("outside"));
        File.CreateSymbolicLink(blob, temp.Combine("outside"));
        using var storage = new LayoutDirectoryStorage(layout, ImageFormatLimits.Default);
        string name = "blobs/sha256/" + Path.GetFileName(blob);
        storage.TryResolve(name, out _, out string? problem).Should().BeFalse();
        problem.Should().Be($"\"{name}\" links to the absolute path \"{temp.Combine("outside")}\", outside the layout");
    }

    [Fact]
    public void A_name_longer_than_the_file_system_allows_is_absent_not_an_io_error()
    {
        using var temp = new TempDirectory();
        string layout = Layout(temp);
        using var storage = new LayoutDirectoryStorage(layout, ImageFormatLimits.Default);
        string name = new string('a', 300) + ".json";
        storage.TryResolve(name, out _, out string? problem).Should().BeFalse();
        problem.Should().Be("no such file in the layout");
    }
}
