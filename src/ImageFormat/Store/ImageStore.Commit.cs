using System.Globalization;
using System.Runtime.InteropServices;
using ImageFormat.Archives.Writers;
using ImageFormat.Compression;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Images;
using ImageFormat.Layers;
using ImageFormat.Model;
using ImageFormat.References;

namespace ImageFormat.Store;

public sealed partial class ImageStore
{
    /// <summary>The DiffID of an empty layer (a tar of two zero blocks), which Docker's commit does not add to an image.</summary>
    private static readonly Digest s_emptyTar = Digest.Parse("sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef");

    /// <summary>
    /// <c>docker diff</c>: the changes in a container's root file system against its image's layers, with the
    /// rules of Docker's <c>pkg/archive</c> changes (<c>A</c> added, <c>C</c> changed, <c>D</c> deleted), sorted by path.
    /// </summary>
    /// <param name="container">The container's name, ID or unique ID prefix.</param>
    /// <returns>The changes.</returns>
    /// <exception cref="NotFoundException"><c>No such container: …</c>.</exception>
    /// <exception cref="NotSupportedException">The store is in memory (containers have no root file system).</exception>
    /// <exception cref="ImageFormatException">A stored layer cannot be read.</exception>
    public IReadOnlyList<LayerChange> Diff(string container)
    {
        ArgumentNullException.ThrowIfNull(container);
        StoreContainer found = GetContainer(container);
        return Diff(found, RootFsOf(found));
    }

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
        options ??= new CommitOptions();
        StoreContainer found = GetContainer(container);
        string rootfs = RootFsOf(found);
        if (!_state.Images.ContainsKey(found.ImageId))
        {
            throw NoSuchImage(found.ImageId.Value);
        }

        string? tag = ValidTag(options.Tag);
        ImageConfig parent = ReadConfigDocument(found.ImageId).Value;
        DockerRunConfig containerConfig = DockerRunConfig.ForContainer(parent.Config, found.Id, found.ImageName ?? found.ImageId.Value, found.Command);
        DockerRunConfig config = containerConfig.Clone();
        DockerfileChanges.Apply(config, options.Changes);
        config.MergeFrom(containerConfig);

