using ImageFormat.Digests;
using ImageFormat.Errors;
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
        if (string.IsNullOrEmpty(name))
        {
            return _images.Count switch
            {
                1 => _images[0],
                0 when _artifacts.Count == 1 => throw NotAnImage(_artifacts[0]),
                0 when _artifacts.Count > 1 => throw new NotFoundException(string.Empty, $"{Source}: the archive holds no image, only {_artifacts.Count} artifacts ({string.Join("; ", _artifacts)})"),
                0 => throw new NotFoundException(string.Empty, $"{Source}: the archive holds no image"),
                _ => throw new AmbiguousNameException("(no image named)", Describe(_images)),
            };
        }

        List<ArchiveImage> matches = Match(name);
        if (matches.Count == 0 && MatchArtifact(name) is { } artifact)
        {
            throw NotAnImage(artifact);
        }

        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new NotFoundException(name, $"No such image: {name} (the archive holds {string.Join("; ", Describe(_images))})"),
            _ => throw new AmbiguousNameException(name, Describe(matches)),
        };
    }

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
