using System.Text;
using ImageFormat.Compression;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.IO;
using ImageFormat.Images;
using ImageFormat.Moby;
using ImageFormat.Model;
using ImageFormat.Progress;
using ImageFormat.References;
using ImageFormat.Tar;

namespace ImageFormat.Archives.Writers;

/// <summary>
/// Writes images as an archive Docker, skopeo and OCI tools load: the Docker Engine 25+ dual format, the legacy
/// v1.2 format, an OCI archive or an OCI layout directory. The output depends only on the images given.
/// </summary>
/// <remarks>
/// <para><b>Determinism.</b> Tar entries come in the order Go's <c>filepath.Walk</c> visits a directory (each
/// directory's names sorted byte-wise, a directory before its contents), as <c>docker save</c> writes them.
/// Every entry is owned by 0/0 with no user or group names; files are mode 0644, directories 0755, symlinks
/// 0777. A blob taken from an image (config, layer, legacy <c>&lt;v1id&gt;/</c> directory and its files)
/// carries the <c>created</c> time of the first image written that uses it, truncated to seconds (the Unix
/// epoch when absent or earlier); everything the writer makes itself (manifests, <c>index.json</c>,
/// <c>oci-layout</c>, <c>manifest.json</c>, <c>repositories</c>, <c>blobs/</c> directories) carries the Unix epoch.
/// Docker stamps a few of these with the wall clock (<c>index.json</c>, a legacy directory whose layer is a
/// symlink); they are fixed here. Images are written in the order given; the same image given twice is written
/// once with the tags of both.</para>
/// <para><b>Artifacts.</b> Attestations, signatures, SBOMs, OCI artifacts and Helm charts
/// (<see cref="ArtifactToWrite"/>) are carried verbatim in the formats with an OCI index (their manifests, blobs
/// and index descriptors unchanged, listed after the images); the legacy format holds images only and refuses
/// them (<see cref="ErrorCodes.ArtifactsNotWritable"/>), as Docker's legacy <c>docker save</c> has no place for them.</para>
/// <para><b>Blobs.</b> Each distinct blob is written once. Layers are copied verbatim, checked against their
/// digest as they are copied, unless <see cref="ArchiveWriterOptions.LayerCompression"/> asks for another
/// compression or the format needs uncompressed layers (legacy); such layers are staged in temp files, several
/// at once, with the new digest and the DiffID computed in the same pass. Docker 25's unreferenced v1
/// <c>json</c> blobs are not written. A stored manifest is copied byte for byte when its layers are kept as
/// stored; otherwise an OCI manifest is built.</para>
/// </remarks>
public static class ArchiveWriter
{
    private const long ReadAheadThreshold = 4L << 20;

    private const string OciLayoutBytes = "{\"imageLayoutVersion\": \"1.0.0\"}";

    /// <summary>Writes the images as a tar archive (<see cref="ArchiveFormat.Docker"/>, <see cref="ArchiveFormat.Legacy"/> or <see cref="ArchiveFormat.OciArchive"/>) to a stream, which need not be seekable.</summary>
    /// <param name="images">The images, in the order they are written.</param>
    /// <param name="output">Where the tar goes; left open.</param>
    /// <param name="options">The format and layer handling; <see cref="ArchiveWriterOptions.Default"/> unless given.</param>
    /// <exception cref="ArgumentNullException"><paramref name="images"/>, an image or <paramref name="output"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">No images are given, a tag names two images or is a digest reference, the output is not writable, the format is <see cref="ArchiveFormat.OciLayout"/>, or the options conflict.</exception>
    /// <param name="artifacts">Artifacts to carry verbatim beside the images (attestations, signatures...); none unless given.</param>
    /// <exception cref="ImageFormatException">A layer does not match its digest, size or DiffID, or cannot be decompressed; the output is then incomplete. Code <see cref="ErrorCodes.ArtifactsNotWritable"/>: artifacts were given for the legacy format.</exception>
    public static void Write(IEnumerable<Images.IContainerImage> images, Stream output, ArchiveWriterOptions? options = null, IEnumerable<ArtifactToWrite>? artifacts = null)
    {
        Request request = CheckTar(images, output, options, artifacts);
        SyncCore.Run(WriteTarCore(request, output, null, async: false, CancellationToken.None));
    }

