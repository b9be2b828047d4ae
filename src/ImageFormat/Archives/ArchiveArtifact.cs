using ImageFormat.Digests;
using ImageFormat.Model;

namespace ImageFormat.Archives;

/// <summary>
/// A blob an archive stores beside its content: the config or a layer of an <see cref="ArchiveArtifact"/>,
/// named by its descriptor. Read as stored; nothing is decompressed or interpreted.
/// </summary>
public sealed class ArchiveBlob
{
    private readonly IArchiveStorage _storage;
    private readonly ArchiveFile? _file;

    internal ArchiveBlob(IArchiveStorage storage, Descriptor descriptor, string entry, ArchiveFile? file)
    {
        _storage = storage;
        Descriptor = descriptor;
        Entry = entry;
        _file = file;
    }

    /// <summary>The descriptor that names the blob (media type, digest, size).</summary>
    public Descriptor Descriptor { get; }

    /// <summary>The blob's path in the archive (<c>blobs/&lt;algorithm&gt;/&lt;hex&gt;</c>).</summary>
    public string Entry { get; }

    /// <summary>Whether the archive holds the blob.</summary>
    public bool IsPresent => _file is not null;

    /// <summary>Opens the stored bytes, unverified (<see cref="ArchiveVerifier"/> checks them).</summary>
    /// <returns>A stream over the blob.</returns>
    /// <exception cref="Errors.NotFoundException">The archive does not hold the blob.</exception>
    public Stream Open() => _file is { } file
        ? _storage.Open(file)
        : throw new Errors.NotFoundException(Entry, $"{Entry}: blob {Descriptor.Digest} is not in the archive");
}

/// <summary>
/// Something an image index names that is not a runnable image: a BuildKit attestation manifest, a cosign
/// signature, SBOM or attestation, an OCI 1.1 artifact (<c>artifactType</c>, often with the empty config and a
/// <c>subject</c>), a Helm chart. Archives carry these beside their images; they are listed, verified and
/// copied verbatim, and refused by operations that need an image (<see cref="Errors.NotAnImageException"/>).
/// </summary>
public sealed class ArchiveArtifact
{
    internal ArchiveArtifact(Descriptor descriptor, RawDocument<ImageManifest> manifest, IReadOnlyList<ArchiveBlob> blobs)
    {
        Descriptor = descriptor;
        Manifest = manifest;
        Blobs = blobs;
        ArtifactType = TypeOf(descriptor, manifest.Value);
        Kind = KindOf(descriptor, manifest.Value, ArtifactType);
        Subject = manifest.Value.Subject?.Digest
            ?? (descriptor.GetAnnotation(ArtifactKinds.DockerReferenceDigest) is { } referenced && Digest.TryParse(referenced, out Digest d) ? d : null);
    }

    /// <summary>The digest of the artifact's manifest.</summary>
    public Digest Digest => Manifest.Digest;

    /// <summary>The descriptor that named the manifest in its index, as written (annotations and platform included).</summary>
    public Descriptor Descriptor { get; }

    /// <summary>The artifact's manifest, raw and parsed.</summary>
    public RawDocument<ImageManifest> Manifest { get; }

    /// <summary>
    /// What the artifact is, as a media type: the manifest's <c>artifactType</c>; else its config's media type
    /// unless that is an image config or the empty config; else its first layer's media type.
    /// </summary>
    public string ArtifactType { get; }

    /// <summary>What the artifact is, in words: <c>Helm chart</c>, <c>BuildKit attestation</c>, <c>cosign signature</c>…</summary>
    public string Kind { get; }

    /// <summary>
    /// The manifest the artifact refers to: its <c>subject</c>, else BuildKit's
    /// <c>vnd.docker.reference.digest</c> annotation; <see langword="null"/> when neither is given.
    /// </summary>
    public Digest? Subject { get; }

    /// <summary>The names the archive gives the artifact (tags and OCI ref names, such as <c>sha256-&lt;hex&gt;.sig</c>).</summary>
    public IReadOnlyList<string> Names { get; internal set; } = [];

