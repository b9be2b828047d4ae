using System.Diagnostics.CodeAnalysis;
using ImageFormat.Digests;
using ImageFormat.Errors;

namespace ImageFormat.References;

/// <summary>
/// A Docker image reference, <c>[domain/]path[:tag][@digest]</c>, parsed and normalized exactly as Docker
/// Engine 20.10 does (distribution/reference's <c>ParseNormalizedNamed</c>): <c>ubuntu:14.04</c> is
/// <c>docker.io/library/ubuntu:14.04</c>. Immutable; equality compares every part ordinally.
/// </summary>
/// <remarks>
/// Docker's error texts are kept verbatim in <see cref="InvalidReferenceException.Reason"/>, for example
/// <c>invalid reference format: repository name must be lowercase</c>. Parsing is a single linear pass, safe
/// on hostile input of any length. Two deliberate differences from Docker: a <c>sha384</c> digest is refused as
/// <c>unsupported digest algorithm</c> (ImageFormat's <see cref="Digests.Digest"/> holds sha256 and sha512 only),
/// and <see cref="Domain"/> is empty in the rare case Docker leaves it empty (a first component such as
/// <c>my_host.local</c> that names no valid host becomes part of the path).
/// </remarks>
public sealed class ImageReference : IEquatable<ImageReference>
{
    /// <summary>The registry familiar names belong to: <c>docker.io</c>.</summary>
    public const string DefaultDomain = "docker.io";

    /// <summary>The old name of <see cref="DefaultDomain"/>, rewritten to it when parsing: <c>index.docker.io</c>.</summary>
    public const string LegacyDefaultDomain = "index.docker.io";

    /// <summary>The namespace of official images on <see cref="DefaultDomain"/>: <c>library</c>.</summary>
    public const string OfficialRepositoryNamespace = "library";

    /// <summary>The tag Docker assumes when a reference has neither tag nor digest: <c>latest</c>.</summary>
    public const string DefaultTag = "latest";

    /// <summary>The longest name (domain, '/' and path together): 255 characters.</summary>
    public const int MaxNameLength = ReferenceGrammar.NameTotalLengthMax;

    /// <summary>The longest tag: 128 characters.</summary>
    public const int MaxTagLength = ReferenceGrammar.TagLengthMax;

    private string? _string;

    private ImageReference(string domain, string path, string? tag, Digest? digest)
    {
        Domain = domain;
        Path = path;
        Tag = tag;
        Digest = digest;
        Name = domain.Length == 0 ? path : string.Concat(domain, "/", path);
    }

    /// <summary>
    /// The registry host with its optional port (<c>docker.io</c>, <c>localhost:5000</c>). Empty only when the
    /// first component is not a valid host name (see the remarks on <see cref="ImageReference"/>).
    /// </summary>
    public string Domain { get; }

    /// <summary>The repository path without the domain (<c>library/ubuntu</c>, <c>user/app</c>).</summary>
    public string Path { get; }

    /// <summary>The full repository name, <c>domain/path</c> (<c>docker.io/library/ubuntu</c>).</summary>
    public string Name { get; }

    /// <summary>The tag, or <see langword="null"/> when there is none.</summary>
    public string? Tag { get; }

    /// <summary>The digest, or <see langword="null"/> when there is none.</summary>
    public Digest? Digest { get; }

    /// <summary>Whether the reference has neither a tag nor a digest.</summary>
    public bool IsNameOnly => Tag is null && Digest is null;

    /// <summary>
    /// The name as Docker shows it: <c>docker.io/</c> dropped, and <c>library/</c> too for a two-component path
    /// (<c>ubuntu</c>, <c>user/app</c>, <c>library/a/b</c>, <c>localhost:5000/x</c>).
    /// </summary>
    public string FamiliarName
    {
        get
        {
            if (Domain != DefaultDomain)
            {
                return Name;
            }

            const string LibraryPrefix = OfficialRepositoryNamespace + "/";
            return Path.StartsWith(LibraryPrefix, StringComparison.Ordinal) && Path.IndexOf('/', LibraryPrefix.Length) < 0
                ? Path[LibraryPrefix.Length..]
                : Path;
        }
    }

