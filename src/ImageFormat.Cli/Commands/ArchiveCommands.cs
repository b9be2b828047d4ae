using System.CommandLine;
using System.Text.Json;
using ImageFormat.Archives;
using ImageFormat.Images;
using ImageFormat.References;
using ImageFormat.Registry;
using ImageFormat.Transports;

namespace ImageFormat.Cli.Commands;

/// <summary><c>imagefmt archive …</c>: read-only commands over an image archive or layout.</summary>
internal static class ArchiveCommands
{
    private static readonly string[] ListHeader = ["IMAGE ID", "TAGS", "PLATFORM", "LAYERS", "SIZE"];
    private static readonly string[] ArtifactHeader = ["ARTIFACT", "KIND", "TYPE", "SUBJECT", "NAMES", "SIZE"];

    public static Command Create(CliConsole console)
    {
        var archive = new Command("archive", "Inspect, verify and read Docker and OCI image archives without extracting them.");
        archive.Subcommands.Add(List(console));
        archive.Subcommands.Add(Inspect(console));
        archive.Subcommands.Add(RawDocument(console, "manifest", "Print an image's manifest exactly as stored in the archive."));
        archive.Subcommands.Add(RawDocument(console, "config", "Print an image's config blob exactly as stored in the archive."));
        archive.Subcommands.Add(Verify(console));
        archive.Subcommands.Add(ConvertCommand.Create(console));
        archive.Subcommands.Add(LayerCommands.Files(console));
        archive.Subcommands.Add(LayerCommands.Cat(console));
        archive.Subcommands.Add(LayerCommands.Layers(console));
        archive.Subcommands.Add(LayerCommands.Extract(console));
        return archive;
    }

    private static Argument<string> FileArgument() => new("FILE")
    {
        Description = "An image archive (tar, optionally gzip/bzip2/zstd compressed), '-' for standard input, oci:DIR for an OCI layout directory, or docker://HOST/REPO:TAG|@DIGEST for an image in a registry (ls, manifest and config fetch no layer; the other commands stream the layers they read, verified).",
    };

    private static Argument<string?> ImageArgument() => new("IMAGE")
    {
        Description = "A tag, repo:tag, full or short image ID, or digest; not needed when the archive holds one image.",
        Arity = ArgumentArity.ZeroOrOne,
    };

    /// <summary>
    /// Opens what the user named: <c>-</c> (stdin), <c>oci:DIR</c>, a directory or a file, with the limits the
    /// command line set (<c>--limit</c>).
    /// </summary>
    internal static ImageArchive Open(string location, ParseResult parse)
    {
        var options = new ImageArchiveOptions { Limits = LimitOptions.From(parse) };
        if (location == "-")
        {
            return ImageArchive.OpenStream(Console.OpenStandardInput(), leaveOpen: false, options);
        }

        if (location.StartsWith("oci:", StringComparison.Ordinal))
        {
            string directory = location["oci:".Length..];
            int colon = directory.LastIndexOf(':');
            return ImageArchive.OpenLayout(colon > 0 && !Directory.Exists(directory) ? directory[..colon] : directory, options);
        }

        return ImageArchive.OpenFile(location, options);
    }

    /// <summary>Opens <c>docker://REF</c> (this machine's platform of an index): only its manifest and config are fetched.</summary>
    private static T WithRegistryImage<T>(string location, ParseResult parse, Func<IContainerImage, ImageReference, T> use)
    {
        ImageReference reference = ImageLocation.Parse(location).RegistryReference!;
        using RegistryClient client = new(new RegistryClientOptions { Credentials = DockerConfigCredentialStore.Default(), Limits = LimitOptions.From(parse) });
        IContainerImage image = client.OpenReferenceAsync(reference).GetAwaiter().GetResult();
        return use(image, reference);
    }

