namespace ImageFormat.Transports;

/// <summary>What a pull or push reports about the image or one of its layers, as Docker 20.10 names it.</summary>
public enum TransferStatusKind
{
    /// <summary><c>TAG: Pulling from REPO</c>: a pull starts (moby v20.10 <c>distribution/pull_v2.go</c>).</summary>
    PullingFrom,

    /// <summary><c>ID: Pulling fs layer</c>: a layer the store lacks will be downloaded.</summary>
    PullingFsLayer,

    /// <summary><c>ID: Already exists</c>: the store has the layer (same chainID); nothing is downloaded.</summary>
    AlreadyExists,

    /// <summary><c>ID: Verifying Checksum</c>: the layer's bytes were all read and are checked against its digest.</summary>
    VerifyingChecksum,

    /// <summary><c>ID: Download complete</c>: the layer matched its digest.</summary>
    DownloadComplete,

    /// <summary><c>ID: Pull complete</c>: the layer is in the store.</summary>
    PullComplete,

    /// <summary><c>The push refers to repository [HOST/REPO]</c>: a push starts (moby v20.10 <c>distribution/push.go</c>).</summary>
    PushRefersTo,

    /// <summary><c>ID: Preparing</c>: a layer will be pushed (moby v20.10 <c>distribution/xfer/upload.go</c>).</summary>
    Preparing,

    /// <summary><c>ID: Pushed</c>: the layer was uploaded.</summary>
    Pushed,

    /// <summary><c>ID: Layer already exists</c>: the repository had the layer; nothing was sent.</summary>
    LayerAlreadyExists,

    /// <summary><c>ID: Mounted from REPO</c>: the layer was mounted from another repository of the registry.</summary>
    MountedFrom,

    /// <summary>
    /// <c>ID: Waiting</c>: the layer's transfer is queued behind others (moby v20.10 <c>distribution/xfer</c>): the
    /// daemon moves at most 3 layers at once when pulling and 5 when pushing (its default
    /// <c>max-concurrent-downloads</c> and <c>max-concurrent-uploads</c>), and each later one says so when queued.
    /// </summary>
    Waiting,
}

/// <summary>
/// One status line of a pull or push, as Docker 20.10 prints its progress messages when standard output is not a
/// terminal (docker/cli <c>pkg/jsonmessage</c>: <c>ID: STATUS</c>, or the status alone when it has no ID; messages
/// with a progress bar are not printed there). Layer IDs are Docker's: the first 12 hex characters of the layer's
/// blob digest for a pull, of its diffID for a push.
/// </summary>
/// <param name="Kind">What happened.</param>
/// <param name="Id">The short layer ID, the tag for <see cref="TransferStatusKind.PullingFrom"/>, or empty.</param>
/// <param name="Detail">The repository, for <see cref="TransferStatusKind.PullingFrom"/>, <see cref="TransferStatusKind.PushRefersTo"/> and <see cref="TransferStatusKind.MountedFrom"/>.</param>
public readonly record struct TransferStatus(TransferStatusKind Kind, string Id, string? Detail = null)
{
    /// <summary>The status text, without the ID: <c>Pull complete</c>, <c>Mounted from app/base</c>…</summary>
    public string Message => Kind switch
    {
        TransferStatusKind.PullingFrom => "Pulling from " + Detail,
        TransferStatusKind.PullingFsLayer => "Pulling fs layer",
        TransferStatusKind.AlreadyExists => "Already exists",
        TransferStatusKind.VerifyingChecksum => "Verifying Checksum",
        TransferStatusKind.DownloadComplete => "Download complete",
        TransferStatusKind.PullComplete => "Pull complete",
        TransferStatusKind.PushRefersTo => $"The push refers to repository [{Detail}]",
        TransferStatusKind.Preparing => "Preparing",
        TransferStatusKind.Pushed => "Pushed",
        TransferStatusKind.LayerAlreadyExists => "Layer already exists",
        TransferStatusKind.MountedFrom => "Mounted from " + Detail,
        TransferStatusKind.Waiting => "Waiting",
        _ => Kind.ToString(),
    };

    /// <summary>The line Docker prints: <c>ID: STATUS</c>, or the status alone.</summary>
    /// <returns>The line, without a newline.</returns>
    public override string ToString() => string.IsNullOrEmpty(Id) ? Message : $"{Id}: {Message}";
}
