using ImageFormat.Archives.Writers;

namespace ImageFormat.Build;

/// <summary>One file of the new layer: where it is read from and its path below the working directory.</summary>
/// <param name="SourcePath">The file on disk.</param>
/// <param name="RelativePath">Its path below the image's working directory, with <c>/</c> or <c>\</c> separators.</param>
/// <param name="Mode">Its permission bits in the image (such as <c>0755</c>), or <see langword="null"/> to derive them from the content: 0755 for ELF executables and scripts starting with <c>#!</c>, 0644 otherwise.</param>
public sealed record ContainerFile(string SourcePath, string RelativePath, int? Mode = null);

/// <summary>What to build: the base, the files of the new layer, the config changes and where the result goes.</summary>
public sealed record ContainerImageRequest
{
    /// <summary>The base: a path to an image archive (any dialect, compressed or not), <c>oci:DIR</c> or <c>store:REF</c>.</summary>
    public required string BaseImage { get; init; }

    /// <summary>The repository to tag the image with (<c>ContainerRepository</c>).</summary>
    public required string Repository { get; init; }

    /// <summary>The tags (<c>ContainerImageTag</c>/<c>ContainerImageTags</c>); <c>latest</c> when empty.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>The platform to take from the base, as an OCI <c>os/architecture[/variant]</c> (<c>linux/amd64</c>).</summary>
    public required string Platform { get; init; }

    /// <summary>The files of the new layer, in any order.</summary>
    public IReadOnlyList<ContainerFile> Files { get; init; } = [];

    /// <summary>The working directory, where the files go (<c>ContainerWorkingDirectory</c>, default <c>/app/</c>).</summary>
    public string WorkingDirectory { get; init; } = "/app/";

    /// <summary>The user (<c>ContainerUser</c>); when <see langword="null"/>, the base's <c>APP_UID</c> variable if it has one, else the base's user.</summary>
    public string? User { get; init; }

    /// <summary>The command that starts the app (<c>ContainerAppCommand</c>): the entrypoint.</summary>
    public IReadOnlyList<string> AppCommand { get; init; } = [];

    /// <summary>Arguments always passed to the app (<c>ContainerAppCommandArgs</c>), appended to the entrypoint.</summary>
    public IReadOnlyList<string> AppCommandArgs { get; init; } = [];

    /// <summary>Default arguments a <c>docker run</c> can override (<c>ContainerDefaultArgs</c>): the command.</summary>
    public IReadOnlyList<string> DefaultArgs { get; init; } = [];

    /// <summary>Environment variables to set (<c>ContainerEnvironmentVariable</c> items), in order; a later one with the same name wins.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Environment { get; init; } = [];

    /// <summary>Labels to set (<c>ContainerLabel</c> items).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Labels { get; init; } = [];

    /// <summary>Ports to expose (<c>ContainerPort</c> items), as <c>PORT/tcp</c> or <c>PORT/udp</c>.</summary>
    public IReadOnlyList<string> Ports { get; init; } = [];

    /// <summary>The creation time written into the config and every time in the layer.</summary>
    public DateTimeOffset Created { get; init; } = DateTimeOffset.UnixEpoch;

    /// <summary>Where the archive goes, or <see langword="null"/> for none.</summary>
    public string? ArchiveOutputPath { get; init; }

    /// <summary>The archive's dialect: <see cref="ArchiveFormat.Docker"/> (the default, what <c>docker load</c> reads), <see cref="ArchiveFormat.OciArchive"/> or <see cref="ArchiveFormat.OciLayout"/> (a directory).</summary>
    public ArchiveFormat ArchiveFormat { get; init; } = ArchiveFormat.Docker;

    /// <summary>Whether to load the image into the local store.</summary>
    public bool LoadIntoStore { get; init; }

    /// <summary>The local store's root, or <see langword="null"/> for <c>$IMAGEFMT_ROOT</c>, else the default.</summary>
    public string? StoreRoot { get; init; }

    /// <summary>Where intermediate files go (the project's <c>obj</c> folder); the system's temp folder when <see langword="null"/>.</summary>
    public string? IntermediateDirectory { get; init; }
}

/// <summary>What was built.</summary>
/// <param name="ImageId">The image ID (the config's digest), <c>sha256:…</c>.</param>
/// <param name="Tags">The full tags the image carries, such as <c>app:1.0</c>.</param>
/// <param name="LayerDigest">The digest of the new layer's blob.</param>
/// <param name="LayerEntries">How many entries the new layer holds.</param>
public sealed record ContainerImageResult(string ImageId, IReadOnlyList<string> Tags, string LayerDigest, int LayerEntries);
