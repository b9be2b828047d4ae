using ImageFormat.Errors;
using ImageFormat.Layers;

namespace ImageFormat.Fuzz.Harnesses;

/// <summary>
/// Layer extraction of up to four fuzzed layers (the input split at <see cref="FuzzLimits.LayerSeparator"/>) onto
/// one root, with a canary directory and a file beside the root. After every input the workspace around the root
/// must be exactly as before: every path's bytes, link target, type, mode, owner, link count and times.
/// </summary>
public sealed class ExtractHarness : Harness
{
    private const string RootName = "root";
    private static readonly DateTimeOffset s_canaryTime = new(2001, 2, 3, 4, 5, 6, TimeSpan.Zero);
    private readonly string _workspace;
    private readonly string _root;
    private SortedDictionary<string, FileSystem.Metadata> _expected;

    /// <summary>Creates the workspace: <c>DIR/extract/{root,canary/…,beside}</c>.</summary>
    /// <param name="workDirectory">The work directory.</param>
    public ExtractHarness(string workDirectory)
    {
        _workspace = Path.Combine(Path.GetFullPath(workDirectory), "extract");
        _root = Path.Combine(_workspace, RootName);
        _expected = MakeWorkspace();
    }

    /// <summary>The canary directory beside the root (its absolute path goes into the fuzzing dictionary).</summary>
    public string CanaryDirectory => Path.Combine(_workspace, "canary");

    /// <inheritdoc/>
    public override string Name => "extract";

    /// <inheritdoc/>
    public override string Checks => "LayerExtractor.ApplyLayer of up to four fuzzed layers onto one root (SkipInvalidEntries, ownership applied when root); only ImageFormatException and IOException (documented) may escape, the root stays a directory, and a canary beside the root stays byte-, mode-, owner-, link- and time-identical with nothing created or removed outside the root.";

    /// <inheritdoc/>
    public override void Run(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var options = new LayerExtractOptions { Limits = FuzzLimits.Value, SkipInvalidEntries = true };
        try
        {
            List<byte[]> layers = FuzzLimits.SplitLayers(data);
            for (int i = 0; i < layers.Count; i++)
            {
                LayerExtractor.ApplyLayer(new MemoryStream(layers[i], writable: false), _root, $"layer {i}", options);
            }
        }
        catch (ImageFormatException)
        {
            // Documented: a malformed tar, an unsafe entry, a limit.
        }
        catch (IOException)
        {
            // Documented: the file system refused an operation.
        }
        finally
        {
            Check();
        }
    }

    private void Check()
    {
        bool rootIsDirectory = FileSystem.IsRealDirectory(_root);
        string? escape = FileSystem.Compare(_expected, FileSystem.Snapshot(_workspace, RootName));
        if (escape is not null || !rootIsDirectory)
        {
            _expected = MakeWorkspace();
            throw new FuzzInvariantException(
                $"CONTAINMENT BROKEN: the extraction changed things outside its root {_root}" +
                (rootIsDirectory ? string.Empty : "\n  the root is no longer a directory") + (escape is null ? string.Empty : "\n" + escape));
        }

        // Empty the root (never following a link) for the next input; the root itself stays.
        foreach (string child in Directory.GetFileSystemEntries(_root))
        {
            FileSystem.DeleteTree(child);
        }
    }

    private SortedDictionary<string, FileSystem.Metadata> MakeWorkspace()
    {
        FileSystem.DeleteTree(_workspace);
        Directory.CreateDirectory(_root);
        string canary = CanaryDirectory;
        Directory.CreateDirectory(Path.Combine(canary, "sub", "deeper"));
        Directory.CreateDirectory(Path.Combine(canary, "empty"));
        File.WriteAllText(Path.Combine(canary, "secret"), "canary: must never change\n");
        File.WriteAllText(Path.Combine(canary, "sub", "file"), "canary sub file\n");
        File.WriteAllText(Path.Combine(canary, "sub", "deeper", "file"), "canary deeper file\n");
        File.CreateSymbolicLink(Path.Combine(canary, "link"), "secret");
        FileSystem.MakeFifo(Path.Combine(canary, "fifo"));
        File.WriteAllText(Path.Combine(_workspace, "beside"), "beside the root\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path.Combine(canary, "secret"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        }

        foreach (string path in new[] { "secret", "sub/file", "sub", "empty", "fifo" })
        {
            FileSystem.SetOwner(Path.Combine(canary, path), 1234, 5678);
        }

        // Fixed times, deepest first so that setting a child's time does not touch its parent's.
        foreach (string path in new[] { "secret", "sub/deeper/file", "sub/deeper", "sub/file", "sub", "empty", "fifo" })
        {
            File.SetLastWriteTimeUtc(Path.Combine(canary, path), s_canaryTime.UtcDateTime);
        }

        File.SetLastWriteTimeUtc(canary, s_canaryTime.UtcDateTime);
        File.SetLastWriteTimeUtc(Path.Combine(_workspace, "beside"), s_canaryTime.UtcDateTime);
        return FileSystem.Snapshot(_workspace, RootName);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            FileSystem.DeleteTree(_workspace);
        }

        base.Dispose(disposing);
    }

    /// <inheritdoc/>
    public override IEnumerable<(string Name, byte[] Data)> Seeds(SeedSources seeds)
    {
        foreach ((string name, byte[] layer) in SeedSources.HostileLayers())
        {
            yield return (name, layer);
        }

        byte[] Tar(Action<SeedSources.TarBuild> build) => SeedSources.Tar(build);
        yield return ("link-then-write-next-layer", FuzzLimits.JoinLayers(Tar(t => t.Symlink("up", "../canary")), Tar(t => t.File("up/secret", "x").Whiteout("up/.wh.sub"))));
        yield return ("link-missing-dotdot-three-layers", FuzzLimits.JoinLayers(
            Tar(t => t.Dir("a/")),
            Tar(t => t.Symlink("x", "missing/../../canary")),
            Tar(t => t.Whiteout("x/.wh..wh..opq").HardLink("stolen", "x/secret").Dir("x/sub/"))));
        yield return ("dir-time-after-swap", FuzzLimits.JoinLayers(Tar(t => t.Dir("d/").File("d/f", "x")), Tar(t => t.Whiteout(".wh.d").Symlink("d", "../canary").Dir("d/"))));
        yield return ("hardlink-then-chmod", FuzzLimits.JoinLayers(Tar(t => t.Symlink("c", "../canary")), Tar(t => t.HardLink("h", "c/secret").File("h", "over", mode: 0xDED, uid: 1, gid: 1))));
    }
}