    private static Command List(CliConsole console)
    {
        var file = FileArgument();
        var format = new Option<string>("--format") { Description = "Output format: table or json.", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var artifacts = new Option<bool>("--artifacts") { Description = "Also list the artifacts (attestations, signatures, SBOMs, OCI artifacts, Helm charts): digest, kind, type, subject, names, size." };
        var command = new Command("ls", "List the images in an archive: ID, tags (else OCI ref names), platform, layer count and stored size; artifacts are counted, or listed with --artifacts.") { file, format, artifacts };
        command.SetAction(parse => console.Guard(() =>
        {
            if (ImageOperand.IsRegistry(parse.GetValue(file)!))
            {
                return WithRegistryImage(parse.GetValue(file)!, parse, (image, reference) =>
                {
                    long size = image.Layers.DistinctBy(l => l.Digest).Sum(l => l.Size);
                    if (parse.GetValue(format) == "json")
                    {
                        WriteJson(console, writer =>
                        {
                            writer.WriteStartArray();
                            writer.WriteStartObject();
                            writer.WriteString("Id", image.Id.Value);
                            writer.WriteStartArray("RepoTags");
                            writer.WriteStringValue(reference.ToString());
                            writer.WriteEndArray();
                            writer.WriteStartArray("RefNames");
                            writer.WriteEndArray();
                            writer.WriteString("Platform", image.GetPlatform().ToString());
                            writer.WriteNumber("Layers", image.Layers.Count);
                            writer.WriteNumber("Size", size);
                            writer.WriteEndObject();
                            writer.WriteEndArray();
                        });
                    }
                    else
                    {
                        Table.Write(console.Out, [ListHeader, [image.GetShortId(), reference.ToString(), image.GetPlatform().ToString(), image.Layers.Count.ToString(), Units.HumanSize(size)]]);
                    }

                    return CliConsole.ExitSuccess;
                });
            }

            using ImageArchive archive = Open(parse.GetValue(file)!, parse);
            bool withArtifacts = parse.GetValue(artifacts);
            if (parse.GetValue(format) == "json")
            {
                WriteJson(console, writer =>
                {
                    if (withArtifacts)
                    {
                        writer.WriteStartObject();
                        writer.WritePropertyName("Images");
                    }

                    writer.WriteStartArray();
                    foreach (ArchiveImage image in archive.Images)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("Id", image.Id.Value);
                        writer.WriteStartArray("RepoTags");
                        foreach (string tag in image.RepoTags)
                        {
                            writer.WriteStringValue(tag);
                        }

                        writer.WriteEndArray();
                        writer.WriteStartArray("RefNames");
                        foreach (string name in image.RefNames)
                        {
                            writer.WriteStringValue(name);
                        }

                        writer.WriteEndArray();
                        writer.WriteString("Platform", image.Platform);
                        writer.WriteNumber("Layers", image.Layers.Count);
                        writer.WriteNumber("Size", image.StoredSize);
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                    if (withArtifacts)
                    {
                        writer.WriteStartArray("Artifacts");
                        foreach (ArchiveArtifact artifact in archive.Artifacts)
                        {
                            writer.WriteStartObject();
                            writer.WriteString("Digest", artifact.Digest.Value);
                            writer.WriteString("Kind", artifact.Kind);
                            writer.WriteString("ArtifactType", artifact.ArtifactType);
                            writer.WriteString("MediaType", artifact.Manifest.Value.MediaType ?? artifact.Descriptor.MediaType);
                            if (artifact.Subject is { } subject)
                            {
                                writer.WriteString("Subject", subject.Value);
                            }
                            else
                            {
                                writer.WriteNull("Subject");
                            }

                            writer.WriteStartArray("Names");
                            foreach (string name in artifact.Names)
                            {
                                writer.WriteStringValue(name);
                            }

                            writer.WriteEndArray();
                            writer.WriteNumber("Size", artifact.Size);
                            writer.WriteEndObject();
                        }

                        writer.WriteEndArray();
                        writer.WriteEndObject();
                    }
                });
                return 0;
            }

            var rows = new List<string[]> { ListHeader };
            foreach (ArchiveImage image in archive.Images)
            {
                // An image without tags shows its OCI ref names (skopeo's oci:DIR:NAME), the names IMAGE arguments take.
                string names = image.RepoTags.Count > 0 ? string.Join(",", image.RepoTags)
                    : image.RefNames.Count > 0 ? string.Join(",", image.RefNames)
                    : "<none>";
                rows.Add([image.ShortId, names, image.Platform, image.Layers.Count.ToString(), Units.HumanSize(image.StoredSize)]);
            }

            Table.Write(console.Out, rows);
            if (archive.Artifacts.Count > 0 && !withArtifacts)
            {
                console.Out.WriteLine($"{archive.Artifacts.Count} artifact(s) not shown (--artifacts lists them)");
            }
            else if (archive.Artifacts.Count > 0)
            {
                var artifactRows = new List<string[]> { ArtifactHeader };
                foreach (ArchiveArtifact artifact in archive.Artifacts)
                {
                    artifactRows.Add([artifact.Digest.ShortId, artifact.Kind, artifact.ArtifactType, artifact.Subject?.ShortId ?? "<none>",
                        artifact.Names.Count == 0 ? "<none>" : string.Join(",", artifact.Names), Units.HumanSize(artifact.Size)]);
                }

                console.Out.WriteLine();
                Table.Write(console.Out, artifactRows);
            }

            return 0;
        }));
        return command;
    }

    private static Command Inspect(CliConsole console)
    {
        var file = FileArgument();
        var image = ImageArgument();
        var command = new Command("inspect", "Print an image's details in the JSON shape `docker image inspect` prints.") { file, image };
        command.SetAction(parse => console.Guard(() =>
        {
            using ImageOperand operand = ImageOperand.Open(parse.GetValue(file)!, parse.GetValue(image), parse);
            console.Out.Write(operand.ArchiveImage is { } found
                ? ArchiveInspect.Format([found])
                : ArchiveInspect.Format(operand.Image, operand.RepoTags, operand.Limits));
            console.Out.WriteLine();
            return 0;
        }));
        return command;
    }

    private static Command RawDocument(CliConsole console, string name, string description)
    {
        var file = FileArgument();
        var image = ImageArgument();
        var command = new Command(name, description) { file, image };
        command.SetAction(parse => console.Guard(() =>
        {
            if (ImageOperand.IsRegistry(parse.GetValue(file)!))
            {
                return WithRegistryImage(parse.GetValue(file)!, parse, (remote, _) =>
                {
                    console.Out.Flush();
                    using Stream output = console.OpenBinaryOutput();
                    output.Write(name == "config" ? remote.Config.Bytes.Span : remote.Manifest.Bytes.Span);
                    return CliConsole.ExitSuccess;
                });
            }

            using ImageArchive archive = Open(parse.GetValue(file)!, parse);
            ArchiveImage found = archive.FindImage(parse.GetValue(image), RegistryClient.HostPlatform);
            ReadOnlyMemory<byte> bytes;
            if (name == "config")
            {
                bytes = found.Config.Bytes;
            }
            else if (found.Manifest is { } manifest)
            {
                bytes = manifest.Bytes;
            }
            else
            {
                return console.Fail(Errors.ErrorCodes.NotFound, $"image {found.ShortId} has no stored manifest: {archive.Source} is a {Describe(archive.Dialect)} archive, which records layers in manifest.json only", CliConsole.ExitNotFound);
            }

            console.Out.Flush();
            using Stream stdout = console.OpenBinaryOutput();
            stdout.Write(bytes.Span);
            return 0;
        }));
        return command;
    }

    private static string Describe(ArchiveDialect dialect) =>
        dialect.HasFlag(ArchiveDialect.LegacyLayerDirectories) ? "legacy docker save" : "docker-archive";

    private static Command Verify(CliConsole console)
    {
        var file = FileArgument();
        var quiet = ProgressDisplay.QuietOption();
        var command = new Command("verify", "Check every digest, size, diffID, layer count and history entry; list every problem (exit 1) or confirm all holds (exit 0).") { file, quiet };
        command.SetAction(parse => console.Guard(() =>
        {
            if (ImageOperand.IsRegistry(parse.GetValue(file)!))
            {
                using ImageOperand operand = ImageOperand.Open(parse.GetValue(file)!, null, parse);
                ArchiveVerification verified = ProgressDisplay.Run(console, parse.GetValue(quiet), "verify", progress => ArchiveVerifier.VerifyImageAsync(operand.Image, operand.Limits, progress));
                return Report(console, verified, 1, string.Empty);
            }

            using ImageArchive archive = Open(parse.GetValue(file)!, parse);
            ArchiveVerification result = ProgressDisplay.Run(console, parse.GetValue(quiet), "verify", progress => ArchiveVerifier.VerifyAsync(archive, progress));
            string artifacts = archive.Artifacts.Count > 0 ? $", {archive.Artifacts.Count} artifact(s) with {result.ArtifactBlobsChecked} blob(s)" : string.Empty;
            return Report(console, result, archive.Images.Count, artifacts);
        }));
        return command;
    }

    /// <summary>Prints every problem, then the one summary line; returns the exit code.</summary>
    private static int Report(CliConsole console, ArchiveVerification result, int images, string artifacts)
    {
        foreach (ArchiveProblem problem in result.Problems)
        {
            console.Out.WriteLine(problem.ToString());
        }

        int errors = result.Problems.Count(p => p.Severity == ProblemSeverity.Error);
        int warnings = result.Problems.Count - errors;
        console.Out.WriteLine(result.IsValid
            ? $"verified: {images} image(s), {result.BlobsChecked} layer blob(s){artifacts}, {result.BytesHashed} bytes; {warnings} warning(s)"
            : $"invalid: {errors} error(s), {warnings} warning(s) in {images} image(s)");
        return result.IsValid ? CliConsole.ExitSuccess : CliConsole.ExitVerificationFailed;
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
