using System.CommandLine;
using ImageFormat.Archives.Writers;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Layers;
using ImageFormat.Store;

namespace ImageFormat.Cli.Commands;

/// <summary>
/// Docker's container and image transfer commands on the local store (<c>create</c>, <c>rootfs</c>, <c>ps</c>,
/// <c>diff</c>, <c>commit</c>, <c>rm</c>, <c>export</c>, <c>import</c>, <c>save</c>), printing what the Docker
/// 20.10 client prints. Nothing runs: a container is an unpacked root file system the user changes directly.
/// </summary>
internal static class ContainerCommands
{
    public static IEnumerable<Command> Create(CliConsole console) =>
    [
        CreateCommand(console), RootFs(console), Ps(console), Diff(console), Commit(console), Rm(console), Export(console), Import(console), Save(console),
    ];

    private static Command CreateCommand(CliConsole console)
    {
        var name = new Option<string?>("--name") { Description = "Assign a name to the container." };
        var image = new Argument<string>("IMAGE") { Description = "The image: name[:tag], full or short ID." };
        var command = new Argument<string[]>("COMMAND") { Arity = ArgumentArity.ZeroOrMore, Description = "The command and its arguments (recorded as the container's Cmd)." };
        var create = new Command("create", "Create a new container: unpack the image into its root file system and print its ID.") { name, image, command };
        create.SetAction(parse => StoreCommands.Run(console, () =>
        {
            using ImageStore store = StoreCommands.OpenStore(parse);
            StoreContainer container = store.AddContainer(parse.GetValue(image)!, parse.GetValue(name), command: parse.GetValue(command));
            console.Out.WriteLine(container.Id);
            return 0;
        }));
        return create;
    }

    private static Command RootFs(CliConsole console)
    {
        var container = new Argument<string>("CONTAINER") { Description = "The container's name or ID." };
        var rootfs = new Command("rootfs", "Print the directory of a container's root file system (make changes there; not in Docker).") { container };
        rootfs.SetAction(parse => StoreCommands.Run(console, () =>
        {
            using ImageStore store = StoreCommands.OpenStore(parse);
            StoreContainer found = Find(store, parse.GetValue(container)!);
            console.Out.WriteLine(found.RootFsPath);
            return 0;
        }));
        return rootfs;
    }

