using ImageFormat.Digests;
using ImageFormat.Model;

namespace ImageFormat.Registry;

/// <summary>A manifest or index as a registry served it: its exact bytes, media type and verified digest.</summary>
public sealed class RegistryManifest
{
    internal RegistryManifest(RegistryRepository repository, string mediaType, ManifestOrIndex document)
    {
        Repository = repository;
        MediaType = mediaType;
        Document = document;
    }

    /// <summary>The repository it came from.</summary>
    public RegistryRepository Repository { get; }

    /// <summary>The media type: the document's <c>mediaType</c>, else the response's <c>Content-Type</c>.</summary>
    public string MediaType { get; }

    /// <summary>The parsed document (exactly one of a manifest or an index).</summary>
    public ManifestOrIndex Document { get; }

    /// <summary>The exact bytes served.</summary>
    public ReadOnlyMemory<byte> Bytes => Document.Bytes;

    /// <summary>The SHA-256 digest of <see cref="Bytes"/>, checked against the digest asked for and the <c>Docker-Content-Digest</c> header.</summary>
    public Digest Digest => Document.Digest;

    /// <summary>Whether it is an index (an OCI index or a Docker manifest list).</summary>
    public bool IsIndex => Document.IsIndex;

    /// <summary>A descriptor naming it.</summary>
    /// <returns>Media type, digest and size.</returns>
    public Descriptor ToDescriptor() => new() { MediaType = MediaType, Digest = Digest, Size = Bytes.Length };
}

/// <summary>What <see cref="RegistryClient.PushBlobAsync"/> did.</summary>
public enum BlobPushResult
{
    /// <summary>The repository already had the blob (<c>HEAD</c> answered 200); nothing was sent.</summary>
    AlreadyPresent,

    /// <summary>The blob was mounted from another repository of the same registry; no content was sent.</summary>
    Mounted,

    /// <summary>The content was uploaded.</summary>
    Uploaded,
}

/// <summary>Progress of one blob transfer.</summary>
/// <param name="Digest">The blob.</param>
/// <param name="Transferred">Bytes moved so far.</param>
/// <param name="Total">The blob's size.</param>
public readonly record struct BlobProgress(Digest Digest, long Transferred, long Total)
{
    /// <summary>What a push did with the blob, on the one report it makes when the blob is done; otherwise <see langword="null"/>.</summary>
    public BlobPushResult? Result { get; init; }
}
