using System.Globalization;

namespace ImageFormat.Errors;

/// <summary>
/// The base of every exception ImageFormat throws for bad data or a failed operation. Each instance carries a
/// stable <see cref="Code"/> (see <see cref="ErrorCodes"/>); the message says what was wrong, where, what was
/// expected and what was found. Argument errors made by the caller are reported with the usual
/// <see cref="ArgumentException"/> family instead.
/// </summary>
public class ImageFormatException : Exception
{
    /// <summary>Creates an exception with a code and a message.</summary>
    /// <param name="code">A code from <see cref="ErrorCodes"/>.</param>
    /// <param name="message">What was wrong, where, what was expected and what was found.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public ImageFormatException(string code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ArgumentException.ThrowIfNullOrEmpty(code);
        Code = code;
    }

    /// <summary>The stable error code, such as <c>IMGFMT0002</c>.</summary>
    public string Code { get; }

    /// <summary>Returns <c>CODE: message</c> followed by the usual exception details.</summary>
    public override string ToString() => $"{Code}: {base.ToString()}";
}

/// <summary>A string is not a valid digest. Code <see cref="ErrorCodes.InvalidDigest"/>.</summary>
public sealed class InvalidDigestException : ImageFormatException
{
    /// <summary>Creates the exception for <paramref name="input"/> and the reason it was refused.</summary>
    /// <param name="input">The refused text (truncated for display when long).</param>
    /// <param name="reason">Why it is not a digest.</param>
    public InvalidDigestException(string input, string reason)
        : base(ErrorCodes.InvalidDigest, $"invalid digest \"{Truncate(input)}\": {reason}")
    {
        Input = input;
        Reason = reason;
    }

    /// <summary>The text that was refused.</summary>
    public string Input { get; }

    /// <summary>Why it is not a digest.</summary>
    public string Reason { get; }

    internal static string Truncate(string s) => s.Length <= 160 ? s : string.Concat(s.AsSpan(0, 157), "...");
}

/// <summary>
/// Content does not match the digest or the size that names it: the base of <see cref="DigestMismatchException"/>
/// (code <see cref="ErrorCodes.DigestMismatch"/>) and <see cref="SizeMismatchException"/> (code
/// <see cref="ErrorCodes.SizeMismatch"/>). Catch this type to handle any damaged content.
/// </summary>
public abstract class ContentMismatchException : ImageFormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="code">The code of the concrete type.</param>
    /// <param name="subject">Where the content came from (an entry name, a blob path, a layer index).</param>
    /// <param name="message">The message.</param>
    private protected ContentMismatchException(string code, string subject, string message)
        : base(code, message)
    {
        Subject = subject;
    }

    /// <summary>Where the content came from.</summary>
    public string Subject { get; }
}

/// <summary>Content does not hash to the digest that names it. Code <see cref="ErrorCodes.DigestMismatch"/>.</summary>
public sealed class DigestMismatchException : ContentMismatchException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="subject">Where the content came from (an entry name, a blob path, a layer index).</param>
    /// <param name="expected">The digest the content should have.</param>
    /// <param name="actual">The digest of the content read.</param>
    public DigestMismatchException(string subject, Digests.Digest expected, Digests.Digest actual)
        : base(ErrorCodes.DigestMismatch, subject, $"{subject}: digest mismatch: expected {expected}, found {actual}")
    {
        Expected = expected;
        Actual = actual;
    }

    /// <summary>The digest the content should have.</summary>
    public Digests.Digest Expected { get; }

    /// <summary>The digest of the content read.</summary>
    public Digests.Digest Actual { get; }
}

/// <summary>Content is shorter or longer than the size that describes it. Code <see cref="ErrorCodes.SizeMismatch"/>.</summary>
public sealed class SizeMismatchException : ContentMismatchException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="subject">Where the content came from (an entry name, a blob path, a layer index).</param>
    /// <param name="expected">The size in bytes the content should have.</param>
    /// <param name="actual">The size in bytes read, or <see langword="null"/> when the content went on past
    /// <paramref name="expected"/> and was not read to its end.</param>
    public SizeMismatchException(string subject, long expected, long? actual)
        : base(ErrorCodes.SizeMismatch, subject, actual is { } found
            ? string.Create(CultureInfo.InvariantCulture, $"{subject}: size mismatch: expected {expected} bytes, found {found}")
            : string.Create(CultureInfo.InvariantCulture, $"{subject}: size mismatch: expected {expected} bytes, found more than {expected}"))
    {
        Expected = expected;
        Actual = actual;
    }

    /// <summary>The size in bytes the content should have.</summary>
    public long Expected { get; }

    /// <summary>The size in bytes read; <see langword="null"/> when the content is longer than
    /// <see cref="Expected"/> and was not read to its end.</summary>
    public long? Actual { get; }
}

