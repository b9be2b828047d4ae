using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using ImageFormat.Archives;
using ImageFormat.Errors;
using ImageFormat.Moby;
using ImageFormat.References;
using ImageFormat.Store;

namespace ImageFormat.Cli.Commands;

/// <summary>
/// Docker's image commands on the local store (<c>load</c>, <c>images</c>, <c>tag</c>, <c>rmi</c>,
/// <c>image prune</c>, <c>history</c>, <c>inspect</c>, <c>system check</c>), printing what the Docker 20.10 client
/// prints, errors included (<c>Error response from daemon: …</c> where Docker's daemon answers).
/// </summary>
internal static class StoreCommands
{
    /// <summary>The store directory, for every command (else <c>IMAGEFMT_ROOT</c>, else the XDG data directory).</summary>
    public static Option<string?> RootOption { get; } = new("--root")
    {
        Description = "The image store directory (default: $IMAGEFMT_ROOT, else $XDG_DATA_HOME/imagefmt, else ~/.local/share/imagefmt).",
        Recursive = true,
    };

    public static IEnumerable<Command> Create(CliConsole console) =>
    [
        Load(console), Images(console), Tag(console), Rmi(console), Image(console), History(console), Inspect(console), SystemCommand(console),
        .. ContainerCommands.Create(console),
    ];

    internal static ImageStore OpenStore(ParseResult parse, bool verifyBlobsOnSave = false) =>
        ImageStore.Open(parse.GetValue(RootOption) ?? ImageStore.DefaultRoot(), new ImageStoreOptions { Limits = LimitOptions.From(parse), VerifyBlobsOnSave = verifyBlobsOnSave });

    /// <summary>
    /// Runs a command, printing the errors Docker has a text for as the Docker client does (<c>No such image</c>,
    /// conflicts, invalid references, changes and names: exit 1, no code, so the output stays Docker's); every other
    /// failure is one <c>Error: IMGFMTnnnn: ...</c> line (<see cref="CliConsole.Describe"/>), with Docker's exit code 1
    /// for what the daemon would refuse (missing input, bad data, a digest mismatch).
    /// </summary>
    internal static int Run(CliConsole console, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (InvalidReferenceException e)
        {
            console.Error.WriteLine($"Error response from daemon: {e.Reason}");
        }
        catch (ImageFormatException e) when (e.Code is ErrorCodes.NotFound or ErrorCodes.Conflict or ErrorCodes.StoreInvalidChange or ErrorCodes.StoreInvalidName or ErrorCodes.StoreInvalidFilter or ErrorCodes.StoreNoCommand)
        {
            console.Error.WriteLine($"Error response from daemon: {e.Message}");
        }
        catch (ImageFormatException e) when (e.Code is ErrorCodes.StoreInvalidTemplate)
        {
            // The Docker client's own message, which it prints as is.
            console.Error.WriteLine(e.Message);
        }
        catch (Exception e)
        {
            // Docker's client exits 1 whatever the daemon refused; usage errors and bugs keep their own codes.
            (string line, int exit) = CliConsole.Describe(e);
            console.Error.WriteLine(line);
            return exit is CliConsole.ExitNotFound or CliConsole.ExitBadData or CliConsole.ExitVerificationFailed ? CliConsole.ExitFailure : exit;
        }

        return 1;
    }

