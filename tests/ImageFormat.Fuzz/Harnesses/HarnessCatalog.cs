namespace ImageFormat.Fuzz.Harnesses;

/// <summary>Every harness, by name.</summary>
public static class HarnessCatalog
{
    /// <summary>The harness names, in the order <c>eng/fuzz.sh all</c> runs them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["tar", "archive", "layout", "extract", "merged", "json", "reference", "decompress"];

    /// <summary>Creates the harness named <paramref name="name"/>.</summary>
    /// <param name="name">Its name.</param>
    /// <param name="workDirectory">Scratch space for the harnesses that build files (made when missing).</param>
    /// <returns>The harness; dispose it.</returns>
    /// <exception cref="ArgumentException">No harness has that name.</exception>
    public static Harness Create(string name, string workDirectory) => name switch
    {
        "tar" => new TarHarness(),
        "archive" => new ArchiveHarness(),
        "layout" => new LayoutHarness(workDirectory),
        "extract" => new ExtractHarness(workDirectory),
        "merged" => new MergedTreeHarness(),
        "json" => new JsonHarness(),
        "reference" => new ReferenceHarness(),
        "decompress" => new DecompressHarness(),
        _ => throw new ArgumentException($"no harness named \"{name}\"; there are: {string.Join(", ", Names)}", nameof(name)),
    };
}