/// <summary>A string is not a valid image reference. Code <see cref="ErrorCodes.InvalidReference"/>.</summary>
public sealed class InvalidReferenceException : ImageFormatException
{
    /// <summary>Creates the exception for <paramref name="input"/> and the reason it was refused.</summary>
    /// <param name="input">The refused reference.</param>
    /// <param name="reason">Why it is not a reference.</param>
    public InvalidReferenceException(string input, string reason)
        : base(ErrorCodes.InvalidReference, $"invalid reference format \"{InvalidDigestException.Truncate(input)}\": {reason}")
    {
        Input = input;
        Reason = reason;
    }

    /// <summary>The text that was refused.</summary>
    public string Input { get; }

    /// <summary>Why it is not a reference.</summary>
    public string Reason { get; }
}

/// <summary>
/// A JSON document is malformed or breaks its schema. Code <see cref="ErrorCodes.InvalidDocument"/>.
/// </summary>
public sealed class InvalidDocumentException : ImageFormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="subject">Which document (an entry name, a digest, a kind of document).</param>
    /// <param name="reason">What is wrong with it.</param>
    /// <param name="innerException">The parser's failure, if any.</param>
    public InvalidDocumentException(string subject, string reason, Exception? innerException = null)
        : base(ErrorCodes.InvalidDocument, $"{subject}: {reason}", innerException)
    {
        Subject = subject;
        Reason = reason;
    }

    /// <summary>Which document.</summary>
    public string Subject { get; }

    /// <summary>What is wrong with it.</summary>
    public string Reason { get; }
}

/// <summary>
/// Input exceeds a safety limit. Code <see cref="ErrorCodes.LimitExceeded"/>. The message names the limit and
/// how to raise it: the <c>ImageFormatLimits</c> property, or <c>imagefmt --limit NAME=VALUE</c>.
/// </summary>
public sealed class LimitExceededException : ImageFormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="subject">What exceeded the limit (an entry name, a document).</param>
    /// <param name="limit">The name of the limit, as in <c>ImageFormatLimits</c>.</param>
    /// <param name="maximum">The limit's value.</param>
    /// <param name="found">The value found, or a lower bound of it.</param>
    public LimitExceededException(string subject, string limit, long maximum, long found)
        : base(ErrorCodes.LimitExceeded, $"{subject}: {limit} exceeded: at most {maximum} allowed, found {found}; if the input is trusted, raise ImageFormatLimits.{limit} (imagefmt --limit {limit}=VALUE)")
    {
        Subject = subject;
        Limit = limit;
        Maximum = maximum;
        Found = found;
    }

    /// <summary>What exceeded the limit.</summary>
    public string Subject { get; }

    /// <summary>The limit's name.</summary>
    public string Limit { get; }

    /// <summary>The limit's value.</summary>
    public long Maximum { get; }

    /// <summary>The value found (or a lower bound of it, when reading stopped at the limit).</summary>
    public long Found { get; }
}

/// <summary>
/// An image archive, layout or tar stream is structurally invalid. Code <see cref="ErrorCodes.InvalidArchive"/>,
/// <see cref="ErrorCodes.InvalidTar"/> or <see cref="ErrorCodes.UnsupportedFormat"/>.
/// </summary>
public sealed class InvalidArchiveException : ImageFormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="code">One of the archive codes.</param>
    /// <param name="entry">The entry concerned, or <see langword="null"/> for the archive as a whole.</param>
    /// <param name="reason">What is wrong.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public InvalidArchiveException(string code, string? entry, string reason, Exception? innerException = null)
        : base(code, entry is null ? reason : $"{entry}: {reason}", innerException)
    {
        Entry = entry;
        Reason = reason;
    }

    /// <summary>Creates an <see cref="ErrorCodes.InvalidArchive"/> exception.</summary>
    /// <param name="entry">The entry concerned, or <see langword="null"/>.</param>
    /// <param name="reason">What is wrong.</param>
    public InvalidArchiveException(string? entry, string reason)
        : this(ErrorCodes.InvalidArchive, entry, reason)
    {
    }

    /// <summary>The entry concerned, or <see langword="null"/> for the archive as a whole.</summary>
    public string? Entry { get; }

    /// <summary>What is wrong.</summary>
    public string Reason { get; }
}

