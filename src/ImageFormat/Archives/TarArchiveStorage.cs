using ImageFormat.Compression;
using ImageFormat.Containment;
using ImageFormat.Errors;
using ImageFormat.Tar;
using Microsoft.Win32.SafeHandles;

namespace ImageFormat.Archives;

/// <summary>
/// The files of a tar archive, found in one pass over its headers. An uncompressed archive in a file is read
/// in place: the pass seeks over entry data, and every later read seeks straight to an entry's bytes. Any
/// other input (standard input, a compressed archive, a non-file stream) is decompressed once into an
/// anonymous temporary file (deleted when closed) in the same pass that indexes it; see
/// <see cref="ImageArchiveOptions.SpoolDirectory"/>.
/// </summary>
internal sealed class TarArchiveStorage : IArchiveStorage
{
    private readonly Dictionary<string, IndexedEntry> _entries;
    private readonly List<string> _order;
    private readonly SafeFileHandle _handle;
    private readonly IDisposable? _owner;
    private readonly ImageFormatLimits _limits;

    private TarArchiveStorage(string description, SafeFileHandle handle, IDisposable? owner, Dictionary<string, IndexedEntry> entries, List<string> order, ImageFormatLimits limits, CompressionFormat compression, bool spooled)
    {
        Description = description;
        _handle = handle;
        _owner = owner;
        _entries = entries;
        _order = order;
        _limits = limits;
        Compression = compression;
        Spooled = spooled;
    }

    public string Description { get; }

    /// <summary>How the archive as a whole was compressed.</summary>
    public CompressionFormat Compression { get; }

    /// <summary>Whether the archive was copied into a temporary file to be read.</summary>
    public bool Spooled { get; }

    /// <summary>Bytes of archive data read while indexing (headers only, for an uncompressed file).</summary>
    public long BytesReadWhileIndexing { get; private init; }

    public IEnumerable<string> Names => _order;

    public bool Contains(string cleanName) => _entries.ContainsKey(cleanName);

