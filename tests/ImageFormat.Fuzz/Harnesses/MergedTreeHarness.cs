using ImageFormat.Archives;
using ImageFormat.Errors;
using ImageFormat.Layers;
using ImageFormat.Tar;

namespace ImageFormat.Fuzz.Harnesses;

/// <summary>
/// The merged tree of fuzzed layers (the input split at <see cref="FuzzLimits.LayerSeparator"/>), wrapped in a
/// one-image archive: every path enumerated, found, resolved and, for files, read.
/// </summary>
public sealed class MergedTreeHarness : Harness
{
    private const int MaxEntries = 500;

    /// <inheritdoc/>
    public override string Name => "merged";

    /// <inheritdoc/>
    public override string Checks => "MergedTree.Build over up to four fuzzed layers, then Enumerate, Find, Resolve and OpenFile (cat) of every file; only ImageFormatException may escape, Find gives back each enumerated entry, and a file's content has its size.";

    /// <inheritdoc/>
    public override void Run(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        byte[] archiveBytes = ArchiveSeeds.DockerSave(FuzzLimits.SplitLayers(data));
        try
        {
            using ImageArchive archive = ImageArchive.OpenStream(new MemoryStream(archiveBytes, writable: false), leaveOpen: false, new ImageArchiveOptions { Limits = FuzzLimits.Value });
            ArchiveImage image = archive.Images[0];
            MergedTree tree = MergedTree.Build(image, FuzzLimits.Value);
            _ = tree.WastedBytes + tree.ContentBytes + tree.Efficiency;
            foreach (MergedEntry entry in tree.Enumerate().Take(MaxEntries))
            {
                if (tree.Find(entry.Path) is not { } found || found.Path != entry.Path)
                {
                    throw new FuzzInvariantException($"Enumerate gave \"{entry.Path}\" but Find did not find it");
                }

                try
                {
                    _ = tree.Resolve(entry.Path);
                }
                catch (InvalidLayerException)
                {
                    // Documented: too many links.
                }

                if (entry.Type == TarEntryKind.RegularFile)
                {
                    using Stream content = tree.OpenFile(entry.Path);
                    (long read, bool ended) = FuzzLimits.Drain(content);
                    if (ended && read != entry.Size)
                    {
                        throw new FuzzInvariantException($"\"{entry.Path}\" has size {entry.Size} but OpenFile gave {read} bytes");
                    }
                }
            }
        }
        catch (ImageFormatException)
        {
            // Documented for OpenStream, Build, Find, Resolve and OpenFile.
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<(string Name, byte[] Data)> Seeds(SeedSources seeds)
    {
        var layers = SeedSources.HostileLayers().ToList();
        foreach ((string name, byte[] layer) in layers)
        {
            yield return (name, layer);
        }

        byte[] plain = layers[0].Data;
        yield return ("over-plain-whiteouts", FuzzLimits.JoinLayers(plain, SeedSources.Tar(t => t.Whiteout("etc/.wh.passwd").Whiteout("etc/.wh..wh..opq").File("etc/new", "n"))));
        yield return ("dir-becomes-link", FuzzLimits.JoinLayers(plain, SeedSources.Tar(t => t.Symlink("etc", "greeting")), SeedSources.Tar(t => t.File("etc/again", "x").HardLink("h", "greeting"))));
        yield return ("link-chain", FuzzLimits.JoinLayers(SeedSources.Tar(t => t.Symlink("a", "b/c").Dir("b/").Symlink("b/c", "../d").Dir("d/").File("d/f", "x")), SeedSources.Tar(t => t.Whiteout("b/.wh.c").File("a", "file now"))));
    }

    /// <summary>Archives of hostile layers for the archive harness's seeds.</summary>
    /// <returns>Name → archive bytes.</returns>
    public static IEnumerable<(string Name, byte[] Data)> SeedArchives()
    {
        foreach ((string name, byte[] layer) in SeedSources.HostileLayers().Take(6))
        {
            yield return ($"image-{name}.tar", ArchiveSeeds.DockerSave([layer]));
        }
    }
}
