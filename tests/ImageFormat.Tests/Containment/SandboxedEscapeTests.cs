using FluentAssertions;
using ImageFormat.Containment;
using ImageFormat.Layers;
using ImageFormat.Tests.Layers;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Containment;

/// <summary>
/// The escapes that need root to show their full effect (a host inode chowned, chmodded and made setuid through a hard
/// link; device nodes; ownership), run through the real <c>imagefmt</c> inside bubblewrap: the host is mounted
/// read-only and only the test's temporary directory (root, canary, archive) is writable, so a regression can only
/// ever damage the canary.
/// </summary>
public sealed class SandboxedEscapeTests
{
    private static string? SkipReason()
    {
        if (Native.EffectiveUserId != 0)
        {
            return "needs root (chown, mknod, setuid are what these attacks abuse)";
        }

        string[] path = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':');
        return path.Any(p => File.Exists(Path.Combine(p, "bwrap"))) ? null : "bubblewrap (bwrap) is not installed: apt-get install bubblewrap";
    }

    // The host is read-only and /tmp is empty, but the test's own binaries stay visible (a clone may live under /tmp).
    private static ProcessResult InSandbox(string writable, params string[] args) =>
        ProcessRunner.Run("bwrap", [
            "--ro-bind", "/", "/", "--tmpfs", "/tmp", "--ro-bind", AppContext.BaseDirectory, AppContext.BaseDirectory,
            "--bind", writable, writable, "--dev", "/dev", "--proc", "/proc",
            "--unshare-pid", "--die-with-parent", "--", "dotnet", Path.Combine(AppContext.BaseDirectory, "imagefmt.dll"), .. args]);

    [Fact]
    public void Hard_link_escape_cannot_chown_chmod_or_setuid_a_host_inode()
    {
        if (SkipReason() is { } reason)
        {
            Assert.Skip(reason);
        }

        using var scene = new ContainmentScene("evil.tar");
        string archive = scene.WriteArchive(
            "evil.tar",
            new LayerTar().Symlink("y", scene.Canary),
            new LayerTar().Symlink("x", "missing/../y"),
            new LayerTar().File("before", "b", uid: 1234, gid: 1234)
                .Add(new ImageFormat.Tar.TarEntryHeader { Name = "h", Type = ImageFormat.Tar.TarEntryKind.HardLink, LinkName = "x/secret", Mode = 0xDED, Uid = 1234, Gid = 1234 }, null)
                .Add(new ImageFormat.Tar.TarEntryHeader { Name = "h2", Type = ImageFormat.Tar.TarEntryKind.HardLink, LinkName = "x/sub/f", Mode = 0xDED, Uid = 1234, Gid = 1234 }, null));

        ProcessResult result = InSandbox(scene.Temp, "archive", "extract", "--skip-invalid", archive, scene.Root);

        result.ExitCode.Should().Be(0, result.StdErr);
        result.StdErr.Should().Contain("skipped: layer 2 (sha256:").And.Contain("): h: hard link target \"x/secret\" does not exist\n")
            .And.Contain("): h2: hard link target \"x/sub/f\" does not exist\n");
        scene.AssertCanaryIntact();
        FileStatus before = Native.LStat(Path.Combine(scene.Root, "before"))!.Value;
        (before.Uid, before.Gid).Should().Be((1234u, 1234u), "the sandboxed extraction ran as root and applied ownership");
        File.Exists(Path.Combine(scene.Root, "h")).Should().BeFalse();
    }

    [Fact]
    public void Whiteouts_devices_and_ownership_through_the_escape_touch_nothing_outside()
    {
        if (SkipReason() is { } reason)
        {
            Assert.Skip(reason);
        }

        using var scene = new ContainmentScene("evil.tar");
        string archive = scene.WriteArchive(
            "evil.tar",
            new LayerTar().Symlink("y", scene.Canary).Symlink("x", "missing/../y"),
            new LayerTar().Whiteout("x/.wh.secret").Whiteout("x/sub/.wh..wh..opq")
                .Add(new ImageFormat.Tar.TarEntryHeader { Name = "x/sub/dev", Type = ImageFormat.Tar.TarEntryKind.CharacterDevice, DevMajor = 1, DevMinor = 3, Mode = 0xDB6, Uid = 1234 }, null)
                .File("x/sub/f", "pwned", mode: 0xDED, uid: 1234, gid: 1234)
                .Dir("p/").Dir("p/sub/").Symlink("p", scene.Canary));

        ProcessResult result = InSandbox(scene.Temp, "archive", "extract", archive, scene.Root);

        result.ExitCode.Should().Be(0, result.StdErr);
        scene.AssertCanaryIntact();
        string inside = Path.Combine(scene.Root, scene.Canary.TrimStart('/'), "sub");
        FileStatus file = Native.LStat(Path.Combine(inside, "f"))!.Value;
        (file.Uid, file.Permissions).Should().Be((1234u, 0xDED));
        Native.LStat(Path.Combine(inside, "dev"))!.Value.Type.Should().Be(Native.S_IFCHR);
    }
}
