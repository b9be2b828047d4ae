using ImageFormat.Containment;
using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.IO;

namespace ImageFormat.Store;

/// <summary>
/// Where a store keeps its bytes. The rules live in <see cref="ImageStore"/>; a backing only persists: one state
/// document replaced atomically, and content-addressed blobs written before any state names them.
/// </summary>
internal interface IStoreBacking : IDisposable
{
    /// <summary>The root directory, or <see langword="null"/> in memory.</summary>
    string? Root { get; }

    /// <summary>The last committed state document, or <see langword="null"/> for a new store.</summary>
    byte[]? ReadState();

    /// <summary>Replaces the state document atomically: after a crash either the old or the new one is read.</summary>
    void WriteState(byte[] state);

    /// <summary>Whether a blob is stored.</summary>
    bool HasBlob(Digest digest);

    /// <summary>The stored size of a blob, or -1 when it is missing.</summary>
    long BlobSize(Digest digest);

    /// <summary>Opens a stored blob for reading.</summary>
    Stream OpenBlob(Digest digest);

    /// <summary>
    /// Copies <paramref name="content"/> into a new blob, hashing as it goes, and keeps it under its digest only
    /// when that equals <paramref name="expected"/> (when given). Returns the digest and size found.
    /// </summary>
    (Digest Digest, long Size) WriteBlob(Stream content, Digest? expected, string subject);

    /// <summary>
    /// Like <see cref="WriteBlob(Stream, Digest?, string)"/>, with the bytes written by <paramref name="write"/>
    /// into a stream that hashes them on their way to a temporary file, which becomes the blob (no second copy).
    /// </summary>
    (Digest Digest, long Size) WriteBlob(Action<Stream> write, Digest? expected, string subject);

    /// <summary>Deletes a blob if present (only after a committed state no longer names it).</summary>
    void DeleteBlob(Digest digest);

    /// <summary>Every stored blob.</summary>
    IReadOnlyList<Digest> ListBlobs();

    /// <summary>Creates (empty) and returns the root file system directory of a container, or null in memory.</summary>
    string? CreateContainerDirectory(string containerId);

    /// <summary>Deletes a container's directory, if any.</summary>
    void DeleteContainerDirectory(string containerId, int maxDepth);
}

/// <summary>A store held in memory only: the same rules, nothing persisted (simulations, dry runs, tests).</summary>
internal sealed class MemoryStoreBacking : IStoreBacking
{
    private readonly Dictionary<Digest, byte[]> _blobs = [];
    private byte[]? _state;

    public string? Root => null;

    public byte[]? ReadState() => _state;

    public void WriteState(byte[] state) => _state = state;

    public bool HasBlob(Digest digest) => _blobs.ContainsKey(digest);

    public long BlobSize(Digest digest) => _blobs.TryGetValue(digest, out byte[]? b) ? b.Length : -1;

    public Stream OpenBlob(Digest digest) => _blobs.TryGetValue(digest, out byte[]? b)
        ? new MemoryStream(b, writable: false)
        : throw new NotFoundException(digest.Value, $"blob {digest} is not in the store");

    public (Digest Digest, long Size) WriteBlob(Stream content, Digest? expected, string subject) =>
        WriteBlob(buffer => content.CopyTo(buffer), expected, subject);

    public (Digest Digest, long Size) WriteBlob(Action<Stream> write, Digest? expected, string subject)
    {
        using var buffer = new MemoryStream();
        write(buffer);
        byte[] bytes = buffer.ToArray();
        Digest actual = Digest.Compute(bytes, expected?.Algorithm ?? DigestAlgorithm.Sha256);
        if (expected is { } e && !e.FixedTimeEquals(actual))
        {
            throw new DigestMismatchException(subject, e, actual);
        }

        _blobs[actual] = bytes;
        return (actual, bytes.Length);
    }

    public void DeleteBlob(Digest digest) => _blobs.Remove(digest);

    public IReadOnlyList<Digest> ListBlobs() => [.. _blobs.Keys];

    public string? CreateContainerDirectory(string containerId) => null;

    public void DeleteContainerDirectory(string containerId, int maxDepth)
    {
    }

    public void Dispose()
    {
    }
}

/// <summary>
/// A store in a directory: <c>state.json</c>, <c>blobs/&lt;alg&gt;/&lt;hex&gt;</c>, <c>tmp/</c> for writes in
/// progress, <c>containers/&lt;id&gt;/rootfs</c>, and <c>lock</c>, held exclusively while the store is open.
/// Every file is written in <c>tmp/</c>, flushed to disk, renamed into place, and its directory flushed.
/// </summary>
internal sealed class DirectoryStoreBacking : IStoreBacking
{
    private const string StateFile = "state.json";
    private readonly FileStream _lock;
    private readonly string _tmp;
    private readonly string _blobs;

    private DirectoryStoreBacking(string root, FileStream lockFile)
    {
        Root = root;
        _lock = lockFile;
        _tmp = Path.Combine(root, "tmp");
        _blobs = Path.Combine(root, Digests.BlobPath.Directory);
    }

    public string? Root { get; }