    private static Command Load(CliConsole console)
    {
        var input = new Option<string?>("--input", "-i") { Description = "Read from a tar archive file (any dialect, optionally compressed), instead of standard input." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Suppress the progress bar (shown only when standard error is a terminal)." };
        var command = new Command("load", "Load images from a tar archive or standard input into the store.") { input, quiet };
        command.SetAction(parse => Run(console, () =>
        {
            string? file = parse.GetValue(input);
            var options = new ImageArchiveOptions { Limits = LimitOptions.From(parse) };
            using ImageArchive archive = file is null
                ? ImageArchive.OpenStream(Console.OpenStandardInput(), leaveOpen: false, options)
                : ImageArchive.OpenFile(file, options);
            using ImageStore store = OpenStore(parse);
            LoadResult loaded = ProgressDisplay.Run(console, parse.GetValue(quiet), "load", progress => store.LoadAsync(archive, progress));
            foreach (string line in loaded.Lines)
            {
                console.Out.WriteLine(line);
            }

            return 0;
        }));
        return command;
    }

    private static Command Images(CliConsole console)
    {
        var all = new Option<bool>("--all", "-a") { Description = "Show all images (intermediate parents too)." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only show image IDs." };
        var noTrunc = new Option<bool>("--no-trunc") { Description = "Don't truncate output." };
        var digests = new Option<bool>("--digests") { Description = "Show digests." };
        var format = new Option<string?>("--format") { Description = "Pretty-print images using a Go template (Docker's placeholders, 'table …', '{{json .}}')." };
        var filter = FilterOption("Filter output based on conditions provided (dangling, reference, before, since, label).");
        var name = new Argument<string?>("REPOSITORY[:TAG]") { Arity = ArgumentArity.ZeroOrOne, Description = "Only images whose references match (a reference filter)." };
        var command = new Command("images", "List images.") { all, quiet, noTrunc, digests, format, filter, name };
        command.SetAction(parse => Run(console, () =>
        {
            if (!TryFilters(console, parse, filter, "images", out DockerFilters? filters))
            {
                return 125;
            }

            if (parse.GetValue(name) is { Length: > 0 } match)
            {
                filters.Add("reference", match);
            }

            using ImageStore store = OpenStore(parse);
            IReadOnlyList<ImageSummary> images = store.ListImages(parse.GetValue(all), filters);
            console.Out.Write(DockerListing.Images(images, new DockerListingOptions
            {
                Format = parse.GetValue(format),
                Quiet = parse.GetValue(quiet),
                NoTrunc = parse.GetValue(noTrunc),
                Digests = parse.GetValue(digests),
            }));
            return 0;
        }));
        return command;
    }

    /// <summary>Docker's repeatable <c>--filter</c> (<c>-f</c> where the command has no <c>--force</c>).</summary>
    internal static Option<string[]> FilterOption(string description, bool shortAlias = true)
    {
        Option<string[]> option = shortAlias ? new Option<string[]>("--filter", "-f") : new Option<string[]>("--filter");
        option.Description = description;
        option.AllowMultipleArgumentsPerToken = false;
        return option;
    }

    /// <summary>Parses the filters as the Docker client does; a value without <c>=</c> is a usage error (exit 125).</summary>
    internal static bool TryFilters(CliConsole console, ParseResult parse, Option<string[]> option, string command, [NotNullWhen(true)] out DockerFilters? filters)
    {
        try
        {
            filters = DockerFilters.Parse(parse.GetValue(option) ?? []);
            return true;
        }
        catch (ArgumentException e)
        {
            string bad = (parse.GetValue(option) ?? []).First(v => v.Length > 0 && !v.Contains('=', StringComparison.Ordinal));
            console.Error.WriteLine($"invalid argument \"{bad}\" for \"{option.Name}\" flag: {e.Message.Split(" (Parameter", 2)[0]}");
            console.Error.WriteLine($"See 'imagefmt {command} --help'.");
            filters = null;
            return false;
        }
    }

    private static Command Tag(CliConsole console)
    {
        var source = new Argument<string>("SOURCE_IMAGE") { Description = "The image: name[:tag], full or short ID." };
        var target = new Argument<string>("TARGET_IMAGE") { Description = "The new reference: name[:tag]." };
        var command = new Command("tag", "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE.") { source, target };
        command.SetAction(parse => Run(console, () =>
        {
            // The Docker client parses both names before asking the daemon.
            foreach (string name in new[] { parse.GetValue(source)!, parse.GetValue(target)! })
            {
                if (!ImageSpecifier.TryParse(name, out _, out string? reason))
                {
                    console.Error.WriteLine($"Error parsing reference: \"{name}\" is not a valid repository/tag: {reason}");
                    return 1;
                }
            }

            if (ImageReference.TryParse(parse.GetValue(target)!, out ImageReference? t) && t.Digest is not null)
            {
                console.Error.WriteLine("refusing to create a tag with a digest reference");
                return 1;
            }

            using ImageStore store = OpenStore(parse);
            store.Tag(parse.GetValue(source)!, parse.GetValue(target)!);
            return 0;
        }));
        return command;
    }

    private static Command Rmi(CliConsole console)
    {
        var images = new Argument<string[]>("IMAGE") { Arity = ArgumentArity.OneOrMore, Description = "Images to remove: name[:tag], name@digest, full or short ID." };
        var force = new Option<bool>("--force", "-f") { Description = "Force removal of the image (soft conflicts only)." };
        var noPrune = new Option<bool>("--no-prune") { Description = "Do not delete untagged parents." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what would be untagged and deleted, and the space it would free; change nothing (not in Docker)." };
        var command = new Command("rmi", "Remove one or more images.") { images, force, noPrune, dryRun };
        command.SetAction(parse => Run(console, () =>
        {
            using ImageStore store = OpenStore(parse);
            bool forced = parse.GetValue(force);
            bool dry = parse.GetValue(dryRun);
            var errors = new List<string>();
            bool fatal = false;
            long reclaimed = 0;
            long blobs = 0;
            foreach (string name in parse.GetValue(images)!)
            {
                try
                {
                    ImageRemoval removal = store.RemoveImage(name, forced, !parse.GetValue(noPrune), dry);
                    console.Out.Write(DockerListing.Rmi(removal));

                    reclaimed += removal.ReclaimedBytes;
                    blobs += removal.BlobBytesFreed;
                }
                catch (ImageFormatException e)
                {
                    fatal |= e.Code != ErrorCodes.NotFound;
                    // The client turns the daemon's 404 into its own text, naming the image as typed.
                    errors.Add(e switch
                    {
                        InvalidReferenceException r => $"Error response from daemon: {r.Reason}",
                        NotFoundException => $"Error: No such image: {name}",
                        _ => $"Error response from daemon: {e.Message}",
                    });
                }
            }

            if (dry)
            {
                console.Out.WriteLine($"Dry run: nothing was changed; this would reclaim {DockerUnits.HumanSize(reclaimed)} ({blobs} bytes of blobs)");
            }

            if (errors.Count > 0)
            {
                console.Error.WriteLine(string.Join('\n', errors));

                // Like Docker: with -f, images that do not exist are not an error.
                return !forced || fatal ? 1 : 0;
            }

            return 0;
        }));
        return command;
    }

    private static Command Image(CliConsole console)
    {
        var all = new Option<bool>("--all", "-a") { Description = "Remove all unused images, not just dangling ones." };
        var force = new Option<bool>("--force", "-f") { Description = "Do not prompt for confirmation." };
        var filter = FilterOption("Provide filter values (until=<timestamp>, label=<key>[=<value>], label!=<key>[=<value>]).", shortAlias: false);
        var prune = new Command("prune", "Remove unused images.") { all, force, filter };
        prune.SetAction(parse => Run(console, () =>
        {
            bool everything = parse.GetValue(all);
            if (!TryFilters(console, parse, filter, "image prune", out DockerFilters? filters))
            {
                return 125;
            }

            if (!parse.GetValue(force))
            {
                console.Out.Write(everything
                    ? "WARNING! This will remove all images without at least one container associated to them.\nAre you sure you want to continue? [y/N] "
                    : "WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] ");
                string? answer = console.In.ReadLine()?.Trim();
                if (!string.Equals(answer, "y", StringComparison.OrdinalIgnoreCase) && !string.Equals(answer, "yes", StringComparison.OrdinalIgnoreCase))
                {
                    console.Out.WriteLine("Total reclaimed space: 0B");
                    return 0;
                }
            }

            using ImageStore store = OpenStore(parse);
            ImageRemoval removal = store.PruneImages(everything, dryRun: false, filters);
            console.Out.Write(DockerListing.Prune(removal));
            return 0;
        }));
        var image = new Command("image", "Manage images.") { prune };
        return image;
    }

    private static Command History(CliConsole console)
    {
        var image = new Argument<string>("IMAGE") { Description = "The image." };
        var noTrunc = new Option<bool>("--no-trunc") { Description = "Don't truncate output." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only show image IDs." };
        var human = new Option<bool>("--human", "-H") { Description = "Print sizes and dates in human readable format.", DefaultValueFactory = _ => true };
        var format = new Option<string?>("--format") { Description = "Pretty-print history using a Go template (Docker's placeholders, 'table …', '{{json .}}')." };
        var command = new Command("history", "Show the history of an image.") { image, noTrunc, quiet, human, format };
        command.SetAction(parse => Run(console, () =>
        {
            using ImageStore store = OpenStore(parse);
            IReadOnlyList<ImageHistoryItem> rows = store.History(parse.GetValue(image)!);
            console.Out.Write(DockerListing.History(rows, new DockerListingOptions
            {
                Format = parse.GetValue(format),
                Quiet = parse.GetValue(quiet),
                NoTrunc = parse.GetValue(noTrunc),
                Human = parse.GetValue(human),
            }));
            return 0;
        }));
        return command;
    }

    private static Command Inspect(CliConsole console)
    {
        var images = new Argument<string[]>("IMAGE") { Arity = ArgumentArity.OneOrMore, Description = "Images to inspect." };
        var command = new Command("inspect", "Display detailed information on one or more images (Docker's JSON).") { images };
        command.SetAction(parse => Run(console, () =>
        {
            using ImageStore store = OpenStore(parse);
            var found = new List<string>();
            var missing = new List<string>();
            foreach (string name in parse.GetValue(images)!)
            {
                try
                {
                    store.GetImage(name);
                    found.Add(name);
                }
                catch (ImageFormatException e) when (e.Code is ErrorCodes.NotFound or ErrorCodes.InvalidReference)
                {
                    missing.Add(name);
                }
            }

            console.Out.WriteLine(found.Count == 0 ? "[]" : store.Inspect(found));
            foreach (string name in missing)
            {
                console.Error.WriteLine($"Error: No such object: {name}");
            }

            return missing.Count > 0 ? 1 : 0;
        }));
        return command;
    }

    private static Command SystemCommand(CliConsole console)
    {
        var content = new Option<bool>("--verify-content") { Description = "Also hash every layer against its DiffID (reads every byte)." };
        var check = new Command("check", "Check the store's consistency: references, images, layers, reference counts, blobs, containers.") { content };
        check.SetAction(parse => Run(console, () =>
        {
            using ImageStore store = OpenStore(parse);
            IReadOnlyList<string> problems = store.Check(parse.GetValue(content));
            foreach (string problem in problems)
            {
                console.Error.WriteLine(problem);
            }

            if (problems.Count > 0)
            {
                console.Error.WriteLine($"Error: {ErrorCodes.StoreCorrupt}: the store at {store.Root} has {problems.Count} problem(s)");
                return 1;
            }

            console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ok: {store.Images.Count} images, {store.Layers.Count} layers, {store.Containers.Count} containers in {store.Root}"));
            return 0;
        }));
        return new Command("system", "Manage the store.") { check };
    }
}
