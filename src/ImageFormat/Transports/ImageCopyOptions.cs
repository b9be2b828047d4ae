using ImageFormat.Compression;
using ImageFormat.Digests;
using ImageFormat.Model;
using ImageFormat.Registry;
using ImageFormat.Store;

namespace ImageFormat.Transports;

/// <summary>How <see cref="ImageCopier.CopyAsync"/> copies (skopeo's <c>copy</c> options).</summary>
public sealed record ImageCopyOptions
{
    /// <summary>The defaults: one image, this machine's platform, blobs verbatim.</summary>
    public static ImageCopyOptions Default { get; } = new();

    /// <summary>The registry client for <c>docker://</c> locations (the caller keeps ownership); when <see langword="null"/>, one is made from <see cref="RegistryOptions"/> for the copy.</summary>
    public RegistryClient? Client { get; init; }

    /// <summary>The options of the client made when <see cref="Client"/> is <see langword="null"/>.</summary>
    public RegistryClientOptions? RegistryOptions { get; init; }

    /// <summary>The store <c>store:</c> locations name (the caller keeps ownership); required when one side is <c>store:</c>.</summary>
    public ImageStore? Store { get; init; }

    /// <summary>
    /// Copies every platform of a registry index (<c>--all</c>), to a registry (the index itself, digest kept), an
    /// OCI layout or an OCI archive (each platform's image, manifest digests kept); a docker archive or the store
    /// cannot hold an index.
    /// </summary>
    public bool All { get; init; }

    /// <summary>The platform to pick from a registry index; this machine's when <see langword="null"/>.</summary>
    public Platform? Platform { get; init; }

    /// <summary>
    /// Recompresses every layer (<c>--dest-compress</c>); the layers get new digests and the image a new manifest
    /// digest, its ID (the config) unchanged. <see langword="null"/> copies blobs verbatim, keeping every digest.
    /// </summary>
    public CompressionFormat? DestinationCompression { get; init; }

    /// <summary>Where a recompressed image bound for a registry is staged; the system's temporary directory when <see langword="null"/>.</summary>
    public string? TempDirectory { get; init; }

    /// <summary>
    /// Receives Docker's status lines of a push to a registry and of <see cref="StoreTransfer.PullAsync"/> (<c>Preparing</c>,
    /// <c>Pushed</c>, <c>Pulling fs layer</c>, <c>Pull complete</c>…), synchronously, from the thread that did the step;
    /// none when <see langword="null"/>.
    /// </summary>
    public IProgress<TransferStatus>? Status { get; init; }
}

/// <summary>What <see cref="ImageCopier.CopyAsync"/> wrote.</summary>
/// <param name="ManifestDigest">The digest of the top document written: the index of an <see cref="ImageCopyOptions.All"/> copy between registries, else the image's manifest: as pushed (a Docker schema 2 one for an image from the store or a <c>docker save</c> archive), as written to an archive or layout (for a docker archive, the OCI manifest derived from what it holds), or, for the store, which keeps none, the source's.</param>
/// <param name="ImageIds">The IDs (config digests) of the images written, in order.</param>
public sealed record ImageCopyResult(Digest ManifestDigest, IReadOnlyList<Digest> ImageIds);
