using System.Security.Cryptography;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.References;

namespace ImageFormat.Store;

/// <summary>
/// A local image store with Docker Engine 20.10's semantics and none of its daemon: references (tags and digests)
/// name images, images hold layers by ChainID, layers hold their parents, containers hold their image's chain.
/// <c>rmi</c>, <c>tag</c>, <c>load</c> and <c>image prune</c> print what Docker prints for the same state.
/// </summary>
/// <remarks>
/// <para>On disk (<see cref="Open"/>) every change is one atomic replacement of <c>state.json</c>, made after the
/// blobs it names were written, flushed and renamed into place; so a killed process leaves either the old or the
/// new state, never a reference to a missing blob. Blobs nothing names any more (a crash between the two steps)
/// and half-written files in <c>tmp/</c> are removed when the store is next opened. A lock file keeps a second
/// process out while one has the store open.</para>
/// <para>In memory (<see cref="CreateInMemory"/>) the same code runs; only persistence differs.</para>
/// <para>Layers are kept as their uncompressed tars, named by DiffID, so an archive written from the store
/// reproduces the original layer bytes and digests; a layer loaded compressed keeps its compressed blob too.</para>
/// </remarks>
public sealed partial class ImageStore : IDisposable
{
    private readonly IStoreBacking _backing;
    private readonly ImageStoreOptions _options;
    private StoreState _state;

    private ImageStore(IStoreBacking backing, ImageStoreOptions options, StoreState state)
    {
        _backing = backing;
        _options = options;
        _state = state;
    }

    /// <summary>The root directory, or <see langword="null"/> for a store in memory.</summary>
    public string? Root => _backing.Root;