    private static Command Ps(CliConsole console)
    {
        var all = new Option<bool>("--all", "-a") { Description = "Show all containers (default shows just running)." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only display container IDs." };
        var noTrunc = new Option<bool>("--no-trunc") { Description = "Don't truncate output." };
        var size = new Option<bool>("--size", "-s") { Description = "Display total file sizes (the files each container added or changed)." };
        var format = new Option<string?>("--format") { Description = "Pretty-print containers using a Go template (Docker's placeholders, 'table …', '{{json .}}')." };
        var ps = new Command("ps", "List containers.") { all, quiet, noTrunc, size, format };
        ps.SetAction(parse => StoreCommands.Run(console, () =>
        {
            using ImageStore store = StoreCommands.OpenStore(parse);
            string? template = parse.GetValue(format);
            bool sizes = parse.GetValue(size) || (!parse.GetValue(quiet) && DockerListing.ContainersNeedSize(template));
            IReadOnlyList<ContainerSummary> containers = store.ListContainers(parse.GetValue(all), sizes);
            console.Out.Write(DockerListing.Containers(containers, new DockerListingOptions
            {
                Format = template is null && parse.GetValue(size) && !parse.GetValue(quiet) ? "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}\t{{.Size}}" : template,
                Quiet = parse.GetValue(quiet),
                NoTrunc = parse.GetValue(noTrunc),
            }));
            return 0;
        }));
        return ps;
    }

    private static Command Diff(CliConsole console)
    {
        var container = new Argument<string>("CONTAINER") { Description = "The container's name or ID." };
        var diff = new Command("diff", "Inspect changes to files or directories on a container's filesystem.") { container };
        diff.SetAction(parse => StoreCommands.Run(console, () =>
        {
            using ImageStore store = StoreCommands.OpenStore(parse);
            foreach (LayerChange change in store.Diff(Find(store, parse.GetValue(container)!).Id))
            {
                console.Out.WriteLine(change.ToString());
            }

            return 0;
        }));
        return diff;
    }

    private static Command Commit(CliConsole console)
    {
        var author = new Option<string?>("--author", "-a") { Description = "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")." };
        var message = new Option<string?>("--message", "-m") { Description = "Commit message." };
        var change = new Option<string[]>("--change", "-c") { Description = "Apply Dockerfile instruction to the created image.", AllowMultipleArgumentsPerToken = false };
        var pause = new Option<bool>("--pause", "-p") { Description = "Accepted for compatibility (nothing runs, so nothing is paused).", DefaultValueFactory = _ => true };
        var container = new Argument<string>("CONTAINER") { Description = "The container's name or ID." };
        var repository = new Argument<string?>("REPOSITORY[:TAG]") { Arity = ArgumentArity.ZeroOrOne, Description = "The reference to tag the new image with." };
        var quiet = ProgressDisplay.QuietOption();
        var commit = new Command("commit", "Create a new image from a container's changes.") { author, message, change, pause, container, repository, quiet };
        commit.SetAction(parse => StoreCommands.Run(console, () =>
        {
            using ImageStore store = StoreCommands.OpenStore(parse);
            StoreContainer found = Find(store, parse.GetValue(container)!);
            var options = new CommitOptions
            {
                Author = parse.GetValue(author),
                Comment = parse.GetValue(message),
                Changes = parse.GetValue(change) ?? [],
                Tag = parse.GetValue(repository),
            };
            Digest id = ProgressDisplay.Run(console, parse.GetValue(quiet), "commit", progress => store.CommitAsync(found.Id, options, progress));
            console.Out.WriteLine(id.Value);
            return 0;
        }));
        return commit;
    }

    private static Command Rm(CliConsole console)
    {
        var force = new Option<bool>("--force", "-f") { Description = "Force the removal of a running container." };
        var containers = new Argument<string[]>("CONTAINER") { Arity = ArgumentArity.OneOrMore, Description = "The containers' names or IDs." };
        var rm = new Command("rm", "Remove one or more containers, their root file systems, and their holds on layers.") { force, containers };
        rm.SetAction(parse => StoreCommands.Run(console, () =>
        {
            using ImageStore store = StoreCommands.OpenStore(parse);
            var errors = new List<string>();
            foreach (string name in parse.GetValue(containers)!)
            {
                try
                {
                    store.RemoveContainer(name, parse.GetValue(force));
                    console.Out.WriteLine(name);
                }
                catch (ImageFormatException e)
                {
                    errors.Add(e is NotFoundException ? $"Error: No such container: {name}" : $"Error response from daemon: {e.Message}");
                }
            }

            if (errors.Count > 0)
            {
                console.Error.WriteLine(string.Join('\n', errors));
                return 1;
            }

            return 0;
        }));
        return rm;
    }

    private static Command Export(CliConsole console)
    {
        var output = new Option<string?>("--output", "-o") { Description = "Write to a file, instead of STDOUT." };
        var container = new Argument<string>("CONTAINER") { Description = "The container's name or ID." };
        var quiet = ProgressDisplay.QuietOption();
        var export = new Command("export", "Export a container's filesystem as a tar archive.") { output, container, quiet };
        export.SetAction(parse => StoreCommands.Run(console, () =>
        {
            using ImageStore store = StoreCommands.OpenStore(parse);
            StoreContainer found = Find(store, parse.GetValue(container)!);
            if (parse.GetValue(output) is { } path)
            {
                string temp = path + ".imagefmt-tmp";
                using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
                {
                    ProgressDisplay.Run(console, parse.GetValue(quiet), "export", progress => store.ExportAsync(found.Id, file, progress));
                    file.Flush(flushToDisk: true);
                }

                File.Move(temp, path, overwrite: true);
                return 0;
            }

            if (RefuseTerminal(console))
            {
                return 1;
            }

            using Stream stdout = console.OpenBinaryOutput();
            using var buffered = new BufferedStream(stdout, 1 << 16);
            ProgressDisplay.Run(console, parse.GetValue(quiet), "export", progress => store.ExportAsync(found.Id, buffered, progress));
            return 0;
        }));
        return export;
    }

    private static Command Import(CliConsole console)
    {
        var message = new Option<string?>("--message", "-m") { Description = "Set commit message for imported image." };
        var change = new Option<string[]>("--change", "-c") { Description = "Apply Dockerfile instruction to the created image." };
        var file = new Argument<string>("file|-") { Description = "The root file system tarball (plain, gzip, bzip2, xz or zstd), or - for standard input." };
        var repository = new Argument<string?>("REPOSITORY[:TAG]") { Arity = ArgumentArity.ZeroOrOne, Description = "The reference to tag the new image with." };
        var import = new Command("import", "Import the contents from a tarball to create a filesystem image.") { message, change, file, repository };
        import.SetAction(parse => StoreCommands.Run(console, () =>
        {
            using Stream input = CliConsole.OpenInput(parse.GetValue(file)!);
            using var buffered = new BufferedStream(input, 1 << 20);
            using ImageStore store = StoreCommands.OpenStore(parse);
            Digest id = store.Import(buffered, new ImportOptions
            {
                Message = parse.GetValue(message),
                Changes = parse.GetValue(change) ?? [],
                Tag = parse.GetValue(repository),
            });
            console.Out.WriteLine(id.Value);
            return 0;
        }));
        return import;
    }

    private static Command Save(CliConsole console)
    {
        var output = new Option<string?>("--output", "-o") { Description = "Write to a file, instead of STDOUT." };
        var format = new Option<string>("--archive-format") { Description = "docker (OCI layout + manifest.json, Engine 25+), legacy (Engine 20.10's v1.2) or oci.", DefaultValueFactory = _ => "docker" };
        format.AcceptOnlyFromAmong("docker", "legacy", "oci");
        var images = new Argument<string[]>("IMAGE") { Arity = ArgumentArity.OneOrMore, Description = "Images: name[:tag], repository, full or short ID." };
        var verify = new Option<bool>("--verify") { Description = "Hash every blob again as it is saved to a file (the store checked them when it stored them; STDOUT is always checked)." };
        var quiet = ProgressDisplay.QuietOption();
        var save = new Command("save", "Save one or more images to a tar archive (streamed to STDOUT by default).") { output, format, verify, images, quiet };
        save.SetAction(parse => StoreCommands.Run(console, () =>
        {
            ArchiveFormat archiveFormat = parse.GetValue(format) switch
            {
                "legacy" => ArchiveFormat.Legacy,
                "oci" => ArchiveFormat.OciArchive,
                _ => ArchiveFormat.Docker,
            };
            using ImageStore store = StoreCommands.OpenStore(parse, parse.GetValue(verify));
            IReadOnlyList<ImageToWrite> selected = store.ImagesToSave(parse.GetValue(images)!, archiveFormat);
            var options = new ArchiveWriterOptions { Format = archiveFormat, TempDirectory = store.Root is { } root ? Path.Combine(root, "tmp") : null };
            if (parse.GetValue(output) is { } path)
            {
                ProgressDisplay.Run(console, parse.GetValue(quiet), "save", progress => ArchiveWriter.WriteFileAsync(selected, path, options, progress: progress));
                return 0;
            }

            if (RefuseTerminal(console))
            {
                return 1;
            }

            using Stream stdout = console.OpenBinaryOutput();
            ProgressDisplay.Run(console, parse.GetValue(quiet), "save", progress => ArchiveWriter.WriteAsync(selected, stdout, options, progress: progress));
            return 0;
        }));
        return save;
    }

    private static bool RefuseTerminal(CliConsole console)
    {
        if (console.IsTerminalOutput)
        {
            console.Error.WriteLine("cowardly refusing to save to a terminal. Use the -o flag or redirect");
            return true;
        }

        return false;
    }

    private static StoreContainer Find(ImageStore store, string name)
    {
        try
        {
            return store.GetContainer(name);
        }
        catch (NotFoundException)
        {
            throw new NotFoundException(name, $"No such container: {name}");
        }
    }
}
