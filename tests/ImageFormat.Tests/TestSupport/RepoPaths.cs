using Xunit;

namespace ImageFormat.Tests.TestSupport;

/// <summary>Where the repository, its samples and the optional fixtures made by other tools are.</summary>
public static class RepoPaths
{
    /// <summary>The environment variable that points the tests at another fixtures folder.</summary>
    public const string FixturesVariable = "IMAGEFMT_FIXTURES";

    private static readonly Lazy<string> s_root = new(FindRoot);

    /// <summary>The repository root: the nearest directory above the test binaries holding ImageFormat.sln.</summary>
    public static string Root => s_root.Value;

    /// <summary><c>&lt;repo&gt;/samples</c>: hello.tar and Docker's own IDs for it.</summary>
    public static string Samples => Path.Combine(Root, "samples");

    /// <summary>
    /// Real archives made by other tools, which are not part of the repository: <c>$IMAGEFMT_FIXTURES</c> when
    /// set, else <c>&lt;repo&gt;/../shared/fixtures</c>. Tests that read them skip when they are absent; every
    /// dialect they cover is also built by the tests themselves (<see cref="BuiltArchives"/>).
    /// </summary>
    public static string Fixtures =>
        Environment.GetEnvironmentVariable(FixturesVariable) is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.GetFullPath(Path.Combine(Root, "..", "shared", "fixtures"));

    /// <summary>Whether the fixtures folder exists.</summary>
    public static bool FixturesPresent => Directory.Exists(Fixtures);

    /// <summary>A file in <see cref="Samples"/>, which must exist.</summary>
    public static string Sample(string name) => Existing(Path.Combine(Samples, name));

    /// <summary>A file in <see cref="Fixtures"/>; the calling test is skipped when it is absent.</summary>
    public static string Fixture(string name) => FixtureIn(Fixtures, name);

    /// <summary>A file in the fixtures folder <paramref name="folder"/>; the calling test is skipped, naming what is missing, when it is absent.</summary>
    public static string FixtureIn(string folder, string name)
    {
        string path = Path.Combine(folder, name);
        if (!Directory.Exists(folder))
        {
            Assert.Skip($"fixtures folder not found: {folder} (set {FixturesVariable} or put shared/fixtures beside the repository; the built-in archives cover the same dialects)");
        }

        if (!File.Exists(path) && !Directory.Exists(path))
        {
            Assert.Skip($"fixture not found: {path}");
        }

        return path;
    }

    private static string Existing(string path) =>
        File.Exists(path) || Directory.Exists(path)
            ? path
            : throw new FileNotFoundException($"test data {path} does not exist", path);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ImageFormat.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no ImageFormat.sln above {AppContext.BaseDirectory}");
    }
}
