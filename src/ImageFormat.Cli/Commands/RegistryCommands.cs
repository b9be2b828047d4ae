using System.CommandLine;
using ImageFormat.Compression;
using ImageFormat.Errors;
using ImageFormat.Model;
using ImageFormat.References;
using ImageFormat.Registry;
using ImageFormat.Store;
using ImageFormat.Transports;

namespace ImageFormat.Cli.Commands;

/// <summary>
/// <c>imagefmt copy SRC DST</c> (skopeo's transport names), <c>login</c> and <c>logout</c> (Docker's config file).
/// Transports and copying live in <see cref="ImageCopier"/>, the registry protocol in <see cref="RegistryClient"/>;
/// this only maps arguments onto them.
/// </summary>
internal static class RegistryCommands
{
    private static readonly string[] ReferrersHeader = ["DIGEST", "ARTIFACT TYPE", "MEDIA TYPE", "SIZE"];

    public static IEnumerable<Command> Create(CliConsole console) => [Copy(console), Pull(console), Push(console), Referrers(console), Login(console), Logout(console)];

    private static Option<bool> TlsVerifyOption(string name) => new(name)
    {
        Description = "Verify TLS certificates (--" + name.TrimStart('-') + "=false turns it off).",
        DefaultValueFactory = _ => true,
    };

    private static Command Copy(CliConsole console)
    {
        const string Transports = "docker://HOST/REPO:TAG|@DIGEST, docker-archive:PATH[:REF], oci-archive:PATH[:REF], oci:DIR[:REF] or store:REF";
        var source = new Argument<string>("SRC") { Description = "The image: " + Transports + "." };
        var destination = new Argument<string>("DST") { Description = "Where to write it: " + Transports + "." };
        var all = new Option<bool>("--all") { Description = "Copy every platform of a registry index (to docker://, oci: or oci-archive:)." };
        var platform = new Option<string?>("--platform") { Description = "os/arch[/variant] to pick from an index; this machine's by default." };
        var compress = new Option<string?>("--dest-compress") { Description = "Recompress layers as gzip, zstd or none (new layer and manifest digests, same image ID); blobs verbatim by default." };
        compress.AcceptOnlyFromAmong("gzip", "zstd", "none");
        var tlsVerify = TlsVerifyOption("--tls-verify");
        var insecure = new Option<string[]>("--insecure-registry") { Description = "A registry (host[:port]) that may use plain HTTP and unverified TLS; repeatable." };
        var quiet = ProgressDisplay.QuietOption();
        var command = new Command("copy", "Copy an image between registries, docker archives, OCI archives, OCI layouts and the store, blobs verbatim (digests kept); prints the manifest digest written.")
        {
            source, destination, all, platform, compress, tlsVerify, insecure, quiet,
        };
        command.SetAction(parse => console.Guard(() =>
        {
            ImageLocation from;
            ImageLocation to;
            try
            {
                from = ImageLocation.Parse(parse.GetValue(source)!);
                to = ImageLocation.Parse(parse.GetValue(destination)!);
            }
            catch (ImageLocationException e)
            {
                return console.Fail(e.Code, e.Message, CliConsole.ExitUsage);
            }

            bool usesStore = from.Transport == ImageTransport.Store || to.Transport == ImageTransport.Store;
            using ImageStore? store = usesStore ? StoreCommands.OpenStore(parse) : null;
            ImageCopyOptions options = new()
            {
                RegistryOptions = new RegistryClientOptions
                {
                    Credentials = DockerConfigCredentialStore.Default(),
                    TlsVerify = parse.GetValue(tlsVerify),
                    InsecureRegistries = parse.GetValue(insecure) ?? [],
                },
                Store = store,
                All = parse.GetValue(all),
                Platform = parse.GetValue(platform) is { } p ? Platform.Parse(p) : null,
                DestinationCompression = parse.GetValue(compress) switch
                {
                    "gzip" => CompressionFormat.Gzip,
                    "zstd" => CompressionFormat.Zstd,
                    "none" => CompressionFormat.None,
                    _ => null,
                },
            };
            ImageCopyResult result;
            try
            {
                result = ProgressDisplay.Run(console, parse.GetValue(quiet), "copy", progress => ImageCopier.CopyAsync(from, to, options, progress));
            }
            catch (ImageLocationException e)
            {
                // A pairing the transports cannot do (--all into a docker archive) is a usage error, found before any I/O.
                return console.Fail(e.Code, e.Message, CliConsole.ExitUsage);
            }

            console.Out.WriteLine(result.ManifestDigest.Value);
            return CliConsole.ExitSuccess;
        }));
        return command;
    }

