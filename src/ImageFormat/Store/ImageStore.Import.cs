using ImageFormat.Compression;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Images;
using ImageFormat.Moby;
using ImageFormat.Progress;

namespace ImageFormat.Store;

public sealed partial class ImageStore
{
    /// <summary>
    /// <c>docker import</c>: a single-layer image from a root file system tarball (plain or compressed with gzip,
    /// bzip2, xz or zstd; the layer is the decompressed tar, byte for byte), with the config Docker 20.10 writes:
    /// <c>architecture</c>, <c>comment</c> and a history entry with the message (<c>Imported from -</c> unless
    /// given), an empty config with <see cref="ImportOptions.Changes"/> applied, and <c>created</c>.
    /// </summary>
    /// <param name="tarball">The tarball (read to its end, left open).</param>
    /// <param name="options">Message, changes and tag; none when <see langword="null"/>.</param>
    /// <returns>The new image's ID.</returns>
    /// <exception cref="ImageFormatException">A change is invalid, or the input is not a tar or exceeds a limit.</exception>
    /// <exception cref="InvalidReferenceException">The tag is not a valid reference.</exception>
    /// <exception cref="IOException">The store cannot be written.</exception>
    public Digest Import(Stream tarball, ImportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tarball);
        options ??= new ImportOptions();
        return ImportCore(tarball, options, ValidTag(options.Tag), null, CancellationToken.None);
    }

    /// <summary>
    /// <c>docker import</c>, as <see cref="Import"/> does (the same core, the same image). The tarball is
    /// decompressed and hashed (CPU work) on a thread-pool thread, which observes the token on every read. A
    /// cancelled import leaves the store as it was: no image, no reference, no blob.
    /// </summary>
    /// <param name="tarball">The tarball (read as far as needed, left open).</param>
    /// <param name="options">Message, changes and tag; none when <see langword="null"/>.</param>
    /// <param name="progress">Receives <see cref="ImageProgressPhase.Committing"/> reports: one item, the tarball, and its bytes as read (out of its length when it can seek); none unless given.</param>
    /// <param name="cancellationToken">Stops the import.</param>
    /// <returns>The new image's ID.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="tarball"/> is <see langword="null"/>.</exception>
    /// <exception cref="ImageFormatException">A change is invalid, or the input is not a tar or exceeds a limit.</exception>
    /// <exception cref="InvalidReferenceException">The tag is not a valid reference.</exception>
    /// <exception cref="IOException">The store cannot be written.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task<Digest> ImportAsync(Stream tarball, ImportOptions? options = null, IProgress<ImageProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tarball);
        options ??= new ImportOptions();
        string? tag = ValidTag(options.Tag);
        return SyncCore.Offload(() => ImportCore(tarball, options, tag, progress, cancellationToken), cancellationToken);
    }

    /// <summary>The one core of <see cref="Import"/> and <see cref="ImportAsync"/>.</summary>
    private Digest ImportCore(Stream tarball, ImportOptions options, string? tag, IProgress<ImageProgress>? progress, CancellationToken cancellationToken)
    {
        ProgressReporter? reporter = ProgressReporter.Create(progress, ImageProgressPhase.Committing, 1, tarball.CanSeek ? tarball.Length - tarball.Position : 0);
        var config = new GoContainerConfig();
        DockerfileChanges.Apply(config, options.Changes);
        string message = string.IsNullOrEmpty(options.Message) ? "Imported from " + options.Source : options.Message;
        try
        {
            int index = reporter?.StartItem(options.Source) ?? 0;
            using Stream input = ProgressStream.Wrap(tarball, reporter, cancellationToken, leaveOpen: true);
            using Stream tar = Decompression.OpenDetected(input, _options.Limits, leaveOpen: true, out _, "import");
            (Digest diffId, _) = _backing.WriteBlob(output => CopyTar(tar, output), null, "imported layer");
            reporter?.EndItem(options.Source, index);
            cancellationToken.ThrowIfCancellationRequested();
            string created = GoTime(Now);
            var w = new GoJsonWriter();
            bool first = true;
            w.Byte((byte)'{');
            w.Key("architecture", ref first);
            w.String(GoArchitecture());
            w.Key("comment", ref first);
            w.String(message);
            w.Key("config", ref first);
            config.Write(w);
            w.Key("container_config", ref first);
            new GoContainerConfig().Write(w);
            w.Key("created", ref first);
            w.String(created);
            w.Key("docker_version", ref first);
            w.String(_options.DockerVersion);
            w.Key("history", ref first);
            w.Byte((byte)'[');
            WriteHistory(w, created, null, null, message, false);
            w.Byte((byte)']');
            w.Key("os", ref first);
            w.String("linux");
            w.Key("rootfs", ref first);
            WriteRootFs(w, [diffId]);
            w.Byte((byte)'}');
            Digest id = AddImage(ImageBuilder.FromScratch().AppendLayer(StoredTar(diffId)).SetRawConfig(w.ToArray()).Build(), null, tag);
            reporter?.Complete();
            return id;
        }
        catch
        {
            RemoveUnnamedBlobs(_state.ReferencedBlobs());
            throw;
        }
    }

    /// <summary>Copies a tar to its end and on past the end-of-archive blocks, as Docker's layer store reads an import.</summary>
    private static void CopyTar(Stream tar, Stream output) => tar.CopyTo(output, 1 << 20);
}

/// <summary>What <see cref="ImageStore.Import"/> records besides the tarball.</summary>
public sealed record ImportOptions
{
    /// <summary>The message (<c>-m</c>); <c>Imported from &lt;source&gt;</c> when empty.</summary>
    public string? Message { get; init; }

    /// <summary>Dockerfile instructions to apply to the (empty) config (<c>-c</c>).</summary>
    public IReadOnlyList<string> Changes { get; init; } = [];

    /// <summary>The reference to tag the new image with, if any.</summary>
    public string? Tag { get; init; }

    /// <summary>Where the tarball came from, for the default message; <c>-</c> (what the Docker client sends for a file or standard input).</summary>
    public string Source { get; init; } = "-";
}
