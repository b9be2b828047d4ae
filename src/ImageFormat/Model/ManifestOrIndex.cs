namespace ImageFormat.Model;

/// <summary>The result of <see cref="ImageDocuments.ParseManifestOrIndex"/>: exactly one of a manifest or an index.</summary>
public sealed class ManifestOrIndex
{
    internal ManifestOrIndex(RawDocument<ImageManifest>? manifest, RawDocument<ImageIndex>? index)
    {
        Manifest = manifest;
        Index = index;
    }

    /// <summary>The manifest, when the document is one.</summary>
    public RawDocument<ImageManifest>? Manifest { get; }

    /// <summary>The index, when the document is one.</summary>
    public RawDocument<ImageIndex>? Index { get; }

    /// <summary>Whether the document is an index.</summary>
    public bool IsIndex => Index is not null;

    /// <summary>The document's exact bytes.</summary>
    public ReadOnlyMemory<byte> Bytes => Manifest?.Bytes ?? Index!.Bytes;

    /// <summary>The SHA-256 digest of the document's bytes.</summary>
    public Digests.Digest Digest => Manifest?.Digest ?? Index!.Digest;

    /// <summary>The document's <c>mediaType</c>, or <see langword="null"/> when it has none.</summary>
    public string? MediaType => Manifest?.Value.MediaType ?? Index?.Value.MediaType;
}
