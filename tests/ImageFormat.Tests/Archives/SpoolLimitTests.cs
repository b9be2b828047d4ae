using FluentAssertions;
using ImageFormat.Archives;
using ImageFormat.Errors;
using ImageFormat.Tests.Hostile;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Archives;

/// <summary>Compressed or streamed archives are spooled to a temporary file; the spool is bounded.</summary>
public class SpoolLimitTests
{
    [Fact]
    public void Streamed_archive_of_exactly_MaxSpoolBytes_opens_and_one_byte_more_is_refused()
    {
        byte[] hello = File.ReadAllBytes(RepoPaths.Sample("hello.tar"));
        var exact = new ImageArchiveOptions { Limits = ImageFormatLimits.Default with { MaxSpoolBytes = hello.Length } };
        var short1 = new ImageArchiveOptions { Limits = ImageFormatLimits.Default with { MaxSpoolBytes = hello.Length - 1 } };

        using (ImageArchive archive = ImageArchive.OpenStream(new MemoryStream(hello), leaveOpen: false, exact))
        {
            archive.Images.Should().HaveCount(2);
        }

        Action open = () => ImageArchive.OpenStream(new MemoryStream(hello), leaveOpen: false, short1).Dispose();
        open.Should().Throw<LimitExceededException>()
            .Where(e => e.Limit == "MaxSpoolBytes" && e.Maximum == hello.Length - 1 && e.Found > hello.Length - 1);
    }

    [Fact]
    public void Small_zstd_archive_that_expands_past_the_default_ratio_is_refused_before_it_fills_the_spool()
    {
        byte[] bomb = HostileImages.ZstdZeroTar(300L << 20);
        bomb.Length.Should().BeLessThan(1 << 20, "the bomb is small");
        using var spool = new TempDirectory();

        Action open = () => ImageArchive.OpenStream(new MemoryStream(bomb), leaveOpen: false, new ImageArchiveOptions { SpoolDirectory = spool.Path }).Dispose();

        LimitExceededException e = open.Should().Throw<LimitExceededException>().Which;
        e.Limit.Should().Be("MaxExpansionRatio");
        e.Maximum.Should().Be(ImageFormatLimits.Default.ExpansionAllowanceBytes);
        e.Message.Should().Contain("imagefmt --limit MaxExpansionRatio=VALUE");
        Directory.EnumerateFileSystemEntries(spool.Path).Should().BeEmpty();
    }
}
