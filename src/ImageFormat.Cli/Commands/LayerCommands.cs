using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ImageFormat.Images;
using ImageFormat.Layers;
using ImageFormat.Model;
using ImageFormat.Tar;

namespace ImageFormat.Cli.Commands;

/// <summary><c>imagefmt archive files|cat|layers|extract</c>: the files inside an image's layers.</summary>
internal static class LayerCommands
{
    private static readonly string[] FilesHeader = ["MODE", "SIZE", "LAYER", "PATH"];
    private static readonly string[] LayersHeader = ["#", "DIGEST", "DIFF ID", "SIZE", "ADDED", "CHANGED", "DELETED", "WASTED", "CREATED BY"];

    /// <summary>
    /// <c>--no-verify</c> on the commands that read layer content: skip checking each layer's stored digest, size
    /// and diffID. Verification is the default; skip it only for archives you already verified or trust.
    /// </summary>
    private static readonly Option<bool> NoVerify = new("--no-verify")
    {
        Description = "Do not check each layer's digest, size and diffID while reading it (only for archives already verified or trusted).",
    };

    private static Argument<string> FileArgument() => new("FILE")
    {
        Description = "An image archive (tar, optionally compressed), '-' for standard input, oci:DIR for an OCI layout directory, or docker://HOST/REPO:TAG|@DIGEST for an image in a registry (its layers are streamed when read, verified).",
    };

    private static Argument<string?> ImageArgument() => new("IMAGE")
    {
        Description = "A tag, repo:tag, full or short image ID, or digest; not needed when the archive holds one image.",
        Arity = ArgumentArity.ZeroOrOne,
    };