    /// <summary>
    /// The default root: <c>IMAGEFMT_ROOT</c> when set, else <c>$XDG_DATA_HOME/imagefmt</c>, else
    /// <c>~/.local/share/imagefmt</c>.
    /// </summary>
    /// <returns>The directory path.</returns>
    public static string DefaultRoot()
    {
        if (Environment.GetEnvironmentVariable("IMAGEFMT_ROOT") is { Length: > 0 } root)
        {
            return root;
        }

        if (Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } data)
        {
            return Path.Combine(data, "imagefmt");
        }

        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share", "imagefmt");
    }

    /// <summary>
    /// Opens (creating if needed) the store in a directory, taking its lock, and cleans up what an interrupted
    /// process left behind: temporary files, blobs no record names, container directories no record names.
    /// </summary>
    /// <param name="root">The store's directory.</param>
    /// <param name="options">Clock, lock timeout and limits; defaults when <see langword="null"/>.</param>
    /// <returns>The open store; dispose it to release the lock.</returns>
    /// <exception cref="ImageFormatException">The lock was not released in time (<see cref="ErrorCodes.StoreLocked"/>) or the records cannot be read (<see cref="ErrorCodes.StoreCorrupt"/>).</exception>
    /// <exception cref="IOException">The directory cannot be used.</exception>
    public static ImageStore Open(string root, ImageStoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        options ??= ImageStoreOptions.Default;
        DirectoryStoreBacking backing = DirectoryStoreBacking.Open(root, options.LockTimeout);
        try
        {
            byte[]? bytes = backing.ReadState();
            StoreState state = bytes is null ? new StoreState() : StoreState.Parse(bytes, Path.Combine(backing.Root!, "state.json"));
            HashSet<Digest> referenced = state.ReferencedBlobs();
            foreach (Digest blob in backing.ListBlobs())
            {
                if (!referenced.Contains(blob))
                {
                    backing.DeleteBlob(blob);
                }
            }

            foreach (string directory in backing.ContainerDirectories())
            {
                if (!state.Containers.ContainsKey(directory))
                {
                    backing.DeleteContainerDirectory(directory, options.Limits.MaxWalkDepth);
                }
            }

            return new ImageStore(backing, options, state);
        }
        catch
        {
            backing.Dispose();
            throw;
        }
    }

    /// <summary>Creates an empty store held in memory, with the same rules as one on disk.</summary>
    /// <param name="options">Clock and limits; defaults when <see langword="null"/>.</param>
    /// <returns>The store.</returns>
    public static ImageStore CreateInMemory(ImageStoreOptions? options = null) =>
        new(new MemoryStoreBacking(), options ?? ImageStoreOptions.Default, new StoreState());

    /// <summary>Every image, ordered by ID.</summary>
    public IReadOnlyList<StoreImage> Images => [.. _state.Images.Values.OrderBy(i => i.Id.Value, StringComparer.Ordinal)];

    /// <summary>Every layer, ordered by ChainID.</summary>
    public IReadOnlyList<StoreLayer> Layers => [.. _state.Layers.Values.OrderBy(l => l.ChainId.Value, StringComparer.Ordinal)];

    /// <summary>Every container, ordered by creation time, then ID.</summary>
    public IReadOnlyList<StoreContainer> Containers =>
        [.. _state.Containers.Values.OrderBy(c => c.Created).ThenBy(c => c.Id, StringComparer.Ordinal)];

    /// <summary>How many holders each layer has (images on it, layers above it, containers on it), derived from the records.</summary>
    /// <returns>ChainID to count.</returns>
    public IReadOnlyDictionary<Digest, int> LayerReferenceCounts() => _state.ReferenceCounts();

    /// <summary>The references to an image in familiar form, ordered as Docker orders them (by full reference).</summary>
    /// <param name="imageId">The image ID.</param>
    /// <returns>Tags and digest references, such as <c>hello:latest</c> and <c>hello@sha256:…</c>.</returns>
    public IReadOnlyList<string> ReferencesTo(Digest imageId) => [.. ReferencesOf(_state, imageId).Select(r => r.FamiliarString())];

    /// <summary>Finds an image as Docker's <c>GetImage</c> does: a reference first, then a full or short ID.</summary>
    /// <param name="name">A reference, full ID, digest or short ID.</param>
    /// <returns>The image.</returns>
    /// <exception cref="NotFoundException">Nothing matches (<c>No such image: …</c>), or a short ID is ambiguous, which Docker reports the same way.</exception>
    /// <exception cref="InvalidReferenceException">The name is neither an ID nor a valid reference.</exception>
    public StoreImage GetImage(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _state.Images[Resolve(_state, name, out _)];
    }

    /// <summary>
    /// Opens a stored layer's uncompressed tar, checked against its DiffID and size while it is read: the read that
    /// reaches the end throws <see cref="ContentMismatchException"/> if the blob was damaged on disk.
    /// </summary>
    /// <param name="diffId">The layer's DiffID.</param>
    /// <returns>A stream; dispose it.</returns>
    /// <exception cref="NotFoundException">No such layer blob.</exception>
    public Stream OpenLayer(Digest diffId) =>
        new VerifyingReadStream(_backing.OpenBlob(diffId), diffId, _backing.BlobSize(diffId), $"layer {diffId}");

    /// <summary>Reads an image's config blob, byte for byte as loaded.</summary>
    /// <param name="imageId">The image ID.</param>
    /// <returns>The bytes.</returns>
    /// <exception cref="NotFoundException">No such image.</exception>
    public byte[] ReadConfig(Digest imageId)
    {
        if (!_state.Images.ContainsKey(imageId))
        {
            throw new NotFoundException(imageId.Value, $"No such image: {imageId}");
        }

        using Stream stream = _backing.OpenBlob(imageId);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>Releases the store's lock.</summary>
    public void Dispose() => _backing.Dispose();

    /// <summary>
    /// Runs a change on a copy of the records and commits the copy, then deletes the blobs it no longer names.
    /// A change that throws, or a dry run, leaves the store as it was (blobs it wrote are removed).
    /// </summary>
    private T Change<T>(Func<StoreState, T> change, bool dryRun = false)
    {
        StoreState before = _state;
        StoreState after = before.Clone();
        T result;
        try
        {
            result = change(after);
        }
        catch
        {
            RemoveUnnamedBlobs(before.ReferencedBlobs());
            throw;
        }

        if (dryRun)
        {
            return result;
        }

        _backing.WriteState(after.Serialize());
        _state = after;
        HashSet<Digest> kept = after.ReferencedBlobs();
        foreach (Digest blob in before.ReferencedBlobs())
        {
            if (!kept.Contains(blob))
            {
                _backing.DeleteBlob(blob);
            }
        }

        foreach (string id in before.Containers.Keys)
        {
            if (!after.Containers.ContainsKey(id))
            {
                _backing.DeleteContainerDirectory(id, _options.Limits.MaxWalkDepth);
            }
        }

        return result;
    }

    private void RemoveUnnamedBlobs(HashSet<Digest> named)
    {
        foreach (Digest blob in _backing.ListBlobs())
        {
            if (!named.Contains(blob))
            {
                _backing.DeleteBlob(blob);
            }
        }
    }

    private static List<ImageReference> ReferencesOf(StoreState state, Digest imageId) =>
        [.. state.References.Where(p => p.Value == imageId).Select(p => ImageReference.Parse(p.Key))];

    private static List<Digest> Children(StoreState state, Digest imageId) =>
        [.. state.Images.Values.Where(i => i.Parent == imageId).Select(i => i.Id)];

    /// <summary>Docker's <c>GetImage</c>: an ID, else the reference (with <c>latest</c> added), else a short ID.</summary>
    private static Digest Resolve(StoreState state, string text, out ImageSpecifier specifier)
    {
        if (!ImageSpecifier.TryParse(text, out ImageSpecifier? parsed, out string? reason))
        {
            throw new InvalidReferenceException(text, reason);
        }

        specifier = parsed;
        if (parsed.ImageId is { } id)
        {
            return state.Images.ContainsKey(id) ? id : throw NoSuchImage(id.Value);
        }

        ImageReference reference = parsed.Reference!.WithDefaultTag();
        if (state.References.TryGetValue(reference.ToString(), out Digest byReference) && state.Images.ContainsKey(byReference))
        {
            return byReference;
        }

        var index = new ShortIdIndex(state.Images.Keys);
        if (index.TryLookup(text, out Digest byShortId) == ShortIdMatch.Found)
        {
            return byShortId;
        }

        throw NoSuchImage(reference.FamiliarString());
    }

    private static NotFoundException NoSuchImage(string name) => new(name, $"No such image: {name}");

    private DateTimeOffset Now => _options.Clock.GetUtcNow();

    private static string NewContainerId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    internal static string Truncate(Digest id) => id.ShortId;
}
