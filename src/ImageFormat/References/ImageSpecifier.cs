using System.Diagnostics.CodeAnalysis;
using ImageFormat.Digests;
using ImageFormat.Errors;

namespace ImageFormat.References;

/// <summary>
/// What a user gives a Docker command to name an image (<c>docker rmi X</c>, <c>docker inspect X</c>), classified
/// as Docker Engine 20.10 does with distribution/reference's <c>ParseAnyReference</c>: 64 lowercase hex
/// characters or a full <c>sha256:</c>/<c>sha512:</c> digest is an image ID; anything else must be a reference.
/// </summary>
/// <remarks>
/// Docker resolves a specifier that is a reference in two steps: first the reference (with <c>latest</c> added
/// when it has no tag or digest) in the reference store; if that finds nothing, <see cref="Text"/> as typed is
/// tried as a short ID (a prefix of an image ID's hex, optionally with its <c>sha256:</c> prefix). So <c>39d9</c> and <c>sha256:39d9</c> name an image when no repository
/// <c>39d9</c> has a tag <c>latest</c>. A short ID has no minimum length: Docker 20.10 resolves even one character.
/// </remarks>
public sealed class ImageSpecifier
{
    private ImageSpecifier(string text, Digest? imageId, ImageReference? reference)
    {
        Text = text;
        ImageId = imageId;
        Reference = reference;
    }

    /// <summary>The text as given.</summary>
    public string Text { get; }

    /// <summary>The image ID, when the text is a full ID; otherwise <see langword="null"/>.</summary>
    public Digest? ImageId { get; }

    /// <summary>The normalized reference, when the text is not a full ID; otherwise <see langword="null"/>.</summary>
    public ImageReference? Reference { get; }

    /// <summary>Whether the text is a full image ID (then <see cref="ImageId"/> is set and <see cref="Reference"/> is not).</summary>
    [MemberNotNullWhen(false, nameof(Reference))]
    public bool IsImageId => ImageId is not null;

    /// <summary>Classifies what a user typed.</summary>
    /// <param name="text">An image ID, a digest, a short ID or a reference.</param>
    /// <returns>The specifier.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidReferenceException">It is neither an ID nor a valid reference; the reason is Docker's.</exception>
    public static ImageSpecifier Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out ImageSpecifier? specifier, out string? reason)
            ? specifier
            : throw new InvalidReferenceException(text, reason);
    }

    /// <summary>Tries to classify what a user typed, saying why it is invalid when it is.</summary>
    /// <param name="text">The text.</param>
    /// <param name="specifier">The specifier, when the text is valid.</param>
    /// <param name="reason">Docker's reason the text is invalid, when it is.</param>
    /// <returns>Whether the text is an ID or a valid reference.</returns>
    public static bool TryParse(
        [NotNullWhen(true)] string? text,
        [NotNullWhen(true)] out ImageSpecifier? specifier,
        [NotNullWhen(false)] out string? reason)
    {
        specifier = null;
        if (text is null)
        {
            reason = ReferenceGrammar.ErrInvalidFormat;
            return false;
        }

        if (ReferenceGrammar.IsIdentifier(text))
        {
            specifier = new ImageSpecifier(text, Digest.Parse("sha256:" + text), null);
            reason = null;
            return true;
        }

        if (Digest.TryParse(text, out Digest digest))
        {
            specifier = new ImageSpecifier(text, digest, null);
            reason = null;
            return true;
        }

        if (!ImageReference.TryParse(text, out ImageReference? reference, out reason))
        {
            return false;
        }

        specifier = new ImageSpecifier(text, null, reference);
        return true;
    }

    /// <summary>
    /// Whether <see cref="Text"/> is a prefix of <paramref name="imageId"/>, with or without its algorithm: how
    /// <c>docker rmi</c> tells that it was given an ID rather than a reference, and so must not just untag.
    /// </summary>
    /// <param name="imageId">The resolved image's ID.</param>
    /// <returns>Whether the text names the image by ID.</returns>
    public bool IsIdPrefixOf(Digest imageId) =>
        imageId.Value.StartsWith(Text, StringComparison.Ordinal)
        || imageId.EncodedSpan.StartsWith(Text, StringComparison.Ordinal);

    /// <summary>Returns <see cref="Text"/>.</summary>
    /// <returns>The text as given.</returns>
    public override string ToString() => Text;
}
