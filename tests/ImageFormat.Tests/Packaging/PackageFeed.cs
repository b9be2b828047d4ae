using System.IO.Compression;
using System.Reflection;
using ImageFormat.Errors;
using ImageFormat.Tests.Build;
using ImageFormat.Tests.TestSupport;
using Xunit;

namespace ImageFormat.Tests.Packaging;

/// <summary>
/// Packs this repository's packages into a temporary local feed as a release would, each build in a private
/// artifacts folder (<c>--artifacts-path</c>) so the test run's own binaries are never rebuilt under it.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PackageFeed : IDisposable
{
    private readonly TempDirectory _temp = new();

    /// <summary>The feed folder, where every packed .nupkg and .snupkg lands.</summary>
    public string Folder => _temp.Combine("feed");

    /// <summary>The configuration the tests were built in (Release in CI): the libraries are packed from it unbuilt.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <summary>The version every package carries, and the commit after its '+', as the build stamped them.</summary>
    public static string InformationalVersion { get; } =
        typeof(ImageFormatException).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;

    /// <summary>The commit the packages name (null when the build saw no git repository).</summary>
    public static string? Commit => InformationalVersion.Contains('+', StringComparison.Ordinal) ? InformationalVersion[(InformationalVersion.IndexOf('+', StringComparison.Ordinal) + 1)..] : null;

    /// <summary>The package version, without the commit.</summary>
    public static string Version => InformationalVersion.Split('+')[0];

    /// <summary>A folder of this feed's temporary space.</summary>
    public string Temp(string name) => _temp.Combine(name);

    /// <summary>Runs <c>dotnet pack PROJECT -o FEED ARGS</c> from the repository root and fails the test on error.</summary>
    public void Pack(string project, params string[] args)
    {
        BuildTaskEndToEndTests.DotnetResult result = BuildTaskEndToEndTests.PackagesAndBase.Dotnet(
            RepoPaths.Root,
            null,
            ["pack", Path.Combine(RepoPaths.Root, project), "-c", Configuration, "-o", Folder, "-nodeReuse:false", .. args]);
        result.EnsureSuccess($"dotnet pack {project} {string.Join(' ', args)}");
    }

    /// <summary>Packs with its own build, outputs under a private artifacts folder.</summary>
    public void PackBuilt(string project, params string[] args) => Pack(project, ["--artifacts-path", _temp.Combine("artifacts"), .. args]);

    /// <summary>The path of a package file in the feed.</summary>
    public string Package(string fileName)
    {
        string path = Path.Combine(Folder, fileName);
        Assert.True(File.Exists(path), $"{fileName} is not in the feed; it holds: {string.Join(", ", Directory.EnumerateFiles(Folder).Select(Path.GetFileName).Order(StringComparer.Ordinal))}");
        return path;
    }

    /// <summary>Every entry name of a package, sorted.</summary>
    public static IReadOnlyList<string> Entries(string package)
    {
        using ZipArchive zip = ZipFile.OpenRead(package);
        return [.. zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal)];
    }

    /// <summary>One entry's bytes.</summary>
    public static byte[] Read(string package, string entry)
    {
        using ZipArchive zip = ZipFile.OpenRead(package);
        ZipArchiveEntry found = zip.GetEntry(entry) ?? throw new InvalidOperationException($"{package} has no {entry}");
        using Stream stream = found.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    public void Dispose() => _temp.Dispose();
}
