using System.Globalization;
using System.Runtime.InteropServices;
using ImageFormat.Compression;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Images;
using ImageFormat.Layers;
using ImageFormat.Moby;
using ImageFormat.Model;
using ImageFormat.Progress;
using ImageFormat.References;

namespace ImageFormat.Store;

public sealed partial class ImageStore
{
    /// <summary>The DiffID of an empty layer (a tar of two zero blocks), which Docker's commit does not add to an image.</summary>
    private static readonly Digest s_emptyTar = Digest.Parse("sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef");

    /// <summary>
    /// <c>docker commit</c>: a new image from a container, as Docker 20.10 writes it: the container's changes as a
    /// new layer (none, and a history entry marked <c>empty_layer</c>, when nothing changed), the parent's config
    /// and history with one entry appended, <c>author</c>, <c>created</c>, <c>container</c>,
    /// <c>container_config</c> and <c>docker_version</c>, the config of the container with
    /// <see cref="CommitOptions.Changes"/> applied, and a parent link to the container's image.
    /// </summary>
    /// <param name="container">The container's name, ID or unique ID prefix.</param>
    /// <param name="options">Author, message, changes and tag; none when <see langword="null"/>.</param>
    /// <returns>The new image's ID.</returns>
    /// <exception cref="NotFoundException">No such container, or its image was deleted.</exception>
    /// <exception cref="ImageFormatException">A change is invalid (<see cref="ErrorCodes.StoreInvalidChange"/>).</exception>
    /// <exception cref="InvalidReferenceException">The tag is not a valid reference.</exception>
    /// <exception cref="NotSupportedException">The store is in memory.</exception>
    /// <exception cref="IOException">The root file system cannot be read or the store written.</exception>
    public Digest Commit(string container, CommitOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(container);
        return CommitCore(container, options ?? new CommitOptions(), null, CancellationToken.None);
    }

