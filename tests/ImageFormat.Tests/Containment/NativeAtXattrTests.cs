using System.Text;
using FluentAssertions;
using ImageFormat.Containment;
using ImageFormat.Layers;
using ImageFormat.Tests.TestSupport;
using Microsoft.Win32.SafeHandles;
using Xunit;

namespace ImageFormat.Tests.Containment;

/// <summary>
/// Extended attributes read relative to a directory descriptor: through <c>getxattrat</c>/<c>listxattrat</c>
/// (Linux 6.13; on an older kernel these fall back by themselves) and through the <c>/proc/self/fd</c> path.
/// </summary>
public sealed class NativeAtXattrTests
{
    private static readonly byte[] s_small = [1, 2, 0, 3];
    private static readonly byte[] s_large = [.. Enumerable.Range(0, 2000).Select(i => (byte)(i * 7))];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void GetXattr_reads_values_of_the_entry_itself_and_never_follows_a_link(bool atCall)
    {
        using var temp = new TempDirectory();
        using SafeFileHandle directory = Scene(temp);
        using var lease = new NativeAt.Lease(directory);

        NativeAt.GetXattr(lease.Fd, Z("f"), "user.small", "f", atCall).Should().Equal(s_small);
        NativeAt.GetXattr(lease.Fd, Z("f"), "user.large", "f", atCall).Should().Equal(s_large, "a value over the first 256-byte buffer is read whole");
        NativeAt.GetXattr(lease.Fd, Z("f"), "user.absent", "f", atCall).Should().BeNull();
        NativeAt.GetXattr(lease.Fd, Z("link"), "user.small", "link", atCall).Should().BeNull("the link's target has the attribute, the link has none");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void GetXattrs_lists_every_attribute_sorted_by_name_and_none_of_a_link(bool atCall)
    {
        using var temp = new TempDirectory();
        using SafeFileHandle directory = Scene(temp);
        using var lease = new NativeAt.Lease(directory);

        SortedDictionary<string, byte[]> all = NativeAt.GetXattrs(lease.Fd, Z("f"), "f", atCall);
        all.Keys.Should().Equal("user.large", "user.small");
        all["user.small"].Should().Equal(s_small);
        all["user.large"].Should().Equal(s_large);
        NativeAt.GetXattrs(lease.Fd, Z("link"), "link", atCall).Should().BeEmpty();
    }

    [Fact]
    public void GetXattr_reports_a_missing_entry_as_an_io_error_naming_it()
    {
        using var temp = new TempDirectory();
        using SafeFileHandle directory = Scene(temp);

        Action read = () => NativeAt.GetXattrAt(directory, Z("gone"), "user.small", "dir/gone");
        read.Should().Throw<IOException>().Where(e => e.Message.Contains("dir/gone", StringComparison.Ordinal) && e.Message.Contains("errno 2", StringComparison.Ordinal));
    }

    /// <summary>A directory with a file <c>f</c> carrying two user attributes and a link <c>link</c> to it.</summary>
    private static SafeFileHandle Scene(TempDirectory temp)
    {
        string file = temp.Combine("f");
        File.WriteAllText(file, "content");
        if (Native.LSetXattr(file, "user.small", s_small) != 0)
        {
            Assert.Skip($"The file system under {temp.Path} refuses user extended attributes.");
        }

        Native.LSetXattr(file, "user.large", s_large).Should().Be(0);
        File.CreateSymbolicLink(temp.Combine("link"), "f");
        return NativeAt.OpenRootDirectory(temp.Path);
    }

    private static byte[] Z(string name) => Encoding.UTF8.GetBytes(name + "\0");
}
