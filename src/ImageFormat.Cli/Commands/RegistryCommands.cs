using System.CommandLine;
using ImageFormat.Archives.Writers;
using ImageFormat.Compression;
using ImageFormat.Errors;
using ImageFormat.Images;
using ImageFormat.Model;
using ImageFormat.References;
using ImageFormat.Registry;

namespace ImageFormat.Cli.Commands;

/// <summary>
/// <c>imagefmt copy SRC DST</c> (skopeo's transport names), <c>login</c> and <c>logout</c> (Docker's config file).
/// The registry protocol lives in <see cref="RegistryClient"/>; this only maps arguments onto it.
/// </summary>
internal static class RegistryCommands
{
    private const string DockerTransport = "docker://";

    public static IEnumerable<Command> Create(CliConsole console) => [Copy(console), Login(console), Logout(console)];

    private static Option<bool> TlsVerifyOption(string name) => new(name)
    {
        Description = "Verify TLS certificates (--" + name.TrimStart('-') + "=false turns it off).",
        DefaultValueFactory = _ => true,
    };

    private static Command Copy(CliConsole console)
    {
        var source = new Argument<string>("SRC") { Description = "docker://HOST/REPO:TAG or docker://HOST/REPO@DIGEST." };
        var destination = new Argument<string>("DST") { Description = "docker://HOST/REPO:TAG, oci:DIR[:REF], oci-archive:PATH[:REF] or docker-archive:PATH[:REF]." };
        var all = new Option<bool>("--all") { Description = "Copy every platform of an index (registry to registry)." };
        var platform = new Option<string?>("--platform") { Description = "os/arch[/variant] to pick from an index; this machine's by default." };
        var compress = new Option<string?>("--dest-compress") { Description = "Store layers as gzip, zstd or none in an archive destination (new digests); as stored by default." };
        compress.AcceptOnlyFromAmong("gzip", "zstd", "none");
        var tlsVerify = TlsVerifyOption("--tls-verify");
        var insecure = new Option<string[]>("--insecure-registry") { Description = "A registry (host[:port]) that may use plain HTTP and unverified TLS; repeatable." };
        var command = new Command("copy", "Copy an image from a registry to a registry, an OCI layout, an OCI archive or a docker archive, blobs verbatim (digests kept).")
        {
            source, destination, all, platform, compress, tlsVerify, insecure,
        };
        command.SetAction(parse => console.Guard(() =>
        {
            string src = parse.GetValue(source)!;
            string dst = parse.GetValue(destination)!;
            if (!src.StartsWith(DockerTransport, StringComparison.Ordinal))
            {
                return console.Fail(ErrorCodes.InvalidArgument, $"source \"{src}\": only docker:// sources are supported so far", CliConsole.ExitUsage);
            }

            ImageReference from = ImageReference.Parse(src[DockerTransport.Length..]);
            Platform? wanted = parse.GetValue(platform) is { } p ? Platform.Parse(p) : null;
            string? compression = parse.GetValue(compress);
            using RegistryClient client = new(new RegistryClientOptions
            {
                Credentials = DockerConfigCredentialStore.Default(),
                TlsVerify = parse.GetValue(tlsVerify),
                InsecureRegistries = parse.GetValue(insecure) ?? [],
            });
            RegistryRepository sourceRepo = RegistryRepository.From(from);
            string sourceRef = from.Digest?.Value ?? from.Tag ?? ImageReference.DefaultTag;
            if (dst.StartsWith(DockerTransport, StringComparison.Ordinal))
            {
                if (compression is not null)
                {
                    return console.Fail(ErrorCodes.InvalidArgument, "--dest-compress applies to archive destinations only (registry copies keep blobs verbatim)", CliConsole.ExitUsage);
                }

                ImageReference to = ImageReference.Parse(dst[DockerTransport.Length..]);
                RegistryManifest top = client.CopyAsync(
                    sourceRepo, sourceRef, RegistryRepository.From(to), to.Digest?.Value ?? to.Tag ?? ImageReference.DefaultTag,
                    parse.GetValue(all), wanted, cancellationToken: CancellationToken.None).GetAwaiter().GetResult();
                console.Out.WriteLine(top.Digest.Value);
                return CliConsole.ExitSuccess;
            }

            if (parse.GetValue(all))
            {
                return console.Fail(ErrorCodes.InvalidArgument, "--all copies between registries only", CliConsole.ExitUsage);
            }

            (string kind, string path, string? name) = SplitArchiveDestination(dst);
            IContainerImage image = client.OpenImageAsync(sourceRepo, sourceRef, wanted, CancellationToken.None).GetAwaiter().GetResult();
            List<ImageReference> tags = [];
            if (name is not null)
            {
                tags.Add(ImageReference.Parse(name));
            }
            else if (kind == "docker-archive" && from.Tag is not null)
            {
                tags.Add(from);
            }

            ArchiveWriterOptions options = new()
            {
                Format = kind == "docker-archive" ? ArchiveFormat.Docker : ArchiveFormat.OciArchive,
                LayerCompression = compression switch
                {
                    "gzip" => CompressionFormat.Gzip,
                    "zstd" => CompressionFormat.Zstd,
                    "none" => CompressionFormat.None,
                    _ => null,
                },
            };
            ImageToWrite write = ImageTransfer.ToImageToWrite(image, tags);
            if (kind == "oci")
            {
                ArchiveWriter.WriteLayout([write], path, options);
            }
            else
            {
                ArchiveWriter.WriteFile([write], path, options);
            }

            console.Out.WriteLine(image.ManifestDigest.Value);
            return CliConsole.ExitSuccess;
        }));
        return command;
    }

    /// <summary>Splits <c>oci:DIR[:REF]</c>, <c>oci-archive:PATH[:REF]</c>, <c>docker-archive:PATH[:REF]</c>.</summary>
    private static (string Kind, string Path, string? Name) SplitArchiveDestination(string destination)
    {
        int colon = destination.IndexOf(':', StringComparison.Ordinal);
        string kind = colon < 0 ? string.Empty : destination[..colon];
        if (kind is not ("oci" or "oci-archive" or "docker-archive"))
        {
            throw new ArgumentException($"destination \"{destination}\": expected docker://, oci:, oci-archive: or docker-archive:");
        }

        string rest = destination[(colon + 1)..];
        int refColon = rest.IndexOf(':', StringComparison.Ordinal);
        return refColon < 0 ? (kind, rest, null) : (kind, rest[..refColon], rest[(refColon + 1)..]);
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