    /// <summary>
    /// <c>docker commit</c>, as <see cref="Commit"/> does (the same core, the same image). Building the layer walks
    /// the container's root file system through directory descriptors, which have no asynchronous form: the core
    /// runs on a thread-pool thread and observes the token on every write of the layer. A cancelled commit leaves
    /// the store as it was: no image, no reference, no blob.
    /// </summary>
    /// <param name="container">The container's name, ID or unique ID prefix.</param>
    /// <param name="options">Author, message, changes and tag; none when <see langword="null"/>.</param>
    /// <param name="progress">Receives <see cref="ImageProgressPhase.Committing"/> reports: one item, the new layer, and the bytes of its tar as they are written (the total grows with them); none unless given.</param>
    /// <param name="cancellationToken">Stops the commit.</param>
    /// <returns>The new image's ID.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="container"/> is <see langword="null"/>.</exception>
    /// <exception cref="NotFoundException">No such container, or its image was deleted.</exception>
    /// <exception cref="ImageFormatException">A change is invalid (<see cref="ErrorCodes.StoreInvalidChange"/>).</exception>
    /// <exception cref="InvalidReferenceException">The tag is not a valid reference.</exception>
    /// <exception cref="NotSupportedException">The store is in memory.</exception>
    /// <exception cref="IOException">The root file system cannot be read or the store written.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task<Digest> CommitAsync(string container, CommitOptions? options = null, IProgress<ImageProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(container);
        options ??= new CommitOptions();
        _ = ValidTag(options.Tag);
        return SyncCore.Offload(() => CommitCore(container, options, progress, cancellationToken), cancellationToken);
    }

    /// <summary>The one core of <see cref="Commit"/> and <see cref="CommitAsync"/>.</summary>
    private Digest CommitCore(string container, CommitOptions options, IProgress<ImageProgress>? progress, CancellationToken cancellationToken)
    {
        StoreContainer found = GetContainer(container);
        string rootfs = RootFsOf(found);
        if (!_state.Images.ContainsKey(found.ImageId))
        {
            throw NoSuchImage(found.ImageId.Value);
        }

        string? tag = ValidTag(options.Tag);
        ImageConfig parent = ReadConfigDocument(found.ImageId).Value;
        GoContainerConfig containerConfig = GoContainerConfig.ForContainer(parent.Config, found.Id, found.ImageName ?? found.ImageId.Value, found.Command);
        GoContainerConfig config = containerConfig.Clone();
        DockerfileChanges.Apply(config, options.Changes);
        config.MergeFrom(containerConfig);

        IReadOnlyList<LayerChange> changes = Diff(found, rootfs);
        var build = new LayerBuildOptions { Compression = CompressionFormat.None, SourceDateEpoch = LayerBuilder.SourceDateEpochFromEnvironment(), Limits = _options.Limits };
        HashSet<Digest> named = _state.ReferencedBlobs();
        ProgressReporter? reporter = ProgressReporter.Create(progress, ImageProgressPhase.Committing, 1, 0);
        string item = $"layer of container {found.Id}";
        try
        {
            int index = reporter?.StartItem(item) ?? 0;
            (Digest diffId, _) = _backing.WriteBlob(output => LayerBuilder.Write(rootfs, changes, ProgressStream.WrapWrite(output, reporter, cancellationToken), build), null, item);
            reporter?.EndItem(diffId.Value, index);
            cancellationToken.ThrowIfCancellationRequested();
            bool empty = diffId == s_emptyTar;
            if (empty && !named.Contains(diffId))
            {
                _backing.DeleteBlob(diffId);
            }

            string created = GoTime(Now);
            string createdBy = string.Join(' ', containerConfig.Cmd ?? []);
            var w = new GoJsonWriter();
            bool first = true;
            w.Byte((byte)'{');
            w.Key("architecture", ref first);
            w.String(string.IsNullOrEmpty(parent.Architecture) ? GoArchitecture() : parent.Architecture);
            if (!string.IsNullOrEmpty(options.Author))
            {
                w.Key("author", ref first);
                w.String(options.Author);
            }

            w.Key("config", ref first);
            config.Write(w);
            w.Key("container", ref first);
            w.String(found.Id);
            w.Key("container_config", ref first);
            containerConfig.Write(w);
            w.Key("created", ref first);
            w.String(created);
            w.Key("docker_version", ref first);
            w.String(_options.DockerVersion);
            w.Key("history", ref first);
            w.Byte((byte)'[');
            foreach (HistoryEntry entry in parent.History)
            {
                WriteHistory(w, entry.Created ?? "0001-01-01T00:00:00Z", entry.Author, entry.CreatedBy, entry.Comment, entry.EmptyLayer == true);
                w.Byte((byte)',');
            }

            WriteHistory(w, created, options.Author, createdBy, options.Comment, empty);
            w.Byte((byte)']');
            w.Key("os", ref first);
            w.String(string.IsNullOrEmpty(parent.Os) ? "linux" : parent.Os);
            if (parent.OsFeatures is { Count: > 0 } features)
            {
                w.Key("os.features", ref first);
                w.StringArray(features);
            }

            if (!string.IsNullOrEmpty(parent.OsVersion))
            {
                w.Key("os.version", ref first);
                w.String(parent.OsVersion);
            }

            w.Key("rootfs", ref first);
            WriteRootFs(w, empty ? parent.RootFs.DiffIds : [.. parent.RootFs.DiffIds, diffId]);
            if (!string.IsNullOrEmpty(parent.Variant))
            {
                w.Key("variant", ref first);
                w.String(parent.Variant);
            }

            w.Byte((byte)'}');
            ImageBuilder committed = ImageBuilder.From(OpenImage(found.ImageId.Value));
            Digest id = AddImage((empty ? committed : committed.AppendLayer(StoredTar(diffId))).SetRawConfig(w.ToArray()).Build(), found.ImageId, tag);
            reporter?.Complete();
            return id;
        }
        catch
        {
            RemoveUnnamedBlobs(_state.ReferencedBlobs());
            throw;
        }
    }

    private static string? ValidTag(string? tag)
    {
        if (tag is null)
        {
            return null;
        }

        if (!ImageReference.TryParse(tag, out ImageReference? reference, out string? reason))
        {
            throw new InvalidReferenceException(tag, reason);
        }

        if (reference.Digest is not null)
        {
            throw new InvalidReferenceException(tag, "refusing to create a tag with a digest reference");
        }

        return tag;
    }

    private static void WriteHistory(GoJsonWriter w, string created, string? author, string? createdBy, string? comment, bool emptyLayer)
    {
        bool first = true;
        w.Byte((byte)'{');
        w.Key("created", ref first);
        w.String(created);
        foreach ((string key, string? value) in new[] { ("author", author), ("created_by", createdBy), ("comment", comment) })
        {
            if (!string.IsNullOrEmpty(value))
            {
                w.Key(key, ref first);
                w.String(value);
            }
        }

        if (emptyLayer)
        {
            w.Key("empty_layer", ref first);
            w.Bool(true);
        }

        w.Byte((byte)'}');
    }

    private static void WriteRootFs(GoJsonWriter w, IReadOnlyList<Digest> diffIds)
    {
        bool first = true;
        w.Byte((byte)'{');
        w.Key("type", ref first);
        w.String("layers");
        if (diffIds.Count > 0)
        {
            w.Key("diff_ids", ref first);
            w.StringArray([.. diffIds.Select(d => d.Value)]);
        }

        w.Byte((byte)'}');
    }

    /// <summary>Go's <c>time.RFC3339Nano</c> in UTC: fractional seconds without trailing zeros.</summary>
    private static string GoTime(DateTimeOffset time)
    {
        DateTime utc = time.UtcDateTime;
        string fraction = (utc.Ticks % TimeSpan.TicksPerSecond).ToString("0000000", CultureInfo.InvariantCulture).TrimEnd('0');
        return utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + (fraction.Length > 0 ? "." + fraction : string.Empty) + "Z";
    }

    /// <summary>Go's <c>runtime.GOARCH</c> for this process, which Docker writes when a parent has none.</summary>
    private static string GoArchitecture() => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "amd64",
        Architecture.Arm64 => "arm64",
        Architecture.X86 => "386",
        Architecture.Arm => "arm",
        Architecture.S390x => "s390x",
        Architecture.Ppc64le => "ppc64le",
        Architecture.RiscV64 => "riscv64",
        _ => RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant(),
    };
}

/// <summary>What <see cref="ImageStore.Commit"/> records besides the container's changes.</summary>
public sealed record CommitOptions
{
    /// <summary>The author (<c>-a</c>), written as <c>author</c> in the config and the history entry.</summary>
    public string? Author { get; init; }

    /// <summary>The message (<c>-m</c>), written as the history entry's <c>comment</c>.</summary>
    public string? Comment { get; init; }

    /// <summary>Dockerfile instructions to apply to the config (<c>-c</c>): CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, USER, VOLUME, WORKDIR.</summary>
    public IReadOnlyList<string> Changes { get; init; } = [];

    /// <summary>The reference to tag the new image with (<c>latest</c> when it names no tag), if any.</summary>
    public string? Tag { get; init; }
}