    /// <summary>Parses what a user gives Docker, normalizing familiar forms (Docker's <c>ParseNormalizedNamed</c>).</summary>
    /// <param name="value">Such as <c>ubuntu:14.04</c>, <c>user/app@sha256:…</c> or <c>localhost:5000/x</c>.</param>
    /// <returns>The normalized reference.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidReferenceException">The text is not a reference; the reason is Docker's.</exception>
    public static ImageReference Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return TryParse(value, out ImageReference? reference, out string? reason)
            ? reference
            : throw new InvalidReferenceException(value, reason);
    }

    /// <summary>Tries to parse a reference as <see cref="Parse(string)"/> does.</summary>
    /// <param name="value">The text.</param>
    /// <param name="reference">The reference, when the text is one.</param>
    /// <returns>Whether the text is a reference.</returns>
    public static bool TryParse([NotNullWhen(true)] string? value, [NotNullWhen(true)] out ImageReference? reference) =>
        TryParse(value, out reference, out _);

    /// <summary>Tries to parse a reference as <see cref="Parse(string)"/> does, saying why it is not one.</summary>
    /// <param name="value">The text.</param>
    /// <param name="reference">The reference, when the text is one.</param>
    /// <param name="reason">Docker's reason the text is not a reference, when it is not.</param>
    /// <returns>Whether the text is a reference.</returns>
    public static bool TryParse(
        [NotNullWhen(true)] string? value,
        [NotNullWhen(true)] out ImageReference? reference,
        [NotNullWhen(false)] out string? reason)
    {
        reference = null;
        if (value is null)
        {
            reason = ReferenceGrammar.ErrInvalidFormat;
            return false;
        }

        // A bare image ID would otherwise parse as a repository name and shadow the image it names.
        if (ReferenceGrammar.IsIdentifier(value))
        {
            reason = $"invalid repository name ({value}), cannot specify 64-byte hexadecimal strings";
            return false;
        }

        (string domain, string remainder) = SplitDockerDomain(value);
        int tagSeparator = remainder.IndexOf(':');
        ReadOnlySpan<char> remoteName = tagSeparator < 0 ? remainder : remainder.AsSpan(0, tagSeparator);
        if (ReferenceGrammar.ChangesWhenLowercased(remoteName))
        {
            reason = ReferenceGrammar.ErrNormalizedUppercase;
            return false;
        }

        return TryParseExact(string.Concat(domain, "/", remainder), out reference, out reason);
    }

    /// <summary>
    /// Parses a reference that must already be in its full normalized form, as <see cref="ToString"/> writes it
    /// (Docker's <c>ParseNamed</c>): <c>docker.io/library/ubuntu</c> is accepted, <c>ubuntu</c> is not.
    /// </summary>
    /// <param name="value">The full reference.</param>
    /// <returns>The reference.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidReferenceException">
    /// The text is not a reference, or not in full form (reason <c>repository name must be canonical</c>).
    /// </exception>
    public static ImageReference ParseFull(string value)
    {
        ImageReference reference = Parse(value);
        return reference.ToString() == value
            ? reference
            : throw new InvalidReferenceException(value, ReferenceGrammar.ErrNameNotCanonical);
    }

    /// <summary>
    /// Parses without normalizing (distribution/reference's <c>Parse</c>): <c>ubuntu</c> stays a bare path with
    /// no domain. Used where Docker itself parses already-normalized strings.
    /// </summary>
    internal static bool TryParseExact(string value, [NotNullWhen(true)] out ImageReference? reference, [NotNullWhen(false)] out string? reason)
    {
        reference = null;
        if (!ReferenceGrammar.TryMatchReference(value, out ReferenceGrammar.Parts parts))
        {
            if (value.Length == 0)
            {
                reason = ReferenceGrammar.ErrNameEmpty;
            }
            else if (ReferenceGrammar.TryMatchReference(ReferenceGrammar.LowercaseForGrammar(value), out _))
            {
                reason = ReferenceGrammar.ErrNameContainsUppercase;
            }
            else
            {
                reason = ReferenceGrammar.ErrInvalidFormat;
            }

            return false;
        }

        if (parts.NameLength > ReferenceGrammar.NameTotalLengthMax)
        {
            reason = ReferenceGrammar.ErrNameTooLong;
            return false;
        }

        Digest? digest = null;
        if (parts.DigestStart >= 0)
        {
            if (!TryParseReferenceDigest(value.AsSpan(parts.DigestStart), out Digest parsed, out reason))
            {
                return false;
            }

            digest = parsed;
        }

        ReadOnlySpan<char> name = value.AsSpan(0, parts.NameLength);
        ReferenceGrammar.TrySplitName(name, out int domainLength);
        string domain = domainLength < 0 ? string.Empty : name[..domainLength].ToString();
        string path = domainLength < 0 ? name.ToString() : name[(domainLength + 1)..].ToString();
        string? tag = parts.TagStart < 0 ? null : value.Substring(parts.TagStart, parts.TagLength);
        reference = new ImageReference(domain, path, tag, digest);
        reason = null;
        return true;
    }

    /// <summary>Returns a reference with this name and digest and the given tag (Docker's <c>WithTag</c>).</summary>
    /// <param name="tag">The tag, matching <c>[\w][\w.-]{0,127}</c>.</param>
    /// <returns>The tagged reference.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="tag"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidReferenceException">The tag is not valid (reason <c>invalid tag format</c>).</exception>
    public ImageReference WithTag(string tag)
    {
        ArgumentNullException.ThrowIfNull(tag);
        return ReferenceGrammar.IsTag(tag)
            ? new ImageReference(Domain, Path, tag, Digest)
            : throw new InvalidReferenceException(tag, ReferenceGrammar.ErrTagInvalidFormat);
    }

    /// <summary>Returns a reference with this name and tag and the given digest (Docker's <c>WithDigest</c>).</summary>
    /// <param name="digest">The digest.</param>
    /// <returns>The digested reference.</returns>
    /// <exception cref="ArgumentException"><paramref name="digest"/> is the empty default value.</exception>
    public ImageReference WithDigest(Digest digest)
    {
        if (digest.IsEmpty)
        {
            throw new ArgumentException("The digest is empty.", nameof(digest));
        }

        return new ImageReference(Domain, Path, Tag, digest);
    }

    /// <summary>Returns the reference with the <c>latest</c> tag added when it has neither tag nor digest (Docker's <c>TagNameOnly</c>).</summary>
    /// <returns>This reference, or the tagged one.</returns>
    public ImageReference WithDefaultTag() => IsNameOnly ? new ImageReference(Domain, Path, DefaultTag, null) : this;

    /// <summary>Returns the repository alone, without tag or digest (Docker's <c>TrimNamed</c>).</summary>
    /// <returns>The name-only reference.</returns>
    public ImageReference WithoutTagOrDigest() => IsNameOnly ? this : new ImageReference(Domain, Path, null, null);

    /// <summary>The full normalized form, <c>docker.io/library/ubuntu:14.04</c>.</summary>
    /// <returns>The reference string.</returns>
    public override string ToString() => _string ??= Format(Name);

    /// <summary>The form Docker shows, <c>ubuntu:14.04</c> (<see cref="FamiliarName"/> with tag and digest).</summary>
    /// <returns>The familiar reference string.</returns>
    public string FamiliarString() => Format(FamiliarName);

    /// <inheritdoc/>
    public bool Equals(ImageReference? other) =>
        other is not null
        && string.Equals(Domain, other.Domain, StringComparison.Ordinal)
        && string.Equals(Path, other.Path, StringComparison.Ordinal)
        && string.Equals(Tag, other.Tag, StringComparison.Ordinal)
        && Nullable.Equals(Digest, other.Digest);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ImageReference);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(
        StringComparer.Ordinal.GetHashCode(Domain),
        StringComparer.Ordinal.GetHashCode(Path),
        Tag is null ? 0 : StringComparer.Ordinal.GetHashCode(Tag),
        Digest);

    /// <summary>Equality of every part.</summary>
    /// <param name="left">A reference.</param>
    /// <param name="right">Another.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(ImageReference? left, ImageReference? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Inequality.</summary>
    /// <param name="left">A reference.</param>
    /// <param name="right">Another.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(ImageReference? left, ImageReference? right) => !(left == right);

    private string Format(string name)
    {
        if (IsNameOnly)
        {
            return name;
        }

        string tagPart = Tag is null ? string.Empty : ":" + Tag;
        string digestPart = Digest is { } d ? "@" + d.Value : string.Empty;
        return string.Concat(name, tagPart, digestPart);
    }

    /// <summary>
    /// Docker's <c>splitDockerDomain</c>: the first component is a registry only when it contains '.' or ':' or
    /// is <c>localhost</c>; otherwise the name is on <c>docker.io</c>, under <c>library/</c> when it has one component.
    /// </summary>
    private static (string Domain, string Remainder) SplitDockerDomain(string name)
    {
        int slash = name.IndexOf('/');
        string domain;
        string remainder;
        if (slash < 0 || (name.AsSpan(0, slash).IndexOfAny('.', ':') < 0 && !name.AsSpan(0, slash).SequenceEqual("localhost")))
        {
            domain = DefaultDomain;
            remainder = name;
        }
        else
        {
            domain = name[..slash];
            remainder = name[(slash + 1)..];
        }

        if (domain == LegacyDefaultDomain)
        {
            domain = DefaultDomain;
        }

        if (domain == DefaultDomain && !remainder.Contains('/', StringComparison.Ordinal))
        {
            remainder = OfficialRepositoryNamespace + "/" + remainder;
        }

        return (domain, remainder);
    }

    /// <summary>
    /// Checks a digest that already matches the grammar the way go-digest's <c>Validate</c> does, in its order:
    /// unknown algorithm, then length, then lowercase hex.
    /// </summary>
    private static bool TryParseReferenceDigest(ReadOnlySpan<char> text, out Digest digest, [NotNullWhen(false)] out string? reason)
    {
        digest = default;
        int colon = text.IndexOf(':');
        ReadOnlySpan<char> algorithm = text[..colon];
        ReadOnlySpan<char> encoded = text[(colon + 1)..];
        int expectedLength = algorithm switch
        {
            "sha256" => 64,
            "sha512" => 128,
            _ => -1,
        };
        if (expectedLength < 0)
        {
            // go-digest calls an unknown algorithm with uppercase letters a format error, not an unsupported one.
            reason = algorithm.ContainsAnyInRange('A', 'Z') ? ReferenceGrammar.ErrDigestInvalidFormat : ReferenceGrammar.ErrDigestUnsupported;
            return false;
        }

        if (encoded.Length != expectedLength)
        {
            reason = ReferenceGrammar.ErrDigestInvalidLength;
            return false;
        }

        if (!Digests.Digest.TryParse(text.ToString(), out digest))
        {
            reason = ReferenceGrammar.ErrDigestInvalidFormat;
            return false;
        }

        reason = null;
        return true;
    }
}