    /// <summary>Opens the tar archive in a file.</summary>
    public static TarArchiveStorage OpenFile(string path, ImageArchiveOptions options)
    {
        var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.Read,
            BufferSize = 0,
            Options = FileOptions.RandomAccess,
        });
        try
        {
            return Open(file, ownsStream: true, path, options);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Opens a tar archive from a stream (which is disposed with the storage when <paramref name="ownsStream"/>).</summary>
    public static TarArchiveStorage Open(Stream stream, bool ownsStream, string description, ImageArchiveOptions options)
    {
        ImageFormatLimits limits = options.Limits;
        if (stream is FileStream { CanSeek: true } file)
        {
            long start = file.Position;
            CompressionFormat format = CompressionDetector.Detect(file);
            if (format == CompressionFormat.None)
            {
                var counting = new CountingReadStream(new FileSegmentStream(file.SafeFileHandle, start, file.Length - start));
                (Dictionary<string, IndexedEntry> entries, List<string> order) = Index(counting, start, description, limits);
                return new TarArchiveStorage(description, file.SafeFileHandle, ownsStream ? file : null, entries, order, limits, format, spooled: false)
                {
                    BytesReadWhileIndexing = counting.BytesRead,
                };
            }
        }

        return Spool(stream, ownsStream, description, options);
    }

    private static TarArchiveStorage Spool(Stream stream, bool ownsStream, string description, ImageArchiveOptions options)
    {
        string directory = options.SpoolDirectory ?? Path.GetTempPath();
        string spoolPath = Path.Combine(directory, $"imagefmt-spool-{Guid.NewGuid():N}.tar");
        var spool = new FileStream(spoolPath, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            BufferSize = 0,
            Options = OperatingSystem.IsWindows() ? FileOptions.DeleteOnClose : FileOptions.None,
        });
        if (!OperatingSystem.IsWindows())
        {
            // Unlinked at once: the open handle keeps the data, and nothing is left behind even if the process dies.
            File.Delete(spoolPath);
        }

        try
        {
            Stream decompressed = Decompression.OpenDetected(stream, options.Limits, leaveOpen: !ownsStream, out CompressionFormat format);
            using (decompressed)
            {
                using var tee = new TeeReadStream(decompressed, spool, options.Limits.MaxSpoolBytes, description);
                (Dictionary<string, IndexedEntry> entries, List<string> order) = Index(tee, 0, description, options.Limits);
                tee.DrainToEnd();
                spool.Flush();
                return new TarArchiveStorage(description, spool.SafeFileHandle, spool, entries, order, options.Limits, format, spooled: true)
                {
                    BytesReadWhileIndexing = tee.BytesRead,
                };
            }
        }
        catch
        {
            spool.Dispose();
            throw;
        }
    }

    private static (Dictionary<string, IndexedEntry> Entries, List<string> Order) Index(Stream tar, long baseOffset, string description, ImageFormatLimits limits)
    {
        var entries = new Dictionary<string, IndexedEntry>(StringComparer.Ordinal);
        var order = new List<string>();
        using var reader = new TarEntryReader(tar, leaveOpen: true, limits);
        TarEntryHeader? header;
        while ((header = reader.GetNextEntry()) is not null)
        {
            string? clean = ArchivePath.Clean(header.Name);
            if (clean is null)
            {
                // A name such as "../x" or "/" can never be referenced safely; it is not indexed at all.
                continue;
            }

            var entry = new IndexedEntry(header.Type, baseOffset + header.DataOffset, header.Size, header.StoredSize, header.LinkName, header.IsSparse);
            if (!entries.ContainsKey(clean))
            {
                order.Add(clean);
            }

            // As with tar extraction, a later entry of the same name replaces an earlier one.
            entries[clean] = entry;
        }

        if (order.Count == 0)
        {
            throw new InvalidArchiveException(null, $"{description}: not an image archive: the tar holds no entries");
        }

        return (entries, order);
    }

    public bool TryResolve(string path, out ArchiveFile file, out string? problem)
    {
        file = default;
        if (!ArchivePath.IsSafeReference(path, out problem))
        {
            return false;
        }

        string clean = ArchivePath.Clean(path)!;
        string[] parts = clean.Split('/');
        string? via = null;
        int hardLinks = 0;
        using var resolver = new PathResolver<string, TarIndexAdapter>(new TarIndexAdapter(FindEntry), string.Empty, RootPolicy.Refuse, _limits.MaxLinkHops);
        while (true)
        {
            switch (resolver.Resolve(parts, followFinal: true))
            {
                case ResolveStatus.TooManyLinks:
                    problem = $"too many levels of links (more than {_limits.MaxLinkHops}) from \"{resolver.LastLink}\"";
                    return false;
                case ResolveStatus.Escapes:
                    problem = Outside(resolver.LastLink ?? via, resolver.LastLink is null ? parts.Length == 0 ? string.Empty : string.Join('/', parts) : resolver.LastLinkTarget!);
                    return false;
            }

            string current = resolver.Join(resolver.Frames.Count);
            if (!_entries.TryGetValue(current, out IndexedEntry entry))
            {
                problem = current == clean ? "no such file in the archive" : $"no such file in the archive (links lead to \"{current}\")";
                return false;
            }

            switch (entry.Type)
            {
                case TarEntryKind.RegularFile or TarEntryKind.ContiguousFile when !entry.IsSparse:
                    file = new ArchiveFile(current, entry.Size, entry.Offset);
                    problem = null;
                    return true;
                case TarEntryKind.HardLink:
                    // A hard link's target is named from the archive root, not from the link's directory.
                    if (++hardLinks > _limits.MaxLinkHops)
                    {
                        problem = $"too many levels of links (more than {_limits.MaxLinkHops}) from \"{current}\"";
                        return false;
                    }

                    if (entry.LinkName.StartsWith('/'))
                    {
                        problem = Outside(current, entry.LinkName);
                        return false;
                    }

                    via = current;
                    parts = entry.LinkName.Split('/');
                    break;
                case TarEntryKind.Directory:
                    problem = "is a directory, not a file";
                    return false;
                default:
                    problem = entry.IsSparse ? "is a sparse file, which image archives never contain" : $"is a {entry.Type} entry, not a regular file";
                    return false;
            }
        }
    }

    private static string Outside(string? link, string target) =>
        link is null ? "path leaves the archive"
        : target.StartsWith('/') ? $"\"{link}\" links to the absolute path \"{target}\", outside the archive"
        : $"\"{link}\" links to \"{target}\", outside the archive";

    private bool FindEntry(string name, out TarEntryKind type, out string linkName)
    {
        if (_entries.TryGetValue(name, out IndexedEntry entry))
        {
            (type, linkName) = (entry.Type, entry.LinkName);
            return true;
        }

        (type, linkName) = (default, string.Empty);
        return false;
    }

    public Stream Open(ArchiveFile file) => new FileSegmentStream(_handle, file.Offset, file.Size);

    public void Dispose() => _owner?.Dispose();

    private readonly record struct IndexedEntry(TarEntryKind Type, long Offset, long Size, long StoredSize, string LinkName, bool IsSparse);

    /// <summary>Counts what passes through, to prove how little of an archive indexing reads.</summary>
    private sealed class CountingReadStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => inner.CanSeek;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = inner.Read(buffer);
            BytesRead += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>A non-seekable read stream that copies everything it reads into a spool file.</summary>
    private sealed class TeeReadStream(Stream inner, Stream copy, long maxBytes, string description) : IO.ForwardReadStream
    {
        public long BytesRead { get; private set; }

        public override int Read(Span<byte> buffer)
        {
            int n = inner.Read(buffer);
            if (n > 0)
            {
                if (BytesRead + n > maxBytes)
                {
                    throw new LimitExceededException(description, nameof(ImageFormatLimits.MaxSpoolBytes), maxBytes, BytesRead + n);
                }

                copy.Write(buffer[..n]);
                BytesRead += n;
            }

            return n;
        }

        public void DrainToEnd()
        {
            byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
            try
            {
                while (Read(buffer, 0, buffer.Length) > 0)
                {
                }
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
