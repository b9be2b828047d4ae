using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.Images;
using ImageFormat.Model;
using ImageFormat.References;

namespace ImageFormat.Archives;

/// <summary>Name matching: what a user types (a tag, an OCI ref name, an image ID or a digest) against the images'
/// <c>RepoTags</c> and ref-name annotations, and the artifacts' names; tags normalised as Docker does.</summary>
public sealed partial class ImageArchive
{
    private static readonly System.Buffers.SearchValues<char> LowerHex = System.Buffers.SearchValues.Create("0123456789abcdef");

    /// <summary>
    /// Finds one image by what a user would type: a tag (<c>hello</c>, <c>hello:latest</c>,
    /// <c>docker.io/library/hello:latest</c>), an OCI ref name, a full or short image ID, or a manifest or
    /// config digest. <see langword="null"/> or empty selects the only image of a one-image archive.
    /// </summary>
    /// <param name="name">What to look for.</param>
    /// <returns>The image.</returns>
    /// <exception cref="NotFoundException">Nothing matches; the message lists what the archive holds.</exception>
    /// <exception cref="AmbiguousNameException">More than one image matches, or none was named and the archive holds several.</exception>
    /// <exception cref="NotAnImageException">The name matches an artifact (a signature, attestation, Helm chart...), not an image.</exception>
    public ArchiveImage FindImage(string? name)
    {
        List<ArchiveImage> matches = FindImages(name);
        return matches.Count == 1 ? matches[0] : throw Ambiguous(name, matches);
    }

    /// <summary>
    /// Finds one image as <see cref="FindImage(string?)"/> does, and where the name matches several images of
    /// different platforms (the platform variants of an index, say in a layout written by <c>skopeo copy --all</c>),
    /// takes the first whose platform matches <paramref name="platform"/>, as <c>docker pull</c> picks from an index.
    /// Without a name the same holds when <c>index.json</c> names one index and nothing else; several images listed
    /// side by side stay ambiguous, as skopeo has them. A single match is the image, whatever its platform (as a
    /// registry's manifest that is no index is).
    /// </summary>
    /// <param name="name">What to look for.</param>
    /// <param name="platform">The platform wanted among several matches (a request without a variant accepts any).</param>
    /// <returns>The image.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="platform"/> is <see langword="null"/>.</exception>
    /// <exception cref="NotFoundException">Nothing matches, or none of several matches is for <paramref name="platform"/>; the message lists them.</exception>
    /// <exception cref="AmbiguousNameException">Several images of the same platform match.</exception>
    /// <exception cref="NotAnImageException">The name matches an artifact, not an image.</exception>
    public ArchiveImage FindImage(string? name, Platform platform)
    {
        ArgumentNullException.ThrowIfNull(platform);
        List<ArchiveImage> matches = FindImages(name);
        if (string.IsNullOrEmpty(name) && matches.Count > 1 && !HoldsOneIndex())
        {
            throw Ambiguous(name, matches);
        }

        return ForPlatform(matches, name, platform);
    }

    /// <summary>Whether <c>index.json</c> names one index and nothing else.</summary>
    private bool HoldsOneIndex() => Index?.Value.Manifests is [{ } only] && MediaTypes.IsIndex(only.MediaType);

    /// <summary>
    /// The one image of <paramref name="matches"/>, or, of several with different platforms, the first for
    /// <paramref name="platform"/> (see <see cref="FindImage(string?, Platform)"/>).
    /// </summary>
    internal static ArchiveImage ForPlatform(IReadOnlyList<ArchiveImage> matches, string? name, Platform platform)
    {
        if (matches.Count == 1)
        {
            return matches[0];
        }

        List<Platform> platforms = [.. matches.Select(m => m.GetPlatform())];
        if (platforms.Select(p => p.ToString()).Distinct(StringComparer.Ordinal).Count() < platforms.Count)
        {
            throw Ambiguous(name, matches);
        }

        int chosen = platforms.FindIndex(platform.Matches);
        return chosen >= 0
            ? matches[chosen]
            : throw new NotFoundException(name ?? string.Empty, $"No image for platform {platform}{(string.IsNullOrEmpty(name) ? string.Empty : " named " + name)} (there are {string.Join("; ", matches.Select(m => $"{m.ShortId} {m.GetPlatform()}"))})");
    }

    /// <summary>
    /// Every image <paramref name="name"/> denotes (as <see cref="FindImage(string?)"/> matches it); every image of
    /// the archive when <paramref name="name"/> is <see langword="null"/> or empty.
    /// </summary>
    /// <exception cref="NotFoundException">Nothing matches (or the archive holds no image).</exception>
    /// <exception cref="NotAnImageException">The name matches an artifact, not an image.</exception>
    internal List<ArchiveImage> FindImages(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return _images.Count switch
            {
                > 0 => [.. _images],
                _ when _artifacts.Count == 1 => throw NotAnImage(_artifacts[0]),
                _ when _artifacts.Count > 1 => throw new NotFoundException(string.Empty, $"{Source}: the archive holds no image, only {_artifacts.Count} artifacts ({string.Join("; ", _artifacts)})"),
                _ => throw new NotFoundException(string.Empty, $"{Source}: the archive holds no image"),
            };
        }

        List<ArchiveImage> matches = Match(name);
        if (matches.Count == 0 && MatchArtifact(name) is { } artifact)
        {
            throw NotAnImage(artifact);
        }