    public static Command Files(CliConsole console)
    {
        var file = FileArgument();
        var image = ImageArgument();
        var format = new Option<string>("--format") { Description = "Output format: table or json.", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var command = new Command("files", "List an image's merged file tree from its layers, without extracting: mode, size, layer, path.") { file, image, format, NoVerify };
        command.SetAction(parse => console.Guard(() =>
        {
            using ImageOperand operand = ImageOperand.Open(parse.GetValue(file)!, parse.GetValue(image), parse);
            MergedTree tree = MergedTree.Build(operand.Image, operand.Limits, !parse.GetValue(NoVerify));
            if (parse.GetValue(format) == "json")
            {
                WriteJson(console, writer =>
                {
                    writer.WriteStartArray();
                    foreach (MergedEntry entry in tree.Enumerate())
                    {
                        writer.WriteStartObject();
                        writer.WriteString("Path", "/" + entry.Path);
                        writer.WriteString("Type", entry.Type.ToString());
                        writer.WriteString("Mode", Convert.ToString(entry.Header.Mode, 8).PadLeft(4, '0'));
                        writer.WriteNumber("Uid", entry.Header.Uid);
                        writer.WriteNumber("Gid", entry.Header.Gid);
                        writer.WriteNumber("Size", entry.Size);
                        writer.WriteNumber("Layer", entry.LayerIndex);
                        if (entry.Header.LinkName.Length > 0)
                        {
                            writer.WriteString("LinkTarget", entry.Header.LinkName);
                        }

                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                });
                return 0;
            }

            var rows = new List<string[]> { FilesHeader };
            foreach (MergedEntry entry in tree.Enumerate())
            {
                string path = "/" + entry.Path;
                if (entry.Type == TarEntryKind.SymbolicLink)
                {
                    path += " -> " + entry.Header.LinkName;
                }
                else if (entry.Type == TarEntryKind.HardLink)
                {
                    path += " link to /" + entry.Header.LinkName.TrimStart('.', '/');
                }

                rows.Add([ModeString(entry), entry.Size.ToString(CultureInfo.InvariantCulture), entry.LayerIndex.ToString(CultureInfo.InvariantCulture), path]);
            }

            Table.Write(console.Out, rows);
            return 0;
        }));
        return command;
    }

    public static Command Cat(CliConsole console)
    {
        var file = FileArgument();
        var image = new Argument<string>("IMAGE") { Description = "A tag, repo:tag, image ID or digest." };
        var path = new Argument<string>("PATH") { Description = "The file's path inside the image (links are followed inside the image)." };
        var command = new Command("cat", "Write one file of an image's merged tree to standard output, read straight from its layer (verified: exit 1 if the layer does not match its digests, which can be after the bytes were written).") { file, image, path, NoVerify };
        command.SetAction(parse => console.Guard(() =>
        {
            using ImageOperand operand = ImageOperand.Open(parse.GetValue(file)!, parse.GetValue(image), parse);
            MergedTree tree = MergedTree.Build(operand.Image, operand.Limits, !parse.GetValue(NoVerify));
            using Stream content = tree.OpenFile(parse.GetValue(path)!);
            console.Out.Flush();
            using Stream stdout = console.OpenBinaryOutput();
            content.CopyTo(stdout);
            return 0;
        }));
        return command;
    }

    public static Command Layers(CliConsole console)
    {
        var file = FileArgument();
        var image = ImageArgument();
        var format = new Option<string>("--format") { Description = "Output format: table or json.", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var command = new Command("layers", "Per layer: digest, diffID, size, files added/changed/deleted, wasted bytes and the history entry that made it.") { file, image, format, NoVerify };
        command.SetAction(parse => console.Guard(() =>
        {
            using ImageOperand operand = ImageOperand.Open(parse.GetValue(file)!, parse.GetValue(image), parse);
            IContainerImage found = operand.Image;
            MergedTree tree = MergedTree.Build(found, operand.Limits, !parse.GetValue(NoVerify));
            List<HistoryEntry?> history = LayerHistory(found);
            if (parse.GetValue(format) == "json")
            {
                WriteJson(console, writer =>
                {
                    writer.WriteStartArray();
                    for (int i = 0; i < found.Layers.Count; i++)
                    {
                        IImageLayer layer = found.Layers[i];
                        MergedLayerSummary summary = tree.Layers[i];
                        writer.WriteStartObject();
                        writer.WriteNumber("Index", i);
                        writer.WriteString("Digest", DeclaredDigest(operand, i)?.Value);
                        writer.WriteString("DiffID", layer.DiffId.Value);
                        writer.WriteNumber("Size", layer.Size);
                        writer.WriteNumber("Added", summary.Added);
                        writer.WriteNumber("Changed", summary.Changed);
                        writer.WriteNumber("Deleted", summary.Deleted);
                        writer.WriteNumber("WastedBytes", summary.WastedBytes);
                        writer.WriteString("CreatedBy", history[i]?.CreatedBy);
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                });
                return 0;
            }

            var rows = new List<string[]> { LayersHeader };
            for (int i = 0; i < found.Layers.Count; i++)
            {
                IImageLayer layer = found.Layers[i];
                MergedLayerSummary summary = tree.Layers[i];
                rows.Add([
                    i.ToString(CultureInfo.InvariantCulture),
                    DeclaredDigest(operand, i) is { } digest ? digest.Value[..19] : "-",
                    layer.DiffId.IsEmpty ? "-" : layer.DiffId.Value[..19],
                    Units.HumanSize(layer.Size),
                    summary.Added.ToString(CultureInfo.InvariantCulture),
                    summary.Changed.ToString(CultureInfo.InvariantCulture),
                    summary.Deleted.ToString(CultureInfo.InvariantCulture),
                    Units.HumanSize(summary.WastedBytes),
                    history[i]?.CreatedBy ?? string.Empty,
                ]);
            }

            Table.Write(console.Out, rows);
            console.Out.WriteLine($"wasted: {Units.HumanSize(tree.WastedBytes)}, efficiency: {tree.Efficiency.ToString("P2", CultureInfo.InvariantCulture)}");
            return 0;
        }));
        return command;
    }

    public static Command Extract(CliConsole console)
    {
        var file = FileArgument();
        var rest = new Argument<string[]>("IMAGE-AND-DIR") { Description = "[IMAGE] DIR: the image (optional when the archive holds one) and the destination directory.", Arity = new ArgumentArity(1, 2) };
        var skip = new Option<bool>("--skip-invalid") { Description = "Skip and report unsafe or invalid entries instead of stopping." };
        var quiet = ProgressDisplay.QuietOption();
        var command = new Command("extract", "Apply an image's layers in order onto a directory (whiteouts, links, modes, times, xattrs, ownership when root); nothing lands outside it.") { file, rest, skip, NoVerify, quiet };
        command.SetAction(parse => console.Guard(() =>
        {
            string[] values = parse.GetValue(rest)!;
            using ImageOperand operand = ImageOperand.Open(parse.GetValue(file)!, values.Length == 2 ? values[0] : null, parse);
            IContainerImage found = operand.Image;
            var options = new LayerExtractOptions { SkipInvalidEntries = parse.GetValue(skip), Limits = operand.Limits, VerifyDigests = !parse.GetValue(NoVerify) };
            LayerExtractResult result = ProgressDisplay.Run(console, parse.GetValue(quiet), "extract", progress => LayerExtractor.ExtractImageAsync(found, values[^1], options, progress));
            foreach (Errors.InvalidLayerException skipped in result.Skipped)
            {
                console.Error.WriteLine($"skipped: {skipped.Message}");
            }

            foreach (string device in result.DevicesNotCreated)
            {
                console.Error.WriteLine($"device not created: {device}");
            }

            console.Out.WriteLine($"extracted {found.GetShortId()}: {found.Layers.Count} layers, {result.EntriesApplied} entries into {values[^1]}");
            return 0;
        }));
        return command;
    }

    /// <summary>The layer's blob digest as its manifest declares it; an archive without manifests declares none.</summary>
    private static Digests.Digest? DeclaredDigest(ImageOperand operand, int index) =>
        operand.ArchiveImage is { } archived ? archived.Layers[index].DeclaredDigest : operand.Image.Layers[index].Digest;

    private static List<HistoryEntry?> LayerHistory(IContainerImage image)
    {
        var result = new List<HistoryEntry?>();
        foreach (HistoryEntry entry in image.Config.Value.History)
        {
            if (entry.EmptyLayer != true)
            {
                result.Add(entry);
            }
        }

        while (result.Count < image.Layers.Count)
        {
            result.Add(null);
        }

        return result;
    }

    private static string ModeString(MergedEntry entry)
    {
        char type = entry.Type switch
        {
            TarEntryKind.Directory => 'd',
            TarEntryKind.SymbolicLink => 'l',
            TarEntryKind.CharacterDevice => 'c',
            TarEntryKind.BlockDevice => 'b',
            TarEntryKind.Fifo => 'p',
            _ => '-',
        };
        int mode = entry.Header.Mode;
        Span<char> chars = stackalloc char[10];
        chars[0] = type;
        const string Letters = "rwxrwxrwx";
        for (int i = 0; i < 9; i++)
        {
            chars[i + 1] = (mode & (1 << (8 - i))) != 0 ? Letters[i] : '-';
        }

        if ((mode & 0x800) != 0)
        {
            chars[3] = (mode & 0x40) != 0 ? 's' : 'S';
        }

        if ((mode & 0x400) != 0)
        {
            chars[6] = (mode & 0x8) != 0 ? 's' : 'S';
        }

        if ((mode & 0x200) != 0)
        {
            chars[9] = (mode & 0x1) != 0 ? 't' : 'T';
        }

        return new string(chars);
    }

    private static void WriteJson(CliConsole console, Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, IndentSize = 4 }))
        {
            write(writer);
        }

        console.Out.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
