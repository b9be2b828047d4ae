using System.CommandLine;
using ImageFormat.Archives;
using ImageFormat.Archives.Writers;
using ImageFormat.Compression;
using ImageFormat.Images;

namespace ImageFormat.Cli.Commands;

/// <summary><c>imagefmt archive convert</c>: read an archive in any dialect and write it in another.</summary>
internal static class ConvertCommand
{
    public static Command Create(CliConsole console)
    {
        var input = new Argument<string>("IN")
        {
            Description = "The archive to read (tar, optionally gzip/bzip2/xz/zstd compressed), '-' for standard input, or oci:DIR.",
        };
        var output = new Argument<string>("OUT")
        {
            Description = "The archive to write (replaced atomically), '-' for standard output, or oci:DIR for an OCI layout directory.",
        };
        var format = new Option<string?>("--archive-format")
        {
            Description = "docker (Engine 25+ dual layout, the default), legacy (docker save v1.2 of Engine <= 24) or oci (OCI archive; implied by oci:DIR).",
        };
        format.AcceptOnlyFromAmong("docker", "legacy", "oci");
        var compress = new Option<string?>("--compress")
        {
            Description = "Store every layer as none, gzip or zstd (new digests); by default layers are copied as stored.",
        };
        compress.AcceptOnlyFromAmong("none", "gzip", "zstd");
        var images = new Option<string[]>("--image")
        {
            Description = "Write only this image (tag, repo:tag, full or short ID, digest); repeat for several. Default: every image.",
            AllowMultipleArgumentsPerToken = false,
        };
        var quiet = ProgressDisplay.QuietOption();
        var command = new Command("convert", "Write an archive's images in another dialect, copying blobs verbatim unless asked to recompress; the output is byte-for-byte reproducible.")
        {
            input, output, format, compress, images, quiet,
        };
        command.SetAction(parse => console.Guard(() =>
        {
            string target = parse.GetValue(output)!;
            bool layout = target.StartsWith("oci:", StringComparison.Ordinal);
            string? formatName = parse.GetValue(format);
            if (layout && formatName is not (null or "oci"))
            {
                return console.Fail(Errors.ErrorCodes.InvalidArgument, $"oci:DIR is an OCI layout directory; --archive-format {formatName} writes a tar file", CliConsole.ExitUsage);
            }

            CompressionFormat? compression = parse.GetValue(compress) switch
            {
                "none" => CompressionFormat.None,
                "gzip" => CompressionFormat.Gzip,
                "zstd" => CompressionFormat.Zstd,
                _ => null,
            };
            if (formatName == "legacy" && compression is CompressionFormat.Gzip or CompressionFormat.Zstd)
            {
                return console.Fail(Errors.ErrorCodes.InvalidArgument, "the legacy format stores uncompressed layers; --compress must be none", CliConsole.ExitUsage);
            }

            var options = new ArchiveWriterOptions
            {
                Format = layout ? ArchiveFormat.OciLayout : formatName switch
                {
                    "legacy" => ArchiveFormat.Legacy,
                    "oci" => ArchiveFormat.OciArchive,
                    _ => ArchiveFormat.Docker,
                },
                LayerCompression = compression,
            };

            using ImageArchive archive = ArchiveCommands.Open(parse.GetValue(input)!, parse);
            string[] names = parse.GetValue(images) ?? [];
            List<IContainerImage> toWrite = [.. names.Length == 0 ? archive.Images : names.Select(archive.FindImage)];

            // Artifacts (attestations, signatures, charts...) go with a whole-archive conversion; the legacy format
            // cannot hold them, so they are left out there, with a warning naming each.
            List<ArtifactToWrite> artifacts = names.Length == 0 ? [.. archive.Artifacts.Select(ArtifactToWrite.FromArchive)] : [];
            if (options.Format == ArchiveFormat.Legacy && artifacts.Count > 0)
            {
                foreach (ArchiveArtifact artifact in archive.Artifacts)
                {
                    console.Error.WriteLine($"warning: not written, the legacy format holds images only: {artifact.Describe()}");
                }

                artifacts = [];
            }

            if (layout)
            {
                ProgressDisplay.Run(console, parse.GetValue(quiet), "convert", progress => ArchiveWriter.WriteLayoutAsync(toWrite, target["oci:".Length..], options, artifacts, progress));
            }
            else if (target == "-")
            {
                if (console.IsTerminalOutput)
                {
                    return console.Fail(Errors.ErrorCodes.InvalidArgument, "refusing to write an archive to a terminal; redirect standard output or name an output file", CliConsole.ExitUsage);
                }

                console.Out.Flush();
                using Stream stdout = console.OpenBinaryOutput();
                using var buffered = new BufferedStream(stdout, 1 << 20);
                ProgressDisplay.Run(console, parse.GetValue(quiet), "convert", progress => ArchiveWriter.WriteAsync(toWrite, buffered, options, artifacts, progress));
                buffered.Flush();
            }
            else
            {
                ProgressDisplay.Run(console, parse.GetValue(quiet), "convert", progress => ArchiveWriter.WriteFileAsync(toWrite, target, options, artifacts, progress));
            }

            return 0;
        }));
        return command;
    }
}
