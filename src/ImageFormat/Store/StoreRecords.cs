using ImageFormat.Digests;
using ImageFormat.References;

namespace ImageFormat.Store;

/// <summary>An image in the store: its ID (the digest of its config blob), parent link and layer chain.</summary>
public sealed record StoreImage
{
    /// <summary>The image ID: the digest of the config blob's exact bytes.</summary>
    public required Digest Id { get; init; }

    /// <summary>The parent image (set by commit, or by load from an archive's <c>Parent</c>), if any.</summary>
    public Digest? Parent { get; init; }

    /// <summary>The config's <c>created</c> time as written, or <see langword="null"/> when it has none.</summary>
    public string? Created { get; init; }

    /// <summary>When the image was last tagged with <c>tag</c> (Docker's <c>Metadata.LastTagTime</c>); load does not set it.</summary>
    public DateTimeOffset? LastTagTime { get; init; }

    /// <summary>The config's <c>rootfs.diff_ids</c>, base first.</summary>
    public required IReadOnlyList<Digest> DiffIds { get; init; }

    /// <summary>The ChainID of the top layer, which the image holds; <c>default</c> for an image with no layers.</summary>
    public Digest ChainId { get; init; }

    /// <summary>The config's <c>created</c> time, parsed.</summary>
    public DateTimeOffset? CreatedTime => Model.Rfc3339.TryParse(Created, out DateTimeOffset time) ? time : null;
}

/// <summary>A layer in the store, named by its ChainID; its uncompressed tar is the blob named by its DiffID.</summary>
public sealed record StoreLayer
{
    /// <summary>The ChainID (the layer with everything below it).</summary>
    public required Digest ChainId { get; init; }

    /// <summary>The DiffID: the digest of the uncompressed tar, which names the stored blob.</summary>
    public required Digest DiffId { get; init; }

    /// <summary>The ChainID of the layer below, or <see langword="null"/> for a base layer.</summary>
    public Digest? Parent { get; init; }

    /// <summary>The total size of the regular files in the layer (Docker's layer size and <c>DiffSize</c>).</summary>
    public long Size { get; init; }

    /// <summary>The size of the uncompressed tar.</summary>
    public long TarSize { get; init; }

    /// <summary>The digest of the compressed blob the layer was loaded from, when it came compressed; that blob is kept too.</summary>
    public Digest? CompressedDigest { get; init; }

    /// <summary>The media type of <see cref="CompressedDigest"/>'s blob, when the source declared one.</summary>
    public string? CompressedMediaType { get; init; }
}

/// <summary>A container: a read-write layer on an image's chain, which it holds until removed.</summary>
public sealed record StoreContainer
{
    /// <summary>The container ID: 64 lowercase hex characters.</summary>
    public required string Id { get; init; }

    /// <summary>The container's name (without Docker's leading <c>/</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The image it was created from (it may have been deleted since, with <c>rmi -f</c>).</summary>
    public required Digest ImageId { get; init; }

    /// <summary>The ChainID the container holds (its image's top layer); <c>default</c> when the image had no layers.</summary>
    public Digest ChainId { get; init; }

    /// <summary>When it was created.</summary>
    public DateTimeOffset Created { get; init; }

    /// <summary>Its root file system directory, or <see langword="null"/> for a store in memory.</summary>
    public string? RootFsPath { get; init; }

    /// <summary>Whether it counts as running (a hard conflict for <c>rmi</c>); this store runs nothing itself.</summary>
    public bool Running { get; init; }

    /// <summary>The image as the user named it at creation (Docker's <c>Config.Image</c>, shown by <c>ps</c>).</summary>
    public string? ImageName { get; init; }

    /// <summary>The command given at creation, if any (else the image's <c>Cmd</c> applies, as in Docker).</summary>
    public IReadOnlyList<string>? Command { get; init; }

    /// <summary>The command line as the daemon records it at creation (entrypoint and command merged, then joined);
    /// <see langword="null"/> in stores written before it was recorded.</summary>
    public string? CommandLine { get; init; }

    /// <summary>The labels the container got from its image at creation; <see langword="null"/> in stores written before they were recorded.</summary>
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>Docker's short form of <see cref="Id"/>: its first 12 characters.</summary>
    public string ShortId => Id[..12];
}

/// <summary>
/// One item of <c>rmi</c>'s or <c>image prune</c>'s report: exactly one of a reference untagged or an image or layer
/// deleted. <see cref="DockerListing.Rmi"/> and <see cref="DockerListing.Prune"/> render them as Docker prints them.
/// </summary>
public sealed record ImageDeleteItem
{
    private ImageDeleteItem(ImageReference? untagged, Digest? deleted)
    {
        Untagged = untagged;
        Deleted = deleted;
    }

    /// <summary>The reference removed, or <see langword="null"/> when this item is a deletion.</summary>
    public ImageReference? Untagged { get; }

    /// <summary>The image ID or layer ChainID deleted, or <see langword="null"/> when this item is an untag.</summary>
    public Digest? Deleted { get; }

    /// <summary>An item saying <paramref name="reference"/> was removed.</summary>
    /// <param name="reference">The reference.</param>
    /// <returns>The item.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="reference"/> is <see langword="null"/>.</exception>
    public static ImageDeleteItem ForUntagged(ImageReference reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return new(reference, null);
    }

    /// <summary>An item saying the image or layer <paramref name="id"/> was deleted.</summary>
    /// <param name="id">The image ID or layer ChainID.</param>
    /// <returns>The item.</returns>
    public static ImageDeleteItem ForDeleted(Digest id) => new(null, id);