        IReadOnlyList<LayerChange> changes = Diff(found, rootfs);
        var build = new LayerBuildOptions { Compression = CompressionFormat.None, SourceDateEpoch = LayerBuilder.SourceDateEpochFromEnvironment(), Limits = _options.Limits };
        HashSet<Digest> named = _state.ReferencedBlobs();
        try
        {
            (Digest diffId, _) = _backing.WriteBlob(output => LayerBuilder.Write(rootfs, changes, output, build), null, $"layer of container {found.Id}");
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
                DockerRunConfig.WriteList(w, features);
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
            return AddImage((empty ? committed : committed.AppendLayer(StoredTar(diffId))).SetRawConfig(w.ToArray()).Build(), found.ImageId, tag);
        }
        catch
        {
            RemoveUnnamedBlobs(_state.ReferencedBlobs());
            throw;
        }
    }

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
        string? tag = ValidTag(options.Tag);
        var config = new DockerRunConfig();
        DockerfileChanges.Apply(config, options.Changes);
        string message = string.IsNullOrEmpty(options.Message) ? "Imported from " + options.Source : options.Message;
        try
        {
            using Stream tar = Decompression.OpenDetected(tarball, _options.Limits, leaveOpen: true, out _, "import");
            (Digest diffId, _) = _backing.WriteBlob(output => CopyTar(tar, output), null, "imported layer");
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
            new DockerRunConfig().Write(w);
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
            return AddImage(ImageBuilder.FromScratch().AppendLayer(StoredTar(diffId)).SetRawConfig(w.ToArray()).Build(), null, tag);
        }
        catch
        {
            RemoveUnnamedBlobs(_state.ReferencedBlobs());
            throw;
        }
    }

    /// <summary>
    /// <c>docker export</c>: the container's root file system as an uncompressed tar, every path in order. Symbolic
    /// links are written as links and never entered, whatever they point at.
    /// </summary>
    /// <param name="container">The container's name, ID or unique ID prefix.</param>
    /// <param name="output">Where the tar goes (left open).</param>
    /// <exception cref="NotFoundException"><c>No such container: …</c>.</exception>
    /// <exception cref="NotSupportedException">The store is in memory.</exception>
    /// <exception cref="ImageFormatException">The root file system changed while it was read, or is deeper than the walk allows.</exception>
    /// <exception cref="IOException">The root file system cannot be read.</exception>
    public void Export(string container, Stream output)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(output);
        string rootfs = RootFsOf(GetContainer(container));
        LayerBuilder.WriteTree(rootfs, output, new LayerBuildOptions { Compression = CompressionFormat.None, Limits = _options.Limits });
    }

    /// <summary>
    /// The images <c>docker save</c> would write for these names: a reference saves that tag, a repository name
    /// alone every tag of it, an ID the image untagged; the parent link is kept when the parent is saved too.
    /// Layers come as stored (the compressed original when one was loaded, unless <paramref name="format"/> is
    /// <see cref="ArchiveFormat.Legacy"/>), so the archive reproduces their digests.
    /// </summary>
    /// <param name="names">References, repository names, full or short IDs.</param>
    /// <param name="format">The archive format they will be written in.</param>
    /// <returns>The images, in the order named (each once).</returns>
    /// <exception cref="NotFoundException">A name matches nothing.</exception>
    /// <exception cref="InvalidReferenceException">A name is not a valid reference.</exception>
    public IReadOnlyList<ImageToWrite> ImagesToSave(IReadOnlyList<string> names, ArchiveFormat format = ArchiveFormat.Docker)
    {
        ArgumentNullException.ThrowIfNull(names);
        var order = new List<Digest>();
        var tags = new Dictionary<Digest, List<ImageReference>>();
        void Add(Digest id, ImageReference? tag)
        {
            if (!tags.TryGetValue(id, out List<ImageReference>? list))
            {
                tags[id] = list = [];
                order.Add(id);
            }

            if (tag?.Tag is not null && !list.Contains(tag))
            {
                list.Add(tag);
            }
        }

        foreach (string name in names)
        {
            if (ImageReference.TryParse(name, out ImageReference? reference, out _) && reference.Tag is null && reference.Digest is null)
            {
                List<(ImageReference Ref, Digest Id)> all = [.. _state.References
                    .Select(p => (Ref: ImageReference.Parse(p.Key), Id: p.Value))
                    .Where(p => p.Ref.Name == reference.Name && p.Ref.Tag is not null)];
                if (all.Count > 0)
                {
                    foreach ((ImageReference r, Digest id) in all)
                    {
                        Add(id, r);
                    }

                    continue;
                }
            }

            Digest resolved = Resolve(_state, name, out ImageSpecifier specifier);
            Add(resolved, specifier.IsIdPrefixOf(resolved) ? null : specifier.Reference?.WithDefaultTag());
        }

        var images = new List<ImageToWrite>();
        foreach (Digest id in order)
        {
            StoreImage image = _state.Images[id];
            var layers = new List<LayerToWrite>();
            Digest chain = default;
            foreach (Digest diffId in image.DiffIds)
            {
                chain = ChainId.Next(chain, diffId);
                StoreLayer layer = _state.Layers[chain];
                if (format != ArchiveFormat.Legacy && layer.CompressedDigest is { } compressed)
                {
                    CompressionFormat compression = CompressionFormatOf(compressed, layer.CompressedMediaType);
                    layers.Add(new LayerToWrite(() => _backing.OpenBlob(compressed), compressed, _backing.BlobSize(compressed), diffId, compression, layer.CompressedMediaType));
                }
                else
                {
                    layers.Add(new LayerToWrite(() => _backing.OpenBlob(diffId), diffId, layer.TarSize, diffId, CompressionFormat.None));
                }
            }

            images.Add(new ImageToWrite(ReadConfigDocument(id), layers)
            {
                Tags = tags[id],
                Parent = image.Parent is { } p && tags.ContainsKey(p) ? p : null,
            });
        }

        return images;
    }

    private CompressionFormat CompressionFormatOf(Digest blob, string? mediaType)
    {
        if (mediaType is not null && (mediaType.EndsWith("gzip", StringComparison.Ordinal) || mediaType.EndsWith("zstd", StringComparison.Ordinal)))
        {
            return mediaType.EndsWith("gzip", StringComparison.Ordinal) ? CompressionFormat.Gzip : CompressionFormat.Zstd;
        }

        using Stream stream = _backing.OpenBlob(blob);
        return CompressionDetector.Detect(stream);
    }

    private IReadOnlyList<LayerChange> Diff(StoreContainer container, string rootfs)
    {
        var diffIds = new List<Digest>();
        for (Digest chain = container.ChainId; !chain.IsEmpty && _state.Layers.TryGetValue(chain, out StoreLayer? layer); chain = layer.Parent ?? default)
        {
            diffIds.Insert(0, layer.DiffId);
        }

        var streams = new List<Stream>();
        try
        {
            foreach (Digest diffId in diffIds)
            {
                streams.Add(_backing.OpenBlob(diffId));
            }

            MergedTree tree = MergedTree.FromStreams(streams, _options.Limits);
            return LayerDiff.Compute(tree, rootfs, new LayerDiffOptions { Limits = _options.Limits });
        }
        finally
        {
            foreach (Stream stream in streams)
            {
                stream.Dispose();
            }
        }
    }

    private static string RootFsOf(StoreContainer container) =>
        container.RootFsPath ?? throw new NotSupportedException("Containers of a store in memory have no root file system.");

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

    /// <summary>Copies a tar to its end and on past the end-of-archive blocks, as Docker's layer store reads an import.</summary>
    private static void CopyTar(Stream tar, Stream output) => tar.CopyTo(output, 1 << 20);

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
            DockerRunConfig.WriteList(w, [.. diffIds.Select(d => d.Value)]);
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
