using ImageFormat.Digests;
using ImageFormat.Errors;
using ImageFormat.References;

namespace ImageFormat.Store;

public sealed partial class ImageStore
{
    /// <summary>
    /// <c>docker tag SOURCE TARGET</c>: points <paramref name="target"/> (with <c>latest</c> added when it has no
    /// tag) at the image <paramref name="source"/> names, moving it from any image it named before, and records the
    /// tag time.
    /// </summary>
    /// <param name="source">The image: a reference, full ID or short ID.</param>
    /// <param name="target">The new reference.</param>
    /// <returns>The tagged image's ID.</returns>
    /// <exception cref="NotFoundException">No such source image.</exception>
    /// <exception cref="InvalidReferenceException"><paramref name="target"/> is not a valid reference, or carries a digest.</exception>
    public Digest Tag(string source, string target)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        return Change(state =>
        {
            if (!ImageReference.TryParse(target, out ImageReference? reference, out string? reason))
            {
                throw new InvalidReferenceException(target, reason);
            }

            if (reference.Digest is not null)
            {
                throw new InvalidReferenceException(target, "refusing to create a tag with a digest reference");
            }

            Digest imageId = Resolve(state, source, out _);
            AddReference(state, reference.WithDefaultTag(), imageId);
            state.Images[imageId] = state.Images[imageId] with { LastTagTime = Now };
            return imageId;
        });
    }

    /// <summary>Docker's <c>AddTag</c> with force: a tag moves; a digest reference never does.</summary>
    /// <returns>The image the reference named before, if it named another one.</returns>
    private static Digest? AddReference(StoreState state, ImageReference reference, Digest imageId)
    {
        if (reference.FamiliarName == "sha256")
        {
            throw new InvalidReferenceException(reference.ToString(), "refusing to create an ambiguous tag using digest algorithm as name");
        }

        string key = reference.ToString();
        if (state.References.TryGetValue(key, out Digest previous))
        {
            if (previous == imageId)
            {
                return null;
            }

            if (reference.Digest is { } digest)
            {
                throw new ConflictException($"Cannot overwrite digest {digest}", canBeForced: false);
            }
        }

        state.References[key] = imageId;
        return previous.IsEmpty ? null : previous;
    }
}
