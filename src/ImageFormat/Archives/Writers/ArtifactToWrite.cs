using ImageFormat.Digests;
using ImageFormat.Model;

namespace ImageFormat.Archives.Writers;

/// <summary>
/// An artifact (attestation, signature, SBOM, OCI artifact, Helm chart) to carry into an archive verbatim: its
/// manifest's exact bytes, its blobs as stored, and the descriptor its index gave it, so every digest is kept.
/// Formats with an OCI index hold it (<see cref="ArchiveFormat.Docker"/>, <see cref="ArchiveFormat.OciArchive"/>,
/// <see cref="ArchiveFormat.OciLayout"/>); the legacy format cannot.
/// </summary>
public sealed class ArtifactToWrite
{
    private ArtifactToWrite(Descriptor descriptor, ReadOnlyMemory<byte> manifest, IReadOnlyList<ArchiveBlob> blobs)
    {
        Descriptor = descriptor;
        Manifest = manifest;
        Blobs = blobs;
    }

    /// <summary>The manifest's digest.</summary>
    public Digest Digest => Descriptor.Digest;

    /// <summary>The descriptor written into <c>index.json</c>: the one the source index had (annotations, platform, artifact type).</summary>
    public Descriptor Descriptor { get; }

    /// <summary>The manifest's exact bytes.</summary>
    public ReadOnlyMemory<byte> Manifest { get; }

    /// <summary>The blobs copied with it (those the source holds), each checked against its digest as it is copied.</summary>
    public IReadOnlyList<ArchiveBlob> Blobs { get; }

    /// <summary>Describes an artifact read from an archive, to be copied verbatim.</summary>
    /// <param name="artifact">The artifact.</param>
    /// <returns>The artifact to write.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="artifact"/> is <see langword="null"/>.</exception>
    public static ArtifactToWrite FromArchive(ArchiveArtifact artifact)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        Descriptor descriptor = artifact.Descriptor with { Digest = artifact.Digest, Size = artifact.Manifest.Size };
        return new ArtifactToWrite(descriptor, artifact.Manifest.Bytes, [.. artifact.Blobs.Where(b => b.IsPresent)]);
    }

    /// <inheritdoc/>
    public override string ToString() => Digest.ShortId;
}
