using System.Runtime.InteropServices;
using System.Xml.Linq;
using FluentAssertions;
using ImageFormat.Tests.Build;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Packaging;

/// <summary>
/// Packs the tool as a release does (the pointer package, then the Native AOT package for linux-x64), installs it
/// with <c>dotnet tool install --tool-path</c> from that local feed only, and runs the installed command. Slow: the
/// AOT compile takes minutes on a small machine.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
[Collection("dotnet pack")]
public sealed class ToolPackageTests : IDisposable
{
    private readonly PackageFeed _feed = new();

    public void Dispose() => _feed.Dispose();

    [Fact]
    public void Installed_tool_is_the_native_aot_imagefmt_on_linux_x64_and_runs()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.OSArchitecture != System.Runtime.InteropServices.Architecture.X64)
        {
            Assert.Skip("The Native AOT tool package is built and installed here on linux-x64 only (AOT does not cross-compile between platforms).");
        }

        if (Peers.FindOnPath("clang") is null)
        {
            Assert.Skip("Native AOT links with clang, which is not on PATH (apt-get install clang; .ci/run installs it).");
        }

        _feed.PackBuilt("src/ImageFormat.Cli/ImageFormat.Cli.csproj");
        _feed.PackBuilt("src/ImageFormat.Cli/ImageFormat.Cli.csproj", "-r", "linux-x64");
        string native = _feed.Package($"ImageFormat.Cli.linux-x64.{PackageFeed.Version}.nupkg");
        PackageFeed.Entries(native).Should().Equal(
            "ImageFormat.Cli.linux-x64.nuspec",
            "README.md",
            "[Content_Types].xml",
            "_rels/.rels",
            "package/services/metadata/core-properties/nuget.psmdcp",
            "tools/any/linux-x64/DotnetToolSettings.xml",
            "tools/any/linux-x64/imagefmt");

        // Installed as a user would, from the feed; a private package folder so no earlier install is reused.
        string toolPath = _feed.Temp("tools");
        BuildTaskEndToEndTests.DotnetResult install = BuildTaskEndToEndTests.PackagesAndBase.Dotnet(
            _feed.Temp("."),
            new Dictionary<string, string?>(StringComparer.Ordinal) { ["NUGET_PACKAGES"] = _feed.Temp("packages") },
            "tool", "install", "ImageFormat.Cli", "--version", PackageFeed.Version, "--tool-path", toolPath, "--add-source", _feed.Folder);
        install.EnsureSuccess("dotnet tool install");
        install.Output.Should().Contain($"Tool 'imageformat.cli' (version '{PackageFeed.Version}') was successfully installed.");

        // The command is the native executable itself: an ELF file, with no imagefmt.dll or runtime config beside it.
        string command = Path.Combine(toolPath, "imagefmt");
        FileSystemInfo target = new FileInfo(command).ResolveLinkTarget(returnFinalTarget: true) ?? new FileInfo(command);
        target.FullName.Should().EndWith(Path.Combine("imageformat.cli.linux-x64", PackageFeed.Version, "tools", "any", "linux-x64", "imagefmt"));
        File.ReadAllBytes(target.FullName).AsSpan(0, 5).ToArray().Should().Equal([0x7F, (byte)'E', (byte)'L', (byte)'F', 2], "a 64-bit ELF executable");
        Directory.EnumerateFiles(Path.GetDirectoryName(target.FullName)!).Select(Path.GetFileName).Order(StringComparer.Ordinal)
            .Should().Equal("DotnetToolSettings.xml", "imagefmt");

        // The version the packed build stamped: the package version and the commit its nuspec names.
        XElement package = XElement.Parse(System.Text.Encoding.UTF8.GetString(PackageFeed.Read(native, "ImageFormat.Cli.linux-x64.nuspec")).TrimStart('\uFEFF'));
        string? commit = package.Descendants(package.Name.Namespace + "repository").Single().Attribute("commit")?.Value;
        ProcessRunner.Run(command, ["--version"]).EnsureSuccess("imagefmt --version").StdOut.Should().Be(PackageFeed.Version + (commit is null ? "" : "+" + commit) + "\n");
        ProcessResult ls = ProcessRunner.Run(command, ["archive", "ls", Path.Combine(RepoPaths.Samples, "hello.tar")]);
        ls.EnsureSuccess("imagefmt archive ls");
        ls.StdOut.Should().Be(
            "IMAGE ID       TAGS           PLATFORM      LAYERS   SIZE\n" +
            "b09c12e7651a   hello:latest   linux/amd64   2        12.29kB\n" +
            "5571c1f38672   hello:base     linux/amd64   1        10.24kB\n");
        ls.StdErr.Should().BeEmpty();
    }
}