        return matches.Count > 0
            ? matches
            : throw new NotFoundException(name, $"No such image: {name} (the archive holds {string.Join("; ", Describe(_images))})");
    }

    /// <summary>
    /// The index that <c>index.json</c> names <paramref name="name"/> (its ref name), or, for no name, its only entry
    /// when that is an index; <see langword="null"/> when there is none (the name names an image, or nothing).
    /// Its digest is checked; its images are among <see cref="Images"/>.
    /// </summary>
    /// <exception cref="DigestMismatchException">The blob does not match the digest <c>index.json</c> gives it.</exception>
    internal RawDocument<ImageIndex>? ReadNamedIndex(string? name)
    {
        IReadOnlyList<Descriptor> entries = Index?.Value.Manifests ?? [];
        Descriptor? named = string.IsNullOrEmpty(name)
            ? entries.Count == 1 ? entries[0] : null
            : entries.FirstOrDefault(d => d.GetAnnotation(RefNameAnnotation) == name);
        if (named is null || !MediaTypes.IsIndex(named.MediaType) || !_storage.TryResolve(BlobPath.Of(named.Digest), out ArchiveFile file, out _))
        {
            return null;
        }

        byte[] bytes = ReadDocument(file);
        Digest found = Digest.Compute(bytes);
        if (found != named.Digest)
        {
            throw new DigestMismatchException(BlobPath.Of(named.Digest), named.Digest, found);
        }

        return ImageDocuments.ParseIndex(bytes, BlobPath.Of(named.Digest), Options.Limits);
    }

    private static AmbiguousNameException Ambiguous(string? name, IEnumerable<ArchiveImage> matches) =>
        new(string.IsNullOrEmpty(name) ? "(no image named)" : name, Describe(matches));

    private static NotAnImageException NotAnImage(ArchiveArtifact artifact) => new(artifact.Digest.Value, artifact.Kind, artifact.ArtifactType);

    /// <summary>The one artifact a name denotes: its manifest digest (alone or in a reference), one of its names, or a unique hex prefix of its digest.</summary>
    private ArchiveArtifact? MatchArtifact(string name)
    {
        List<ArchiveArtifact> found;
        if (Digest.TryParse(name, out Digest digest))
        {
            found = _artifacts.Where(a => a.Digest == digest).ToList();
        }
        else if (ImageReference.TryParse(name, out ImageReference? reference, out _) && reference.Digest is { } refDigest)
        {
            found = _artifacts.Where(a => a.Digest == refDigest).ToList();
        }
        else
        {
            found = _artifacts.Where(a => a.Names.Contains(name, StringComparer.Ordinal)).ToList();
            if (found.Count == 0 && name.Length <= 64 && name.AsSpan().IndexOfAnyExcept(LowerHex) < 0)
            {
                found = _artifacts.Where(a => a.Digest.EncodedStartsWith(name)).ToList();
            }
        }

        return found.Count == 1 ? found[0] : null;
    }

    /// <summary>Each image's short ID and names: its tags, else its OCI ref names (such as skopeo's <c>v1.0</c>), else <c>&lt;none&gt;</c>.</summary>
    private static List<string> Describe(IEnumerable<ArchiveImage> images) =>
        images.Select(i => i.RepoTags.Count > 0 ? $"{i.ShortId} {string.Join(",", i.RepoTags)}"
            : i.RefNames.Count > 0 ? $"{i.ShortId} {string.Join(",", i.RefNames)}"
            : $"{i.ShortId} <none>").ToList();

    private List<ArchiveImage> Match(string name)
    {
        // Digest forms first: sha256:<hex> names a config (image ID) or a manifest.
        if (Digest.TryParse(name, out Digest digest))
        {
            return _images.Where(i => i.Id == digest || i.ManifestDigest == digest).ToList();
        }

        // Then a reference, as Docker resolves names before IDs.
        if (ImageReference.TryParse(name, out ImageReference? reference, out _))
        {
            if (reference.Digest is { } refDigest)
            {
                List<ArchiveImage> byDigest = _images.Where(i => i.ManifestDigest == refDigest || i.Id == refDigest).ToList();
                if (byDigest.Count > 0)
                {
                    return byDigest;
                }
            }
            else
            {
                string full = reference.WithDefaultTag().ToString();
                List<ArchiveImage> byTag = _images.Where(i => i.RepoTags.Any(t => SameReference(t, full))).ToList();
                if (byTag.Count > 0)
                {
                    return byTag;
                }
            }
        }

        List<ArchiveImage> byRefName = _images.Where(i => i.RefNames.Contains(name, StringComparer.Ordinal)).ToList();
        if (byRefName.Count > 0)
        {
            return byRefName;
        }

        // Last, a full or short image ID (hex prefix).
        if (name.Length <= 64 && name.AsSpan().IndexOfAnyExcept(LowerHex) < 0)
        {
            return _images.Where(i => i.Id.EncodedStartsWith(name)).DistinctBy(i => i.Id).ToList();
        }

        return [];
    }

    private static bool SameReference(string tag, string fullWithTag) =>
        ImageReference.TryParse(tag, out ImageReference? r, out _) && r.WithDefaultTag().ToString() == fullWithTag;

    private List<string> NormaliseTags(IEnumerable<string> tags, string subject)
    {
        var result = new List<string>();
        foreach (string tag in tags)
        {
            if (ImageReference.TryParse(tag, out ImageReference? reference, out string? reason))
            {
                string familiar = reference.WithDefaultTag().FamiliarString();
                if (!result.Contains(familiar))
                {
                    result.Add(familiar);
                }
            }
            else
            {
                AddProblem(ProblemSeverity.Error, ErrorCodes.InvalidReference, subject, $"tag \"{tag}\" is not a valid reference: {reason}");
            }
        }

        return result;
    }
}
