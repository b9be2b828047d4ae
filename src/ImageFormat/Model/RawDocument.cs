using ImageFormat.Digests;

namespace ImageFormat.Model;

/// <summary>
/// A JSON document kept as the exact bytes it was read from (or written as), with the model parsed from them.
/// Identities come from the bytes: <see cref="Digest"/> is the SHA-256 of <see cref="Bytes"/>, so a config's
/// digest is the image ID and a manifest's the image digest, and writing the document unchanged means writing
/// <see cref="Bytes"/>.
/// </summary>
/// <typeparam name="T">The model type.</typeparam>
public sealed class RawDocument<T>
    where T : notnull
{
    private readonly object _digestLock = new();
    private Digest _digest;

    internal RawDocument(ReadOnlyMemory<byte> bytes, T value)
    {
        Bytes = bytes;
        Value = value;
    }

    /// <summary>The document's exact bytes.</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    /// <summary>The model parsed from <see cref="Bytes"/> (or from which they were written).</summary>
    public T Value { get; }

    /// <summary>The length of <see cref="Bytes"/>.</summary>
    public long Size => Bytes.Length;

    /// <summary>The SHA-256 digest of <see cref="Bytes"/>, computed on first use.</summary>
    public Digest Digest
    {
        get
        {
            lock (_digestLock)
            {
                if (_digest.IsEmpty)
                {
                    _digest = Digest.Compute(Bytes.Span);
                }

                return _digest;
            }
        }
    }

    /// <summary>A descriptor naming this document: its digest, its size and the given media type.</summary>
    /// <param name="mediaType">Such as <see cref="MediaTypes.OciManifest"/>.</param>
    /// <returns>The descriptor.</returns>
    public Descriptor ToDescriptor(string mediaType)
    {
        ArgumentException.ThrowIfNullOrEmpty(mediaType);
        return new Descriptor { MediaType = mediaType, Digest = Digest, Size = Size };
    }
}

/// <summary>Makes a <see cref="RawDocument{T}"/> from a new model value by serialising it (<see cref="ImageDocuments"/>).</summary>
public static class RawDocument
{
    /// <summary>Serialises a manifest and keeps the bytes with it.</summary>
    /// <param name="value">The manifest.</param>
    /// <returns>The document.</returns>
    /// <exception cref="ArgumentException"><paramref name="value"/> cannot be written as a valid document.</exception>
    public static RawDocument<ImageManifest> Create(ImageManifest value) => new(ImageDocuments.Serialize(value), value);

    /// <summary>Serialises an index and keeps the bytes with it.</summary>
    /// <param name="value">The index.</param>
    /// <returns>The document.</returns>
    /// <exception cref="ArgumentException"><paramref name="value"/> cannot be written as a valid document.</exception>
    public static RawDocument<ImageIndex> Create(ImageIndex value) => new(ImageDocuments.Serialize(value), value);

    /// <summary>Serialises an image configuration and keeps the bytes with it; its digest is the image ID.</summary>
    /// <param name="value">The configuration.</param>
    /// <returns>The document.</returns>
    /// <exception cref="ArgumentException"><paramref name="value"/> cannot be written as a valid document.</exception>
    public static RawDocument<ImageConfig> Create(ImageConfig value) => new(ImageDocuments.Serialize(value), value);

    /// <summary>Serialises an <c>oci-layout</c> header and keeps the bytes with it.</summary>
    /// <param name="value">The header.</param>
    /// <returns>The document.</returns>
    /// <exception cref="ArgumentException"><paramref name="value"/> cannot be written as a valid document.</exception>
    public static RawDocument<OciLayoutHeader> Create(OciLayoutHeader value) => new(ImageDocuments.Serialize(value), value);

    /// <summary>Serialises a docker-save <c>manifest.json</c> and keeps the bytes with it.</summary>
    /// <param name="value">The entries.</param>
    /// <returns>The document.</returns>
    /// <exception cref="ArgumentException"><paramref name="value"/> cannot be written as a valid document.</exception>
    public static RawDocument<IReadOnlyList<DockerArchiveManifestEntry>> CreateArchiveManifest(IReadOnlyList<DockerArchiveManifestEntry> value)
        => new(ImageDocuments.SerializeArchiveManifest(value), value);

    /// <summary>Serialises a docker-save <c>repositories</c> file and keeps the bytes with it.</summary>
    /// <param name="value">Repository → tag → ID.</param>
    /// <returns>The document.</returns>
    /// <exception cref="ArgumentException"><paramref name="value"/> cannot be written as a valid document.</exception>
    public static RawDocument<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> CreateRepositories(
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> value)
        => new(ImageDocuments.SerializeRepositories(value), value);
}