    /// <summary>The config and layer blobs, in manifest order.</summary>
    public IReadOnlyList<ArchiveBlob> Blobs { get; }

    /// <summary>The bytes of the manifest and of its distinct blobs.</summary>
    public long Size => Manifest.Size + Blobs.DistinctBy(b => b.Descriptor.Digest).Sum(b => b.Descriptor.Size);

    /// <summary>A description for messages: <c>sha256:… is a Helm chart (application/vnd.cncf.helm.config.v1+json)</c>.</summary>
    /// <returns>The description.</returns>
    public string Describe() => $"{Digest} is {Errors.NotAnImageException.Article(Kind)} {Kind} ({ArtifactType})";

    /// <inheritdoc/>
    public override string ToString() => $"{Digest.ShortId} {Kind}";

    private static string TypeOf(Descriptor descriptor, ImageManifest manifest)
    {
        if (!string.IsNullOrEmpty(manifest.ArtifactType))
        {
            return manifest.ArtifactType;
        }

        string config = manifest.Config.MediaType;
        if (!MediaTypes.IsConfig(config) && config != MediaTypes.OciEmpty)
        {
            return config;
        }

        return manifest.Layers.Count > 0 ? manifest.Layers[0].MediaType : descriptor.ArtifactType ?? config;
    }

    private static string KindOf(Descriptor descriptor, ImageManifest manifest, string artifactType)
    {
        if (descriptor.GetAnnotation(ArtifactKinds.DockerReferenceType) == ArtifactKinds.AttestationManifest)
        {
            return "BuildKit attestation";
        }

        string? name = descriptor.GetAnnotation(ImageArchive.RefNameAnnotation);
        if (name is not null && name.StartsWith("sha256-", StringComparison.Ordinal))
        {
            if (name.EndsWith(".sig", StringComparison.Ordinal))
            {
                return "cosign signature";
            }

            if (name.EndsWith(".sbom", StringComparison.Ordinal))
            {
                return "cosign SBOM";
            }

            if (name.EndsWith(".att", StringComparison.Ordinal))
            {
                return "cosign attestation";
            }
        }

        return artifactType switch
        {
            ArtifactKinds.HelmConfig => "Helm chart",
            ArtifactKinds.CosignSimpleSigning => "cosign signature",
            ArtifactKinds.InToto or ArtifactKinds.DsseEnvelope => "in-toto attestation",
            "text/spdx" or "text/spdx+json" or "application/spdx+json" or "application/vnd.cyclonedx+json" or "application/vnd.syft+json" => "SBOM",
            _ when manifest.Config.MediaType == MediaTypes.OciEmpty => "OCI artifact",
            _ => "artifact",
        };
    }
}

/// <summary>The media types and annotations that mark well-known artifacts.</summary>
internal static class ArtifactKinds
{
    public const string DockerReferenceType = "vnd.docker.reference.type";
    public const string DockerReferenceDigest = "vnd.docker.reference.digest";
    public const string AttestationManifest = "attestation-manifest";
    public const string HelmConfig = "application/vnd.cncf.helm.config.v1+json";
    public const string CosignSimpleSigning = "application/vnd.dev.cosign.simplesigning.v1+json";
    public const string InToto = "application/vnd.in-toto+json";
    public const string DsseEnvelope = "application/vnd.dsse.envelope.v1+json";

    /// <summary>
    /// Whether a manifest describes something other than a runnable image: an <c>artifactType</c>, a config that
    /// is not an image config, a layer that is not a layer, or BuildKit's attestation annotation on its descriptor.
    /// </summary>
    public static bool IsArtifact(Descriptor descriptor, ImageManifest manifest) =>
        descriptor.GetAnnotation(DockerReferenceType) == AttestationManifest
        || !string.IsNullOrEmpty(manifest.ArtifactType)
        || !MediaTypes.IsConfig(manifest.Config.MediaType)
        || manifest.Layers.Any(l => !MediaTypes.IsLayer(l.MediaType));
}
