using System.CommandLine;
using ImageFormat.Archives;
using ImageFormat.Errors;
using ImageFormat.Images;
using ImageFormat.References;
using ImageFormat.Registry;
using ImageFormat.Transports;

namespace ImageFormat.Cli;

/// <summary>
/// The image an <c>archive</c> subcommand reads: one image of an archive or layout, or an image in a registry
/// (<c>docker://REF</c>), both as the library's <see cref="IContainerImage"/>. A registry image's manifest and config
/// are fetched when it is opened; its layers only when a command reads them, streamed and verified by the library.
/// </summary>
internal sealed class ImageOperand : IDisposable
{
    private readonly ImageArchive? _archive;
    private readonly RegistryClient? _client;

    private ImageOperand(IContainerImage image, ImageArchive? archive, RegistryClient? client, ImageReference? reference, ImageFormatLimits limits)
    {
        Image = image;
        _archive = archive;
        _client = client;
        Reference = reference;
        Limits = limits;
    }

    /// <summary>The image.</summary>
    public IContainerImage Image { get; }

    /// <summary>The image as an archive holds it, or <see langword="null"/> for a registry image.</summary>
    public ArchiveImage? ArchiveImage => Image as ArchiveImage;

    /// <summary>The registry reference, or <see langword="null"/> for an archive image.</summary>
    public ImageReference? Reference { get; }

    /// <summary>The limits the command line set.</summary>
    public ImageFormatLimits Limits { get; }

    /// <summary>The image's tags: the archive's, or the reference it was opened by.</summary>
    public IReadOnlyList<string> RepoTags => ArchiveImage?.RepoTags ?? [Reference!.ToString()];

    /// <summary>Whether the user named an image in a registry (<c>docker://</c>) rather than an archive.</summary>
    public static bool IsRegistry(string location) => location.StartsWith("docker://", StringComparison.Ordinal);

    /// <summary>
    /// Opens <paramref name="location"/> and finds <paramref name="image"/> in it (this machine's platform where it
    /// names several of an index; for a registry, <paramref name="image"/>, when given, must name that image: its
    /// reference, ID, short ID or manifest digest).
    /// </summary>
    public static ImageOperand Open(string location, string? image, ParseResult parse)
    {
        ImageFormatLimits limits = LimitOptions.From(parse);
        if (!IsRegistry(location))
        {
            ImageArchive archive = Commands.ArchiveCommands.Open(location, parse);
            try
            {
                // Several platforms of one name (a layout of an index): this machine's, as for a registry.
                return new ImageOperand(archive.FindImage(image, RegistryClient.HostPlatform), archive, null, null, archive.Options.Limits);
            }
            catch
            {
                archive.Dispose();
                throw;
            }
        }

        ImageReference reference = ImageLocation.Parse(location).RegistryReference!;
        RegistryClient client = new(new RegistryClientOptions { Credentials = DockerConfigCredentialStore.Default(), Limits = limits });
        try
        {
            IContainerImage remote = client.OpenReferenceAsync(reference).GetAwaiter().GetResult();
            if (image is not null && !Names(remote, reference, image))
            {
                throw new NotFoundException(image, $"no image {image} at {reference}: it holds {remote.GetShortId()} ({reference})");
            }

            return new ImageOperand(remote, null, client, reference, limits);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _archive?.Dispose();
        _client?.Dispose();
    }

    private static bool Names(IContainerImage image, ImageReference reference, string name)
    {
        string bare = name.StartsWith("docker://", StringComparison.Ordinal) ? name["docker://".Length..] : name;
        if (string.Equals(bare, reference.ToString(), StringComparison.Ordinal)
            || string.Equals(bare, image.Id.Value, StringComparison.Ordinal)
            || string.Equals(bare, image.ManifestDigest.Value, StringComparison.Ordinal))
        {
            return true;
        }

        string hex = bare.StartsWith("sha256:", StringComparison.Ordinal) ? bare["sha256:".Length..] : bare;
        return hex.Length >= 1 && hex.All(char.IsAsciiHexDigitLower) && image.Id.Encoded.StartsWith(hex, StringComparison.Ordinal);
    }
}