    /// <summary>
    /// Writes the images as a tar archive to a stream, as <see cref="Write(IEnumerable{Images.IContainerImage}, Stream, ArchiveWriterOptions?, IEnumerable{ArtifactToWrite}?)"/>
    /// does (the same core, the same bytes), with asynchronous reads of the blobs and writes to <paramref name="output"/>.
    /// Arguments are checked before anything is read. Re-encoding layers (another compression, or the legacy
    /// format) is CPU work, done in parallel before the first write and stopped by the token between reads.
    /// </summary>
    /// <param name="images">The images, in the order they are written.</param>
    /// <param name="output">Where the tar goes; left open.</param>
    /// <param name="options">The format and layer handling; <see cref="ArchiveWriterOptions.Default"/> unless given.</param>
    /// <param name="artifacts">Artifacts to carry verbatim beside the images; none unless given.</param>
    /// <param name="progress">Receives <see cref="ImageProgressPhase.Writing"/> reports: one item per re-encoded layer and per file written, bytes read from the blobs; none unless given.</param>
    /// <param name="cancellationToken">Stops the write; <paramref name="output"/> then holds an incomplete archive.</param>
    /// <returns>A task that completes when the archive is written.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="images"/>, an image or <paramref name="output"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">As for <see cref="Write(IEnumerable{Images.IContainerImage}, Stream, ArchiveWriterOptions?, IEnumerable{ArtifactToWrite}?)"/>.</exception>
    /// <exception cref="ImageFormatException">A layer does not match its digest, size or DiffID, or cannot be decompressed; the output is then incomplete. Code <see cref="ErrorCodes.ArtifactsNotWritable"/>: artifacts were given for the legacy format.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static Task WriteAsync(IEnumerable<Images.IContainerImage> images, Stream output, ArchiveWriterOptions? options = null, IEnumerable<ArtifactToWrite>? artifacts = null, IProgress<ImageProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Request request = CheckTar(images, output, options, artifacts);
        return cancellationToken.IsCancellationRequested
            ? Task.FromCanceled(cancellationToken)
            : WriteTarCore(request, output, progress, async: true, cancellationToken).AsTask();
    }

    /// <summary>
    /// Writes the images as a tar archive to a file. The archive is written under a temporary name in the same
    /// directory, flushed to disk and renamed into place, so <paramref name="path"/> never holds a partial archive.
    /// </summary>
    /// <param name="images">The images, in the order they are written.</param>
    /// <param name="path">The archive file to create or replace.</param>
    /// <param name="options">The format and layer handling; <see cref="ArchiveWriterOptions.Default"/> unless given.</param>
    /// <exception cref="ArgumentNullException"><paramref name="images"/>, an image or <paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">As for <see cref="Write(IEnumerable{Images.IContainerImage}, Stream, ArchiveWriterOptions?, IEnumerable{ArtifactToWrite}?)"/>, or <paramref name="path"/> is empty.</exception>
    /// <exception cref="ImageFormatException">A layer does not match its digest, size or DiffID; nothing is left at <paramref name="path"/>.</exception>
    /// <param name="artifacts">Artifacts to carry verbatim beside the images; none unless given.</param>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void WriteFile(IEnumerable<Images.IContainerImage> images, string path, ArchiveWriterOptions? options = null, IEnumerable<ArtifactToWrite>? artifacts = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Request request = CheckTar(images, Stream.Null, options, artifacts);
        SyncCore.Run(WriteFileCore(request, path, null, async: false, CancellationToken.None));
    }

    /// <summary>
    /// Writes the images as a tar archive to a file, as <see cref="WriteFile(IEnumerable{Images.IContainerImage}, string, ArchiveWriterOptions?, IEnumerable{ArtifactToWrite}?)"/>
    /// does, asynchronously. The archive is written under a temporary name and renamed into place when complete:
    /// when cancelled or failed, nothing is left at <paramref name="path"/> (a file that was there is kept) and
    /// the temporary file is deleted.
    /// </summary>
    /// <param name="images">The images, in the order they are written.</param>
    /// <param name="path">The archive file to create or replace.</param>
    /// <param name="options">The format and layer handling; <see cref="ArchiveWriterOptions.Default"/> unless given.</param>
    /// <param name="artifacts">Artifacts to carry verbatim beside the images; none unless given.</param>
    /// <param name="progress">Receives <see cref="ImageProgressPhase.Writing"/> reports; none unless given.</param>
    /// <param name="cancellationToken">Stops the write.</param>
    /// <returns>A task that completes when the archive is in place.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="images"/>, an image or <paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">As for <see cref="Write(IEnumerable{Images.IContainerImage}, Stream, ArchiveWriterOptions?, IEnumerable{ArtifactToWrite}?)"/>, or <paramref name="path"/> is empty.</exception>
    /// <exception cref="ImageFormatException">A layer does not match its digest, size or DiffID; nothing is left at <paramref name="path"/>.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static Task WriteFileAsync(IEnumerable<Images.IContainerImage> images, string path, ArchiveWriterOptions? options = null, IEnumerable<ArtifactToWrite>? artifacts = null, IProgress<ImageProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Request request = CheckTar(images, Stream.Null, options, artifacts);
        return cancellationToken.IsCancellationRequested
            ? Task.FromCanceled(cancellationToken)
            : WriteFileCore(request, path, progress, async: true, cancellationToken).AsTask();
    }

    /// <summary>
    /// Writes the images into an OCI image layout directory, creating it if needed. Blobs are written under a
    /// temporary name and renamed into place; a blob already present is kept only if its content hashes to its
    /// name. <c>index.json</c> is replaced (atomically) by one naming exactly these images; other blobs are left alone.
    /// </summary>
    /// <param name="images">The images, in the order they are listed.</param>
    /// <param name="directory">The layout directory.</param>
    /// <param name="options">Layer handling; <see cref="ArchiveWriterOptions.Format"/> is ignored (always <see cref="ArchiveFormat.OciLayout"/>).</param>
    /// <exception cref="ArgumentNullException"><paramref name="images"/>, an image or <paramref name="directory"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">No images are given, a tag names two images or is a digest reference, or the options conflict.</exception>
    /// <exception cref="ImageFormatException">A layer does not match its digest, size or DiffID.</exception>
    /// <param name="artifacts">Artifacts to carry verbatim beside the images; none unless given.</param>
    /// <exception cref="IOException">The directory cannot be written.</exception>
    public static void WriteLayout(IEnumerable<Images.IContainerImage> images, string directory, ArchiveWriterOptions? options = null, IEnumerable<ArtifactToWrite>? artifacts = null)
    {
        Request request = CheckLayout(images, directory, options, artifacts);
        SyncCore.Run(WriteLayoutCore(request, directory, null, async: false, CancellationToken.None));
    }

    /// <summary>
    /// Writes the images into an OCI image layout directory, as <see cref="WriteLayout(IEnumerable{Images.IContainerImage}, string, ArchiveWriterOptions?, IEnumerable{ArtifactToWrite}?)"/>
    /// does, asynchronously. A new directory is built under a temporary name beside it and renamed into place when
    /// complete; in an existing layout, blobs are added first and <c>index.json</c> is replaced last. When cancelled
    /// or failed, a new directory is not created, and the blobs this call added to an existing one are removed.
    /// </summary>
    /// <param name="images">The images, in the order they are listed.</param>
    /// <param name="directory">The layout directory.</param>
    /// <param name="options">Layer handling; <see cref="ArchiveWriterOptions.Format"/> is ignored (always <see cref="ArchiveFormat.OciLayout"/>).</param>
    /// <param name="artifacts">Artifacts to carry verbatim beside the images; none unless given.</param>
    /// <param name="progress">Receives <see cref="ImageProgressPhase.Writing"/> reports; none unless given.</param>
    /// <param name="cancellationToken">Stops the write.</param>
    /// <returns>A task that completes when the layout is written.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="images"/>, an image or <paramref name="directory"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">No images are given, a tag names two images or is a digest reference, or the options conflict.</exception>
    /// <exception cref="ImageFormatException">A layer does not match its digest, size or DiffID.</exception>
    /// <exception cref="IOException">The directory cannot be written.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static Task WriteLayoutAsync(IEnumerable<Images.IContainerImage> images, string directory, ArchiveWriterOptions? options = null, IEnumerable<ArtifactToWrite>? artifacts = null, IProgress<ImageProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Request request = CheckLayout(images, directory, options, artifacts);
        return cancellationToken.IsCancellationRequested
            ? Task.FromCanceled(cancellationToken)
            : WriteLayoutCore(request, directory, progress, async: true, cancellationToken).AsTask();
    }

    private static Request CheckTar(IEnumerable<Images.IContainerImage> images, Stream output, ArchiveWriterOptions? options, IEnumerable<ArtifactToWrite>? artifacts)
    {
        ArgumentNullException.ThrowIfNull(output);
        options ??= ArchiveWriterOptions.Default;
        if (!output.CanWrite)
        {
            throw new ArgumentException("The output stream must be writable.", nameof(output));
        }

        if (options.Format == ArchiveFormat.OciLayout)
        {
            throw new ArgumentException("An OCI layout is a directory: use WriteLayout.", nameof(options));
        }

        List<ArtifactToWrite> extra = DistinctArtifacts(artifacts);
        if (options.Format == ArchiveFormat.Legacy && extra.Count > 0)
        {
            throw new ImageFormatException(ErrorCodes.ArtifactsNotWritable,
                $"the legacy format holds images only and cannot hold the {extra.Count} artifact(s) given ({string.Join(", ", extra)}): write the docker or oci format, or leave them out");
        }

        IReadOnlyList<ImageToWrite> merged = Merge(images, extra.Count > 0);
        Validate(options);
        return new Request(merged, extra, options);
    }

    private static Request CheckLayout(IEnumerable<Images.IContainerImage> images, string directory, ArchiveWriterOptions? options, IEnumerable<ArtifactToWrite>? artifacts)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        options = (options ?? ArchiveWriterOptions.Default) with { Format = ArchiveFormat.OciLayout };
        List<ArtifactToWrite> extra = DistinctArtifacts(artifacts);
        IReadOnlyList<ImageToWrite> merged = Merge(images, extra.Count > 0);
        Validate(options);
        return new Request(merged, extra, options);
    }

    /// <summary>
    /// The one core of <see cref="Write"/> and <see cref="WriteAsync"/>, and of the file writers, which pass
    /// <paramref name="ownFile"/>: the output is a new file of the library's own, deleted if the write fails, so its
    /// layer blobs may be copied from their files (direct I/O, else in the kernel) and verified beside the copy
    /// (<see cref="RangeCopies{TKey}"/>).
    /// </summary>
    private static async ValueTask WriteTarCore(Request request, Stream output, IProgress<ImageProgress>? progress, bool async, CancellationToken cancellationToken, bool ownFile = false)
    {
        ProgressReporter? reporter = ProgressReporter.Create(progress, ImageProgressPhase.Writing, 0, 0);
        using LayerSet layers = LayerSet.Prepare(request.Images, request.Options, reporter, cancellationToken);
        List<PlannedEntry> entries = request.Options.Format == ArchiveFormat.Legacy
            ? PlanLegacy(request.Images, layers)
            : PlanOci(request.Images, layers, request.Options.Format == ArchiveFormat.Docker, request.Artifacts, request.Options);
        using RangeCopies<PlannedEntry>? copies = ownFile ? StartCopies(entries, request.Options, cancellationToken) : null;
        // The library's own new file is written with direct I/O where the file system allows it.
        using DirectWriteStream? direct = ownFile ? DirectWriteStream.TryOver((FileStream)output) : null;
        await WriteTar(entries, direct ?? output, copies, reporter, async, cancellationToken).ConfigureAwait(false);
        reporter?.Complete();
    }

    /// <summary>The one core of <see cref="WriteFile"/> and <see cref="WriteFileAsync"/>.</summary>
    private static async ValueTask WriteFileCore(Request request, string path, IProgress<ImageProgress>? progress, bool async, CancellationToken cancellationToken)
    {
        using AtomicFile atomic = AtomicFile.Beside(path, 1 << 20, async);
        FileStream file = atomic.Stream;
        await WriteTarCore(request, file, progress, async, cancellationToken, ownFile: true).ConfigureAwait(false);
        if (async)
        {
            await file.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        atomic.Commit(path);
    }

    /// <summary>The one core of <see cref="WriteLayout"/> and <see cref="WriteLayoutAsync"/>.</summary>
    private static async ValueTask WriteLayoutCore(Request request, string directory, IProgress<ImageProgress>? progress, bool async, CancellationToken cancellationToken)
    {
        ProgressReporter? reporter = ProgressReporter.Create(progress, ImageProgressPhase.Writing, 0, 0);
        string full = Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar);
        bool fresh = !Directory.Exists(full);
        ImageIndex? existing = request.Options.AddToIndex && !fresh ? ReadExistingIndex(full, request.Options.Limits) : null;
        using LayerSet layers = LayerSet.Prepare(request.Images, request.Options, reporter, cancellationToken);
        List<PlannedEntry> entries = PlanOci(request.Images, layers, docker: false, request.Artifacts, request.Options, existing);
        reporter?.AddItems(entries.Count(e => e.Type == TarEntryKind.RegularFile), entries.Sum(e => e.Size));

        // A new layout is built beside its final name and renamed into place; an existing one gets its blobs
        // first and index.json last, and loses the blobs this call added if it fails.
        string target = fresh
            ? Path.Combine(Path.GetDirectoryName(full) ?? ".", $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp")
            : full;
        var added = new List<string>();
        List<PlannedEntry> blobs = [.. entries.Where(e => BlobPath.TryParse(e.Path, out _))];
        // A blob already in an existing layout is checked in place by WriteBlobFile and rewritten through the
        // streaming path only if it is bad, so only the missing ones are opened and hashed for a copy.
        using RangeCopies<PlannedEntry> copies = StartCopies(blobs.Where(e => !File.Exists(Path.Combine(target, e.Path))), request.Options, cancellationToken);
        try
        {
            Directory.CreateDirectory(target);
            foreach (PlannedEntry entry in blobs)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (await WriteBlobFile(target, entry, copies, reporter, async, cancellationToken).ConfigureAwait(false))
                {
                    added.Add(Path.Combine(target, entry.Path));
                }
            }

            foreach (PlannedEntry entry in entries.Where(e => !BlobPath.TryParse(e.Path, out _)))
            {
                cancellationToken.ThrowIfCancellationRequested();
                await WriteAtomically(Path.Combine(target, entry.Path), entry, reporter, async, cancellationToken).ConfigureAwait(false);
            }

            if (fresh)
            {
                Directory.Move(target, full);
            }
        }
        catch
        {
            if (fresh)
            {
                Directory.Delete(target, recursive: true);
            }
            else
            {
                foreach (string blob in added)
                {
                    File.Delete(blob);
                }
            }

            throw;
        }

        reporter?.Complete();
    }

    /// <summary>The OCI layer media type for a compression: <c>…tar</c>, <c>…tar+gzip</c> or <c>…tar+zstd</c>.</summary>
    /// <param name="compression">None, gzip or zstd.</param>
    /// <returns>The media type.</returns>
    /// <exception cref="ArgumentException"><paramref name="compression"/> is bzip2 or xz.</exception>
    public static string OciLayerMediaType(CompressionFormat compression) => LayerStreams.OciLayerMediaType(compression);

    private static void Validate(ArchiveWriterOptions options)
    {
        if (options.LayerCompression is { } compression)
        {
            _ = OciLayerMediaType(compression);
            if (options.Format == ArchiveFormat.Legacy && compression != CompressionFormat.None)
            {
                throw new ArgumentException("The legacy format stores uncompressed layers; it cannot recompress them.", nameof(options));
            }
        }

        if (options.MaxParallelism is < 1)
        {
            throw new ArgumentException("MaxParallelism must be at least 1.", nameof(options));
        }
    }

    private static List<ArtifactToWrite> DistinctArtifacts(IEnumerable<ArtifactToWrite>? artifacts)
    {
        var result = new List<ArtifactToWrite>();
        var seen = new HashSet<Digest>();
        foreach (ArtifactToWrite artifact in artifacts ?? [])
        {
            ArgumentNullException.ThrowIfNull(artifact, nameof(artifacts));
            if (seen.Add(artifact.Digest))
            {
                result.Add(artifact);
            }
        }

        return result;
    }

    /// <summary>Folds repeated images into one (tags of both, first position) and checks that each tag names one image.</summary>
    private static List<ImageToWrite> Merge(IEnumerable<Images.IContainerImage> images, bool hasArtifacts)
    {
        ArgumentNullException.ThrowIfNull(images);
        var order = new List<Digest>();
        var byId = new Dictionary<Digest, (ImageToWrite Image, List<ImageReference> Tags)>();
        var tagOwner = new Dictionary<ImageReference, Digest>();
        foreach (Images.IContainerImage source in images)
        {
            ArgumentNullException.ThrowIfNull(source, nameof(images));
            ImageToWrite image = ImageToWrite.From(source);
            if (!byId.TryGetValue(image.Id, out var slot))
            {
                slot = (image, []);
                byId.Add(image.Id, slot);
                order.Add(image.Id);
            }

            foreach (ImageReference given in image.Tags)
            {
                ArgumentNullException.ThrowIfNull(given, nameof(images));
                if (given.Digest is not null)
                {
                    throw new ArgumentException($"\"{given}\" is a digest reference; archives record tags only.", nameof(images));
                }

                ImageReference tag = given.WithDefaultTag();
                if (tagOwner.TryGetValue(tag, out Digest owner))
                {
                    if (owner != image.Id)
                    {
                        throw new ArgumentException($"Tag \"{tag.FamiliarString()}\" is given for two images, {owner.ShortId} and {image.Id.ShortId}.", nameof(images));
                    }

                    continue;
                }

                tagOwner.Add(tag, image.Id);
                slot.Tags.Add(tag);
            }
        }

        if (order.Count == 0 && !hasArtifacts)
        {
            throw new ArgumentException("At least one image must be written.", nameof(images));
        }

        return [.. order.Select(id => new ImageToWrite(byId[id].Image.Config, byId[id].Image.Layers)
        {
            Tags = byId[id].Tags,
            Parent = byId[id].Image.Parent,
            Manifest = byId[id].Image.Manifest,
        })];
    }

    /// <summary>
    /// The <c>index.json</c> of the existing layout <paramref name="layout"/>, or <see langword="null"/> when it has
    /// none; read as the layout reader reads it (a regular file inside the directory, within the JSON size limit).
    /// </summary>
    /// <exception cref="InvalidArchiveException">It is there but not a regular file inside the layout.</exception>
    /// <exception cref="InvalidDocumentException">It is not an index.</exception>
    /// <exception cref="LimitExceededException">It is larger or deeper than <paramref name="limits"/> allow.</exception>
    private static ImageIndex? ReadExistingIndex(string layout, ImageFormatLimits limits)
    {
        const string IndexJson = "index.json";
        using var storage = new LayoutDirectoryStorage(layout, limits);
        if (!storage.Contains(IndexJson))
        {
            return null;
        }

        if (!storage.TryResolve(IndexJson, out ArchiveFile file, out string? problem))
        {
            throw new InvalidArchiveException(ErrorCodes.InvalidArchive, IndexJson, $"{layout}: {IndexJson}: {problem}");
        }

        return ImageDocuments.ParseIndex(ImageArchive.ReadDocument(storage, file, limits), Path.Combine(layout, IndexJson), limits).Value;
    }

    /// <summary>
    /// <paramref name="existing"/> with <paramref name="added"/> added as skopeo's <c>oci:</c> destination adds a
    /// manifest (see <see cref="ArchiveWriterOptions.AddToIndex"/>): a name moves to the new descriptor, which takes
    /// the place of an unnamed one of the same digest or goes last.
    /// </summary>
    private static ImageIndex AddToIndex(ImageIndex existing, IEnumerable<Descriptor> added)
    {
        List<Descriptor> manifests = [.. existing.Manifests];
        foreach (Descriptor descriptor in added)
        {
            if (RefNameOf(descriptor) is { } name)
            {
                int named = manifests.FindIndex(d => RefNameOf(d) == name);
                if (named >= 0)
                {
                    manifests[named] = manifests[named] with { Annotations = WithoutRefName(manifests[named].Annotations!) };
                }
            }

            int unnamed = manifests.FindIndex(d => d.Digest == descriptor.Digest && RefNameOf(d) is null);
            if (unnamed >= 0)
            {
                manifests[unnamed] = descriptor;
            }
            else
            {
                manifests.Add(descriptor);
            }
        }

        return existing with { Manifests = manifests, ManifestsWasNull = false };
    }

    /// <summary>A descriptor's ref name; <see langword="null"/> when it has none or an empty one (which names nothing).</summary>
    private static string? RefNameOf(Descriptor descriptor) => descriptor.GetAnnotation(ImageArchive.RefNameAnnotation) is { Length: > 0 } name ? name : null;

    /// <summary>The annotations without the ref name; <see langword="null"/> when nothing else is left (no <c>annotations</c> field).</summary>
    private static SortedDictionary<string, string>? WithoutRefName(IReadOnlyDictionary<string, string> annotations)
    {
        var rest = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach ((string key, string value) in annotations)
        {
            if (key != ImageArchive.RefNameAnnotation)
            {
                rest.Add(key, value);
            }
        }

        return rest.Count == 0 ? null : rest;
    }

    /// <summary>Annotations that hold the ref name <paramref name="name"/> alone; none for <see langword="null"/>.</summary>
    private static SortedDictionary<string, string>? RefNameAnnotations(string? name) =>
        name is null ? null : new SortedDictionary<string, string>(StringComparer.Ordinal) { [ImageArchive.RefNameAnnotation] = name };

    private static List<PlannedEntry> PlanOci(IReadOnlyList<ImageToWrite> images, LayerSet layers, bool docker, IReadOnlyList<ArtifactToWrite> artifacts, ArchiveWriterOptions options, ImageIndex? existing = null)
    {
        var entries = new List<PlannedEntry>();
        var blobs = new HashSet<Digest>();
        var descriptors = new List<Descriptor>();
        var dockerManifest = new List<DockerArchiveManifestEntry>();
        var repositories = new SortedDictionary<string, SortedDictionary<string, string>>(StringComparer.Ordinal);
        var ids = new HashSet<Digest>(images.Select(i => i.Id));
        foreach (ImageToWrite image in images)
        {
            DateTimeOffset created = CreatedTime(image);
            PreparedLayer[] prepared = [.. image.Layers.Select(layers.Get)];
            foreach (PreparedLayer layer in prepared)
            {
                if (blobs.Add(layer.Digest))
                {
                    entries.Add(PlannedEntry.ForLayer(BlobPath.Of(layer.Digest), layer, created));
                }
            }

            if (blobs.Add(image.Id))
            {
                entries.Add(PlannedEntry.Bytes(BlobPath.Of(image.Id), image.Config.Bytes, created));
            }

            (ReadOnlyMemory<byte> manifestBytes, string manifestType) = ManifestFor(image, prepared);
            Digest manifestDigest = Digest.Compute(manifestBytes.Span);
            options.ManifestPlanned?.Invoke(image.Id, manifestDigest);
            if (blobs.Add(manifestDigest))
            {
                entries.Add(PlannedEntry.Bytes(BlobPath.Of(manifestDigest), manifestBytes, DateTimeOffset.UnixEpoch));
            }

            Platform? platform = PlatformOf(image.Config.Value);
            if (image.Tags.Count == 0)
            {
                descriptors.Add(new Descriptor
                {
                    MediaType = manifestType,
                    Digest = manifestDigest,
                    Size = manifestBytes.Length,
                    Platform = platform,
                    Annotations = RefNameAnnotations(images.Count == 1 ? options.RefName : null),
                });
            }

            foreach (ImageReference tag in image.Tags)
            {
                descriptors.Add(new Descriptor
                {
                    MediaType = manifestType,
                    Digest = manifestDigest,
                    Size = manifestBytes.Length,
                    Platform = platform,
                    Annotations = new SortedDictionary<string, string>(StringComparer.Ordinal)
                    {
                        [ImageArchive.ContainerdNameAnnotation] = tag.ToString(),
                        [ImageArchive.RefNameAnnotation] = tag.Tag!,
                    },
                });
                if (!repositories.TryGetValue(tag.FamiliarName, out var tags))
                {
                    tags = new SortedDictionary<string, string>(StringComparer.Ordinal);
                    repositories.Add(tag.FamiliarName, tags);
                }

                // Engine 25 records the top layer's DiffID here, where the legacy format has a v1 ID.
                tags[tag.Tag!] = image.Layers.Count > 0 ? image.Layers[^1].DiffId.Encoded : image.Id.Encoded;
            }

            if (docker)
            {
                dockerManifest.Add(new DockerArchiveManifestEntry
                {
                    Config = BlobPath.Of(image.Id),
                    RepoTags = image.Tags.Count == 0 ? null : [.. image.Tags.Select(t => t.FamiliarString())],
                    Layers = [.. prepared.Select(l => BlobPath.Of(l.Digest))],
                    Parent = image.Parent is { } parent && ids.Contains(parent) && parent != image.Id ? parent : null,
                    LayerSources = prepared.Length == 0 ? null : prepared
                        .DistinctBy(l => l.DiffId)
                        .ToDictionary(l => l.DiffId, l => new Descriptor { MediaType = l.MediaType, Digest = l.Digest, Size = l.Size }),
                });
            }
        }

        // Artifacts follow the images in index.json, each with the descriptor its source index gave it, and
        // their manifests and blobs are copied byte for byte (checked against their digests as they are copied).
        foreach (ArtifactToWrite artifact in artifacts)
        {
            foreach (ArchiveBlob blob in artifact.Blobs)
            {
                Descriptor d = blob.Descriptor;
                if (blobs.Add(d.Digest))
                {
                    ArchiveBlob captured = blob;
                    entries.Add(PlannedEntry.File(BlobPath.Of(d.Digest), d.Size, DateTimeOffset.UnixEpoch, () => new VerifyingReadStream(captured.Open(), d.Digest, d.Size, captured.Entry)));
                }
            }

            if (blobs.Add(artifact.Digest))
            {
                entries.Add(PlannedEntry.Bytes(BlobPath.Of(artifact.Digest), artifact.Manifest, DateTimeOffset.UnixEpoch));
            }

            descriptors.Add(artifact.Descriptor);
        }

        if (!docker && options.SourceIndex is { } source && options.LayerCompression is null
            && source.Value.Manifests.All(d => blobs.Contains(d.Digest)) && blobs.Add(source.Digest))
        {
            entries.Add(PlannedEntry.Bytes(BlobPath.Of(source.Digest), source.Bytes, DateTimeOffset.UnixEpoch));
            descriptors =
            [
                new Descriptor
                {
                    MediaType = source.Value.MediaType ?? MediaTypes.OciIndex,
                    Digest = source.Digest,
                    Size = source.Size,
                    Annotations = RefNameAnnotations(options.RefName),
                },
            ];
        }

        entries.Add(PlannedEntry.Bytes("oci-layout", Encoding.UTF8.GetBytes(OciLayoutBytes), DateTimeOffset.UnixEpoch));
        byte[] index = ImageDocuments.Serialize(existing is null
            ? new ImageIndex { MediaType = MediaTypes.OciIndex, Manifests = descriptors }
            : AddToIndex(existing, descriptors));
        entries.Add(PlannedEntry.Bytes("index.json", index, DateTimeOffset.UnixEpoch));
        if (docker)
        {
            entries.Add(PlannedEntry.Bytes("manifest.json", WithNewline(ImageDocuments.SerializeArchiveManifest(dockerManifest)), DateTimeOffset.UnixEpoch));
            if (repositories.Count > 0)
            {
                entries.Add(PlannedEntry.Bytes("repositories", WithNewline(SerializeRepositories(repositories)), DateTimeOffset.UnixEpoch));
            }
        }

        return entries;
    }

    private static List<PlannedEntry> PlanLegacy(IReadOnlyList<ImageToWrite> images, LayerSet layers)
    {
        var entries = new List<PlannedEntry>();
        var savedV1 = new HashSet<string>(StringComparer.Ordinal);
        var diffIdPaths = new Dictionary<Digest, string>();
        var configs = new HashSet<Digest>();
        var dockerManifest = new List<DockerArchiveManifestEntry>();
        var repositories = new SortedDictionary<string, SortedDictionary<string, string>>(StringComparer.Ordinal);
        var ids = new HashSet<Digest>(images.Select(i => i.Id));
        foreach (ImageToWrite image in images)
        {
            DateTimeOffset created = CreatedTime(image);
            IReadOnlyList<V1Layer> v1Layers = V1LayerId.ComputeLayers(image.Config.Bytes.Span, layers.Limits);
            string configName = image.Id.Encoded + ".json";
            if (configs.Add(image.Id))
            {
                entries.Add(PlannedEntry.Bytes(configName, image.Config.Bytes, created));
            }

            var layerPaths = new List<string>();
            for (int i = 0; i < v1Layers.Count; i++)
            {
                V1Layer v1 = v1Layers[i];
                string layerPath = $"{v1.Id}/layer.tar";
                layerPaths.Add(layerPath);
                if (!savedV1.Add(v1.Id))
                {
                    continue;
                }

                entries.Add(PlannedEntry.Directory(v1.Id + "/", created));
                entries.Add(PlannedEntry.Bytes($"{v1.Id}/VERSION", "1.0"u8.ToArray(), created));
                entries.Add(PlannedEntry.Bytes($"{v1.Id}/json", v1.Json, created));
                if (diffIdPaths.TryGetValue(v1.DiffId, out string? first))
                {
                    // Docker links a repeated layer to its first copy with a path relative to the v1 directory.
                    entries.Add(PlannedEntry.Symlink(layerPath, "../" + first, created));
                }
                else
                {
                    PreparedLayer layer = layers.Get(image.Layers[i]);
                    entries.Add(PlannedEntry.ForLayer(layerPath, layer, created));
                    diffIdPaths.Add(v1.DiffId, layerPath);
                }
            }

            foreach (ImageReference tag in image.Tags)
            {
                if (!repositories.TryGetValue(tag.FamiliarName, out var tags))
                {
                    tags = new SortedDictionary<string, string>(StringComparer.Ordinal);
                    repositories.Add(tag.FamiliarName, tags);
                }

                tags[tag.Tag!] = v1Layers[^1].Id;
            }

            dockerManifest.Add(new DockerArchiveManifestEntry
            {
                Config = configName,
                RepoTags = image.Tags.Count == 0 ? null : [.. image.Tags.Select(t => t.FamiliarString())],
                Layers = layerPaths,
                Parent = image.Parent is { } parent && ids.Contains(parent) && parent != image.Id ? parent : null,
            });
        }

        entries.Add(PlannedEntry.Bytes("manifest.json", WithNewline(ImageDocuments.SerializeArchiveManifest(dockerManifest)), DateTimeOffset.UnixEpoch));
        if (repositories.Count > 0)
        {
            entries.Add(PlannedEntry.Bytes("repositories", WithNewline(SerializeRepositories(repositories)), DateTimeOffset.UnixEpoch));
        }

        return entries;
    }

    /// <summary>The stored manifest when it still describes the layers as written, else a new OCI manifest.</summary>
    private static (ReadOnlyMemory<byte> Bytes, string MediaType) ManifestFor(ImageToWrite image, PreparedLayer[] layers)
    {
        if (image.Manifest is { } stored && MediaTypes.IsManifest(stored.Value.MediaType ?? MediaTypes.OciManifest)
            && stored.Value.Config.Digest == image.Id
            && stored.Value.Layers.Count == layers.Length
            && stored.Value.Layers.Zip(layers).All(p => p.First.Digest == p.Second.Digest && p.First.Size == p.Second.Size))
        {
            return (stored.Bytes, stored.Value.MediaType ?? MediaTypes.OciManifest);
        }

        var manifest = new ImageManifest
        {
            MediaType = MediaTypes.OciManifest,
            Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = image.Id, Size = image.Config.Size },
            Layers = [.. layers.Select(l => new Descriptor { MediaType = l.MediaType, Digest = l.Digest, Size = l.Size })],
            Annotations = image.Manifest?.Value.Annotations,
        };
        return (ImageDocuments.Serialize(manifest), MediaTypes.OciManifest);
    }

    private static Platform? PlatformOf(ImageConfig config) =>
        string.IsNullOrEmpty(config.Os) || string.IsNullOrEmpty(config.Architecture)
            ? null
            : new Platform { Os = config.Os, Architecture = config.Architecture, Variant = string.IsNullOrEmpty(config.Variant) ? null : config.Variant };

    private static DateTimeOffset CreatedTime(ImageToWrite image)
    {
        DateTimeOffset? created = image.Config.Value.CreatedTime;
        if (created is not { } time || time < DateTimeOffset.UnixEpoch)
        {
            return DateTimeOffset.UnixEpoch;
        }

        return DateTimeOffset.FromUnixTimeSeconds(time.ToUnixTimeSeconds());
    }


    private static byte[] WithNewline(byte[] json) => [.. json, (byte)'\n'];

    private static byte[] SerializeRepositories(SortedDictionary<string, SortedDictionary<string, string>> repositories) =>
        ImageDocuments.SerializeRepositories(repositories.ToDictionary(
            r => r.Key, r => (IReadOnlyDictionary<string, string>)r.Value, StringComparer.Ordinal));

    /// <summary>
    /// Plans the parent directories and writes <paramref name="entries"/> as a tar. Blobs in
    /// <paramref name="copies"/> are copied into <paramref name="output"/> (then a <see cref="DirectWriteStream"/> or a
    /// <see cref="FileStream"/>) without passing through a stream of this process, and the marker that ends the archive is written only once all their checks passed.
    /// </summary>
    private static async ValueTask WriteTar(List<PlannedEntry> entries, Stream output, RangeCopies<PlannedEntry>? copies, ProgressReporter? reporter, bool async, CancellationToken cancellationToken)
    {
        var all = new Dictionary<string, PlannedEntry>(StringComparer.Ordinal);
        foreach (PlannedEntry entry in entries)
        {
            all.TryAdd(entry.Path, entry);
            string path = entry.Path.TrimEnd('/');
            int slash;
            while ((slash = path.LastIndexOf('/')) > 0)
            {
                path = path[..slash];
                all.TryAdd(path + "/", PlannedEntry.Directory(path + "/", DateTimeOffset.UnixEpoch));
            }
        }

        reporter?.AddItems(all.Values.Count(e => e.Type == TarEntryKind.RegularFile), all.Values.Sum(e => e.Size));
        var tar = new TarEntryWriter(output, leaveOpen: true);
        try
        {
            foreach (PlannedEntry entry in all.Values.Order(WalkOrder.Instance))
            {
                var header = new TarEntryHeader
                {
                    Name = entry.Path,
                    Type = entry.Type,
                    LinkName = entry.LinkName ?? string.Empty,
                    Size = entry.Size,
                    Mode = entry.Type switch { TarEntryKind.Directory => 0x1ED, TarEntryKind.SymbolicLink => 0x1FF, _ => 0x1A4 },
                    ModificationTime = entry.ModificationTime,
                };
                int item = entry.Type == TarEntryKind.RegularFile ? reporter?.StartItem(entry.Path) ?? 0 : 0;
                if (copies is not null && copies.Contains(entry))
                {
                    await tar.WriteEntry(header, async _ => await CopyRange(copies, entry, output, reporter, async, cancellationToken).ConfigureAwait(false), async, cancellationToken).ConfigureAwait(false);
                }
                else if (entry.Type == TarEntryKind.RegularFile && entry.Size > 0)
                {
                    // Large blobs are read (and verified) ahead on another core while this one writes.
                    Stream source = entry.Open!();
                    using Stream data = ProgressStream.Wrap(entry.Size >= ReadAheadThreshold ? new IO.ReadAheadStream(source) : source, reporter, cancellationToken);
                    if (async)
                    {
                        await tar.WriteEntryAsync(header, data, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        tar.WriteEntry(header, data);
                    }
                }
                else if (async)
                {
                    await tar.WriteEntryAsync(header, null, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    tar.WriteEntry(header, null);
                }

                if (entry.Type == TarEntryKind.RegularFile)
                {
                    reporter?.EndItem(entry.Path, item);
                }
            }

            if (copies is not null)
            {
                // A bad blob fails the write before the archive is complete.
                if (async)
                {
                    await copies.AllVerified.ConfigureAwait(false);
                }
                else
                {
                    copies.AllVerified.GetAwaiter().GetResult();
                }
            }

            if (async)
            {
                await tar.FinishAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                tar.Finish();
            }
        }
        finally
        {
            if (async)
            {
                await tar.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                tar.Dispose();
            }
        }
    }

    /// <summary>Copies a blob of <paramref name="copies"/> into <paramref name="file"/>; on a thread of its own when asynchronous.</summary>
    private static ValueTask CopyRange(RangeCopies<PlannedEntry> copies, PlannedEntry entry, Stream file, ProgressReporter? reporter, bool async, CancellationToken cancellationToken)
    {
        if (!async)
        {
            copies.CopyTo(entry, file, reporter is null ? null : reporter.Add, cancellationToken);
            return ValueTask.CompletedTask;
        }

        // On a thread of its own: the verification holds the pool's threads (one per core), and a copy queued behind
        // them waited for the pool to add a thread, about half a second.
        return new ValueTask(Task.Factory.StartNew(
            () => copies.CopyTo(entry, file, reporter is null ? null : reporter.Add, cancellationToken),
            cancellationToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default));
    }

    /// <summary>
    /// The layer blobs among <paramref name="entries"/> that a write to a file of the library's own may copy from
    /// their files: verbatim ones are verified beside the copy, staged ones were hashed as they were staged.
    /// </summary>
    private static RangeCopies<PlannedEntry> StartCopies(IEnumerable<PlannedEntry> entries, ArchiveWriterOptions options, CancellationToken cancellationToken) =>
        RangeCopies<PlannedEntry>.Start(
            entries.Where(e => e.Size > 0).SelectMany(e => e.Layer is { } layer ? [new RangeCandidate<PlannedEntry>(e, layer.OpenUnchecked, layer.Digest, layer.Size, $"layer {layer.Digest}")] : Array.Empty<RangeCandidate<PlannedEntry>>()),
            options.MaxParallelism ?? Environment.ProcessorCount,
            cancellationToken);

    private static async ValueTask<bool> WriteBlobFile(string layout, PlannedEntry entry, RangeCopies<PlannedEntry> copies, ProgressReporter? reporter, bool async, CancellationToken cancellationToken)
    {
        string target = Path.Combine(layout, entry.Path);
        if (!BlobPath.TryParse(entry.Path, out Digest expected))
        {
            throw new InvalidOperationException($"{entry.Path} is not a blob path");
        }

        if (File.Exists(target))
        {
            using (var existing = new FileStream(target, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20))
            {
                if (existing.Length == entry.Size && Digest.Compute(ProgressStream.Wrap(existing, null, cancellationToken, leaveOpen: true), expected.Algorithm) == expected)
                {
                    int item = reporter?.StartItem(entry.Path) ?? 0;
                    reporter?.Add(entry.Size);
                    reporter?.EndItem(entry.Path, item);
                    return false;
                }
            }
        }

        await WriteAtomically(target, entry, reporter, async, cancellationToken, copies).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Writes one layout file atomically. A blob of <paramref name="copies"/> is copied from its file, and renamed
    /// to its name only once its check passed.
    /// </summary>
    private static async ValueTask WriteAtomically(string target, PlannedEntry entry, ProgressReporter? reporter, bool async, CancellationToken cancellationToken, RangeCopies<PlannedEntry>? copies = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        int item = reporter?.StartItem(entry.Path) ?? 0;
        using (AtomicFile atomic = AtomicFile.Beside(target, 1 << 20, async))
        {
            FileStream file = atomic.Stream;
            if (copies is not null && copies.Contains(entry))
            {
                await CopyRange(copies, entry, file, reporter, async, cancellationToken).ConfigureAwait(false);
                if (async)
                {
                    await copies.Verified(entry).ConfigureAwait(false);
                }
                else
                {
                    copies.Verified(entry).GetAwaiter().GetResult();
                }
            }
            else if (entry.Size > 0)
            {
                using Stream data = ProgressStream.Wrap(entry.Open!(), reporter, cancellationToken);
                if (async)
                {
                    await data.CopyToAsync(file, 1 << 20, cancellationToken).ConfigureAwait(false);
                    await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    data.CopyTo(file, 1 << 20);
                }

                if (file.Length != entry.Size)
                {
                    throw new SizeMismatchException(entry.Path, entry.Size, file.Length);
                }
            }

            atomic.Commit(target, entry.ModificationTime.UtcDateTime);
        }

        reporter?.EndItem(entry.Path, item);
    }

    /// <summary>What a write was asked for, checked and merged before any I/O.</summary>
    private sealed record Request(IReadOnlyList<ImageToWrite> Images, IReadOnlyList<ArtifactToWrite> Artifacts, ArchiveWriterOptions Options);

    /// <summary>Go's <c>filepath.Walk</c> order: paths compared component by component, each byte-wise.</summary>
    private sealed class WalkOrder : IComparer<PlannedEntry>
    {
        public static readonly WalkOrder Instance = new();

        public int Compare(PlannedEntry? x, PlannedEntry? y)
        {
            string[] a = x!.Path.TrimEnd('/').Split('/');
            string[] b = y!.Path.TrimEnd('/').Split('/');
            for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
            {
                int c = string.CompareOrdinal(a[i], b[i]);
                if (c != 0)
                {
                    return c;
                }
            }

            return a.Length.CompareTo(b.Length);
        }
    }
}