/// <summary>
/// A path would escape its root or is otherwise unsafe, or a layer's content is invalid.
/// Code <see cref="ErrorCodes.UnsafePath"/> or <see cref="ErrorCodes.InvalidLayer"/>.
/// </summary>
public sealed class InvalidLayerException : ImageFormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="code"><see cref="ErrorCodes.UnsafePath"/> or <see cref="ErrorCodes.InvalidLayer"/>.</param>
    /// <param name="layer">Which layer (a digest or index), or <see langword="null"/>.</param>
    /// <param name="entry">The entry name as written in the layer.</param>
    /// <param name="reason">What is wrong.</param>
    public InvalidLayerException(string code, string? layer, string entry, string reason)
        : base(code, layer is null ? $"{entry}: {reason}" : $"layer {layer}: {entry}: {reason}")
    {
        Layer = layer;
        Entry = entry;
        Reason = reason;
    }

    /// <summary>Which layer, or <see langword="null"/>.</summary>
    public string? Layer { get; }

    /// <summary>The entry name as written in the layer.</summary>
    public string Entry { get; }

    /// <summary>What is wrong.</summary>
    public string Reason { get; }
}

/// <summary>An image, reference, blob or container does not exist. Code <see cref="ErrorCodes.NotFound"/>.</summary>
public sealed class NotFoundException : ImageFormatException
{
    /// <summary>Creates the exception with a complete message (Docker's wording where Docker has one).</summary>
    /// <param name="name">What was looked for.</param>
    /// <param name="message">The message, such as <c>No such image: busybox:latest</c>.</param>
    public NotFoundException(string name, string message)
        : base(ErrorCodes.NotFound, message)
    {
        Name = name;
    }

    /// <summary>What was looked for.</summary>
    public string Name { get; }
}

/// <summary>A name or short ID matches more than one object. Code <see cref="ErrorCodes.Ambiguous"/>.</summary>
public sealed class AmbiguousNameException : ImageFormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="name">The ambiguous name.</param>
    /// <param name="candidates">What it matches.</param>
    public AmbiguousNameException(string name, IReadOnlyList<string> candidates)
        : base(ErrorCodes.Ambiguous, $"\"{name}\" is ambiguous: it matches {string.Join(", ", candidates)}")
    {
        Name = name;
        Candidates = candidates;
    }

    /// <summary>The ambiguous name.</summary>
    public string Name { get; }

    /// <summary>What it matches.</summary>
    public IReadOnlyList<string> Candidates { get; }
}

/// <summary>
/// An operation conflicts with the state of the store, as Docker's <c>conflict:</c> errors do.
/// Code <see cref="ErrorCodes.Conflict"/>.
/// </summary>
public sealed class ConflictException : ImageFormatException
{
    /// <summary>Creates the exception with Docker's complete message.</summary>
    /// <param name="message">Such as <c>conflict: unable to delete 0f52b47507b6 (must be forced) - ...</c>.</param>
    /// <param name="canBeForced">Whether <c>-f</c> would have overridden it (a soft conflict).</param>
    public ConflictException(string message, bool canBeForced)
        : base(ErrorCodes.Conflict, message)
    {
        CanBeForced = canBeForced;
    }

    /// <summary>Whether forcing would override this conflict (Docker's soft conflicts).</summary>
    public bool CanBeForced { get; }
}

/// <summary>
/// An operation that needs an image was given an artifact (a signature, attestation, SBOM, Helm chart or other
/// OCI artifact). Code <see cref="ErrorCodes.NotAnImage"/>.
/// </summary>
public sealed class NotAnImageException : ImageFormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="digest">The artifact's manifest digest.</param>
    /// <param name="kind">What it is in words, such as <c>Helm chart</c>.</param>
    /// <param name="artifactType">What it is as a media type.</param>
    public NotAnImageException(string digest, string kind, string artifactType)
        : base(ErrorCodes.NotAnImage, $"{digest} is {Article(kind)} {kind} ({artifactType}), not an image")
    {
        Digest = digest;
        Kind = kind;
        ArtifactType = artifactType;
    }

    /// <summary>The artifact's manifest digest.</summary>
    public string Digest { get; }

    /// <summary>What it is in words.</summary>
    public string Kind { get; }

    /// <summary>What it is as a media type.</summary>
    public string ArtifactType { get; }

    /// <summary>"a" or "an" before a kind as it is spoken (<c>an SBOM</c>, <c>an OCI artifact</c>, <c>a Helm chart</c>).</summary>
    internal static string Article(string kind) =>
        kind.Length > 0 && ("AEIOUaeiou".Contains(kind[0], StringComparison.Ordinal) || kind.StartsWith("SBOM", StringComparison.Ordinal)) ? "an" : "a";
}