    public static DirectoryStoreBacking Open(string root, TimeSpan lockTimeout)
    {
        root = Path.GetFullPath(root);
        Directory.CreateDirectory(root);
        FileStream lockFile = AcquireLock(Path.Combine(root, "lock"), lockTimeout, root);
        var backing = new DirectoryStoreBacking(root, lockFile);
        try
        {
            // Whatever a killed process left half-written is in tmp/: nothing committed names it.
            TreeRemoval.RemoveSubtree(root, "tmp");

            Directory.CreateDirectory(backing._tmp);
            Directory.CreateDirectory(backing._blobs);
            Directory.CreateDirectory(Path.Combine(root, "containers"));
            return backing;
        }
        catch
        {
            backing.Dispose();
            throw;
        }
    }

    private static FileStream AcquireLock(string path, TimeSpan timeout, string root)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (true)
        {
            try
            {
                // FileShare.None takes an exclusive advisory lock (flock) on Unix, released when the process dies.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (Environment.TickCount64 < deadline)
            {
                Thread.Sleep(50);
            }
            catch (IOException e)
            {
                throw new ImageFormatException(
                    ErrorCodes.StoreLocked,
                    $"the image store at {root} is in use by another imagefmt process (waited {timeout.TotalSeconds:0.#} s for its lock); try again when it has finished",
                    e);
            }
        }
    }

    public byte[]? ReadState()
    {
        string path = Path.Combine(Root!, StateFile);
        return File.Exists(path) ? File.ReadAllBytes(path) : null;
    }

    public void WriteState(byte[] state)
    {
        using AtomicFile file = AtomicFile.In(_tmp);
        file.Stream.Write(state);
        file.Commit(Path.Combine(Root!, StateFile));
    }


    private string BlobPath(Digest digest) => Digests.BlobPath.Under(Root!, digest);

    public bool HasBlob(Digest digest) => File.Exists(BlobPath(digest));

    public long BlobSize(Digest digest)
    {
        var info = new FileInfo(BlobPath(digest));
        return info.Exists ? info.Length : -1;
    }

    public Stream OpenBlob(Digest digest)
    {
        string path = BlobPath(digest);
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        }
        catch (FileNotFoundException)
        {
            throw new NotFoundException(digest.Value, $"blob {digest} is missing from the store at {Root}");
        }
    }

    public (Digest Digest, long Size) WriteBlob(Stream content, Digest? expected, string subject) =>
        WriteBlob(target => content.CopyTo(target, 1 << 20), expected, subject);

    public (Digest Digest, long Size) WriteBlob(Action<Stream> write, Digest? expected, string subject)
    {
        using AtomicFile file = AtomicFile.In(_tmp);
        Digest actual;
        long size;
        using (var hashing = new HashingWriteStream(file.Stream, expected?.Algorithm ?? DigestAlgorithm.Sha256, leaveOpen: true))
        {
            write(hashing);
            actual = hashing.GetDigest();
            size = hashing.BytesWritten;
        }

        if (expected is { } e && !e.FixedTimeEquals(actual))
        {
            throw new DigestMismatchException(subject, e, actual);
        }

        file.Commit(BlobPath(actual));
        return (actual, size);
    }

    /// <summary>
    /// Stores a blob whose bytes <paramref name="write"/> puts straight into the new file (a copy from another file), under
    /// <paramref name="digest"/> once <paramref name="check"/> returns: a check that throws leaves no blob.
    /// </summary>
    public void WriteBlobFile(Digest digest, Action<FileStream> write, Action check)
    {
        using AtomicFile file = AtomicFile.In(_tmp);
        write(file.Stream);
        check();
        file.Commit(BlobPath(digest));
    }

    public void DeleteBlob(Digest digest) => File.Delete(BlobPath(digest));

    public IReadOnlyList<Digest> ListBlobs()
    {
        var result = new List<Digest>();
        foreach (string algorithmDirectory in Directory.EnumerateDirectories(_blobs))
        {
            string algorithm = Path.GetFileName(algorithmDirectory);
            foreach (string file in Directory.EnumerateFiles(algorithmDirectory))
            {
                if (Digest.TryParse($"{algorithm}:{Path.GetFileName(file)}", out Digest digest))
                {
                    result.Add(digest);
                }
                else
                {
                    // Not a blob name this store writes: a stray file, never referenced.
                    File.Delete(file);
                }
            }
        }

        return result;
    }

    public string? CreateContainerDirectory(string containerId)
    {
        string rootfs = Path.Combine(Root!, "containers", containerId, "rootfs");
        Directory.CreateDirectory(rootfs);
        return rootfs;
    }

    /// <summary>
    /// Removes <c>containers/&lt;id&gt;</c> and its root file system through descriptors: a link in the root file
    /// system is unlinked, never followed, so nothing it points at outside the store is touched.
    /// </summary>
    public void DeleteContainerDirectory(string containerId, int maxDepth) =>
        TreeRemoval.RemoveSubtree(Path.Combine(Root!, "containers"), containerId, maxDepth);

    /// <summary>Container directories on disk, to remove those no committed record names.</summary>
    public IEnumerable<string> ContainerDirectories() =>
        Directory.EnumerateDirectories(Path.Combine(Root!, "containers")).Select(Path.GetFileName)!;

    public void Dispose() => _lock.Dispose();
}