    private static RegistryClientOptions ClientOptions(ParseResult parse, Option<bool> tlsVerify, Option<string[]> insecure) => new()
    {
        Credentials = DockerConfigCredentialStore.Default(),
        TlsVerify = parse.GetValue(tlsVerify),
        InsecureRegistries = parse.GetValue(insecure) ?? [],
    };

    private static Option<string[]> InsecureOption() => new("--insecure-registry") { Description = "A registry (host[:port]) that may use plain HTTP and unverified TLS; repeatable." };

    private static Command Referrers(CliConsole console)
    {
        var name = new Argument<string>("[docker://]NAME[:TAG|@DIGEST]") { Description = "The subject: a manifest or index in a registry." };
        var artifactType = new Option<string?>("--artifact-type") { Description = "Only referrers of this artifact type." };
        var format = new Option<string>("--format") { Description = "Output format: table, or json (the OCI index of the referrers' descriptors).", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var tlsVerify = TlsVerifyOption("--tls-verify");
        var insecure = InsecureOption();
        var command = new Command("referrers", "List the manifests whose subject is an image (OCI 1.1 referrers: signatures, SBOMs, attestations), from the registry's referrers API or, where it has none, the referrers tag schema.")
        {
            name, artifactType, format, tlsVerify, insecure,
        };
        command.SetAction(parse => console.Guard(() =>
        {
            string text = parse.GetValue(name)!;
            ImageReference reference = text.StartsWith("docker://", StringComparison.Ordinal) ? ImageLocation.Parse(text).RegistryReference! : ImageReference.Parse(text);
            RegistryRepository repository = RegistryRepository.From(reference);
            using RegistryClient client = new(ClientOptions(parse, tlsVerify, insecure));
            Digests.Digest subject = reference.Digest
                ?? client.HeadManifestAsync(repository, reference.Tag ?? ImageReference.DefaultTag).GetAwaiter().GetResult()?.Digest
                ?? throw new NotFoundException(reference.ToString(), $"{repository.Registry}: manifest {repository.Name}:{reference.Tag ?? ImageReference.DefaultTag}: not found");
            IReadOnlyList<Descriptor> referrers = client.ListReferrersAsync(repository, subject, parse.GetValue(artifactType)).GetAwaiter().GetResult();
            if (parse.GetValue(format) == "json")
            {
                console.Out.WriteLine(System.Text.Encoding.UTF8.GetString(RawDocument.Create(new ImageIndex { MediaType = MediaTypes.OciIndex, Manifests = referrers }).Bytes.Span));
                return CliConsole.ExitSuccess;
            }

            var rows = new List<string[]> { ReferrersHeader };
            rows.AddRange(referrers.Select(d => new[] { d.Digest.Value, d.ArtifactType ?? "<none>", d.MediaType, d.Size.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
            Table.Write(console.Out, rows);
            return CliConsole.ExitSuccess;
        }));
        return command;
    }

    private static Command Pull(CliConsole console)
    {
        var name = new Argument<string>("NAME[:TAG|@DIGEST]") { Description = "The image to pull into the store (under --root)." };
        var platform = new Option<string?>("--platform") { Description = "os/arch[/variant] to pick from an index; this machine's by default." };
        var tlsVerify = TlsVerifyOption("--tls-verify");
        var insecure = InsecureOption();
        var quiet = ProgressDisplay.QuietOption();
        var command = new Command("pull", "Pull an image from a registry into the store; ends with Docker's Digest and Status lines.") { name, platform, tlsVerify, insecure, quiet };
        command.SetAction(parse => console.Guard(() =>
        {
            ImageReference reference = ImageReference.Parse(parse.GetValue(name)!);
            using ImageStore store = StoreCommands.OpenStore(parse);
            StatusLines? lines = StatusLines.For(console, parse.GetValue(quiet));
            if (reference.Tag is null && reference.Digest is null)
            {
                // docker/cli's pull names the tag it assumed before anything else.
                console.Out.WriteLine($"Using default tag: {ImageReference.DefaultTag}");
            }

            ImageCopyOptions options = new()
            {
                RegistryOptions = ClientOptions(parse, tlsVerify, insecure),
                Platform = parse.GetValue(platform) is { } p ? Platform.Parse(p) : null,
                Status = lines,
            };
            PullResult result = ProgressDisplay.Run(console, parse.GetValue(quiet), "pull", progress => StoreTransfer.PullAsync(store, reference, options, progress));
            StatusLines.WriteRest(console, lines, result.Lines);
            console.Out.WriteLine(reference.WithDefaultTag().ToString());
            return CliConsole.ExitSuccess;
        }));
        return command;
    }

    private static Command Push(CliConsole console)
    {
        var name = new Argument<string>("NAME[:TAG]") { Description = "An image of the store (under --root), named with the registry to push to." };
        var tlsVerify = TlsVerifyOption("--tls-verify");
        var insecure = InsecureOption();
        var quiet = ProgressDisplay.QuietOption();
        var command = new Command("push", "Push an image of the store to a registry; ends with Docker's \"TAG: digest: ... size: N\" line.") { name, tlsVerify, insecure, quiet };
        command.SetAction(parse => console.Guard(() =>
        {
            ImageReference reference = ImageReference.Parse(parse.GetValue(name)!);
            using ImageStore store = StoreCommands.OpenStore(parse);
            StatusLines? lines = StatusLines.For(console, parse.GetValue(quiet));
            ImageCopyOptions options = new() { RegistryOptions = ClientOptions(parse, tlsVerify, insecure), Status = lines };
            PushResult result = ProgressDisplay.Run(console, parse.GetValue(quiet), "push", progress => StoreTransfer.PushAsync(store, reference, options, progress));
            StatusLines.WriteRest(console, lines, result.Lines);

            return CliConsole.ExitSuccess;
        }));
        return command;
    }

    private static Command Login(CliConsole console)
    {
        var server = new Argument<string>("SERVER") { Description = "The registry (host[:port])." };
        var user = new Option<string>("--username", "-u") { Description = "User name.", Required = true };
        var password = new Option<string?>("--password", "-p") { Description = "Password." };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from standard input." };
        var tlsVerify = TlsVerifyOption("--tls-verify");
        var command = new Command("login", "Check a user name and password against a registry and save them in Docker's config file.")
        {
            server, user, password, passwordStdin, tlsVerify,
        };
        command.SetAction(parse => console.Guard(() =>
        {
            string registry = parse.GetValue(server)!;
            string? secret = parse.GetValue(passwordStdin) ? console.In.ReadToEnd().TrimEnd('\n', '\r') : parse.GetValue(password);
            if (string.IsNullOrEmpty(secret))
            {
                return console.Fail(ErrorCodes.InvalidArgument, "give a password with --password or --password-stdin", CliConsole.ExitUsage);
            }

            RegistryCredential credential = new(parse.GetValue(user)!, secret);
            using (RegistryClient client = new(new RegistryClientOptions { TlsVerify = parse.GetValue(tlsVerify) }))
            {
                client.LoginAsync(registry, credential, CancellationToken.None).GetAwaiter().GetResult();
            }

            DockerConfigCredentialStore.Default().StoreAsync(registry, credential, CancellationToken.None).GetAwaiter().GetResult();
            console.Out.WriteLine("Login Succeeded");
            return CliConsole.ExitSuccess;
        }));
        return command;
    }

    private static Command Logout(CliConsole console)
    {
        var server = new Argument<string>("SERVER") { Description = "The registry (host[:port])." };
        var command = new Command("logout", "Remove a registry's credentials from Docker's config file.") { server };
        command.SetAction(parse => console.Guard(() =>
        {
            string registry = parse.GetValue(server)!;
            bool removed = DockerConfigCredentialStore.Default().EraseAsync(registry, CancellationToken.None).GetAwaiter().GetResult();
            // Docker 20.10's texts.
            console.Out.WriteLine(removed ? $"Removing login credentials for {registry}" : $"Not logged in to {registry}");
            return CliConsole.ExitSuccess;
        }));
        return command;
    }
}

/// <summary>
/// Docker's status lines of a pull or push, printed as they come when no progress bar is drawn (standard error is not
/// a terminal), as docker/cli prints a daemon's progress messages then: one <c>ID: STATUS</c> line per message.
/// </summary>
internal sealed class StatusLines(CliConsole console) : IProgress<TransferStatus>
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _written = new(StringComparer.Ordinal);

    /// <summary>The printer, or <see langword="null"/> when a progress bar is drawn instead.</summary>
    public static StatusLines? For(CliConsole console, bool quiet) => ProgressDisplay.Enabled(console, quiet) ? null : new StatusLines(console);

    /// <summary>Prints the operation's last lines that were not already printed as a status (the push's first line).</summary>
    public static void WriteRest(CliConsole console, StatusLines? printed, IReadOnlyList<string> lines)
    {
        foreach (string line in lines)
        {
            if (printed is null || !printed.WasWritten(line))
            {
                console.Out.WriteLine(line);
            }
        }
    }

    /// <inheritdoc/>
    public void Report(TransferStatus value)
    {
        string line = value.ToString();
        lock (_lock)
        {
            _written.Add(line);
            console.Out.WriteLine(line);
        }
    }

    private bool WasWritten(string line)
    {
        lock (_lock)
        {
            return _written.Contains(line);
        }
    }
}