    /// <summary>Docker's <c>rmi</c> line: <c>Untagged: hello:latest</c> or <c>Deleted: sha256:…</c>.</summary>
    /// <returns>The line.</returns>
    public override string ToString() => Untagged is not null ? $"Untagged: {Untagged.FamiliarString()}" : $"Deleted: {Deleted}";
}

/// <summary>What an <c>rmi</c> or <c>image prune</c> did, or would do in a dry run.</summary>
public sealed record ImageRemoval
{
    /// <summary>The <c>Untagged:</c> and <c>Deleted:</c> items, in Docker's order.</summary>
    public required IReadOnlyList<ImageDeleteItem> Items { get; init; }

    /// <summary>The sizes of the layers removed, summed as Docker reports reclaimed space.</summary>
    public long ReclaimedBytes { get; init; }

    /// <summary>The bytes of blobs (configs, layer tars, compressed originals) removed from the store's disk.</summary>
    public long BlobBytesFreed { get; init; }

    /// <summary>Whether this was a dry run (nothing was changed).</summary>
    public bool DryRun { get; init; }
}

/// <summary>What <c>load</c> did.</summary>
public sealed record LoadResult
{
    /// <summary>Docker 20.10's lines: <c>Loaded image: REPO:TAG</c>, <c>Loaded image ID: sha256:…</c>, renaming notices.</summary>
    public required IReadOnlyList<string> Lines { get; init; }

    /// <summary>The IDs of the images loaded, in the archive's order.</summary>
    public required IReadOnlyList<Digest> ImageIds { get; init; }

    /// <summary>Layer blobs copied into the store (layers already present are not copied again).</summary>
    public int LayersWritten { get; init; }
}

/// <summary>A row source for <c>images</c>: an image with its familiar tags and digests and its total size.</summary>
public sealed record ImageSummary
{
    /// <summary>The image.</summary>
    public required StoreImage Image { get; init; }

    /// <summary>Familiar tagged references (<c>hello:latest</c>); <c>&lt;none&gt;:&lt;none&gt;</c> for a dangling image.</summary>
    public required IReadOnlyList<string> RepoTags { get; init; }

    /// <summary>Familiar digest references (<c>hello@sha256:…</c>); <c>&lt;none&gt;@&lt;none&gt;</c> for a dangling image.</summary>
    public required IReadOnlyList<string> RepoDigests { get; init; }

    /// <summary>The sum of the sizes of the image's layers.</summary>
    public long Size { get; init; }

    /// <summary>Whether the image has no reference (Docker lists it as <c>&lt;none&gt;</c>).</summary>
    public bool IsDangling => RepoTags is ["<none>:<none>"];
}

/// <summary>One row of <c>ps</c>: a container as the daemon lists it.</summary>
public sealed record ContainerSummary
{
    /// <summary>The container.</summary>
    public required StoreContainer Container { get; init; }

    /// <summary>The command line as the daemon joins it (<c>echo 'hi there'</c>).</summary>
    public required string Command { get; init; }

    /// <summary>The image as the user named it while that name still resolves to the container's image, else the image ID.</summary>
    public required string Image { get; init; }

    /// <summary>The container's labels.</summary>
    public required IReadOnlyDictionary<string, string> Labels { get; init; }

    /// <summary>Bytes of the files the container added or changed, when sizes were asked for.</summary>
    public long? SizeRw { get; init; }

    /// <summary>The image's size plus <see cref="SizeRw"/>, when sizes were asked for.</summary>
    public long? SizeRootFs { get; init; }
}

/// <summary>One row of <c>history</c>: a history entry of the image, newest first.</summary>
public sealed record ImageHistoryItem
{
    /// <summary>The image the entry belongs to (walking the parent links), or <c>&lt;missing&gt;</c>.</summary>
    public required string Id { get; init; }

    /// <summary>The entry's creation time, if it has one.</summary>
    public DateTimeOffset? Created { get; init; }

    /// <summary>The command that made it.</summary>
    public string CreatedBy { get; init; } = string.Empty;

    /// <summary>The size of the layer it added (0 for an empty layer).</summary>
    public long Size { get; init; }

    /// <summary>The entry's comment.</summary>
    public string Comment { get; init; } = string.Empty;

    /// <summary>The tags of the image named by <see cref="Id"/>.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];
}

/// <summary>Options for opening a store.</summary>
public sealed record ImageStoreOptions
{
    /// <summary>The defaults.</summary>
    public static ImageStoreOptions Default { get; } = new();

    /// <summary>The clock (tag times, container creation); tests inject a fixed one.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>How long to wait for another process's lock on the store before failing.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The <c>docker_version</c> that <c>commit</c> and <c>import</c> write: the Docker Engine release whose behaviour the store follows.</summary>
    public string DockerVersion { get; init; } = "20.10.24";

    /// <summary>Limits applied to archives and documents read.</summary>
    public ImageFormatLimits Limits { get; init; } = ImageFormatLimits.Default;

    /// <summary>
    /// Whether <c>save</c> to a file hashes every blob it copies again. By default it does not: the store hashed
    /// each blob against its digest when it stored it, and names blobs only by that digest, so a save to a file
    /// copies them unchecked, as <c>docker save</c> trusts its own store. A save to a stream always
    /// hashes. <see cref="ImageStore.Check(bool)"/> with layer content re-verifies the whole store.
    /// </summary>
    public bool VerifyBlobsOnSave { get; init; }
}
