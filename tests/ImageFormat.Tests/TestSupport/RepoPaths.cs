namespace ImageFormat.Tests.TestSupport;

/// <summary>Where the repository, its samples and the shared fixtures from other tools are.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> s_root = new(FindRoot);
    private static readonly Lazy<string> s_fixtures = new(FindFixtures);

    /// <summary>The repository root: the nearest directory above the test binaries holding ImageFormat.sln.</summary>
    public static string Root => s_root.Value;

    /// <summary><c>&lt;repo&gt;/samples</c>: hello.tar and Docker's own IDs for it.</summary>
    public static string Samples => Path.Combine(Root, "samples");

    /// <summary>
    /// Fixtures made by other tools: <c>&lt;repo&gt;/../shared/fixtures</c>, or <c>/work/shared/fixtures</c> when
    /// that does not exist (git worktrees live elsewhere than the main checkout).
    /// </summary>
    public static string Fixtures => s_fixtures.Value;

    /// <summary>A file in <see cref="Samples"/>, which must exist.</summary>
    public static string Sample(string name) => Existing(Path.Combine(Samples, name));

    /// <summary>A file in <see cref="Fixtures"/>, which must exist.</summary>
    public static string Fixture(string name) => Existing(Path.Combine(Fixtures, name));

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

    private static string FindFixtures()
    {
        string beside = Path.GetFullPath(Path.Combine(Root, "..", "shared", "fixtures"));
        return Directory.Exists(beside) ? beside : "/work/shared/fixtures";
    }
}
