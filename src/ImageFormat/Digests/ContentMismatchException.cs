using System.Globalization;
using ImageFormat.Errors;

namespace ImageFormat.Digests;

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
    public DigestMismatchException(string subject, Digest expected, Digest actual)
        : base(ErrorCodes.DigestMismatch, subject, $"{subject}: digest mismatch: expected {expected}, found {actual}")
    {
        Expected = expected;
        Actual = actual;
    }

    /// <summary>The digest the content should have.</summary>
    public Digest Expected { get; }

    /// <summary>The digest of the content read.</summary>
    public Digest Actual { get; }
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
