namespace ImageFormat.Build;

/// <summary>
/// The stable codes of the MSBuild errors the <see cref="BuildContainerImage"/> task reports (range
/// <c>IMGFMT0400</c>–<c>IMGFMT0419</c>). A code never changes meaning once published.
/// </summary>
public static class BuildErrorCodes
{
    /// <summary><c>ContainerBaseImage</c> names a file or directory that does not exist.</summary>
    public const string BaseNotFound = "IMGFMT0400";

    /// <summary><c>ContainerBaseImage</c> is not set, or is not a path, <c>oci:DIR</c> or <c>store:REF</c>.</summary>
    public const string BaseNotGiven = "IMGFMT0401";

    /// <summary>The base holds no image for the platform the project publishes for.</summary>
    public const string PlatformNotInBase = "IMGFMT0402";

    /// <summary><c>ContainerRepository</c> or a tag is not a valid Docker reference.</summary>
    public const string InvalidTag = "IMGFMT0403";

    /// <summary>The base holds several different images for the platform, so which one to use is not known.</summary>
    public const string AmbiguousBase = "IMGFMT0404";

    /// <summary>The base cannot be read: it is damaged or not an image (the library's own code is in the message).</summary>
    public const string BaseUnreadable = "IMGFMT0405";

    /// <summary>The archive, layout or a temporary file cannot be written.</summary>
    public const string OutputFailed = "IMGFMT0406";

    /// <summary>A property or item (port, environment variable, label, working directory, runtime identifier) is invalid.</summary>
    public const string InvalidProperty = "IMGFMT0407";

    /// <summary>The image cannot be loaded into the local store.</summary>
    public const string StoreFailed = "IMGFMT0408";

    /// <summary>The build was cancelled.</summary>
    public const string Cancelled = "IMGFMT0409";

    /// <summary>A file of the publish output cannot be read.</summary>
    public const string PublishFileUnreadable = "IMGFMT0410";

    /// <summary>Neither an archive path nor loading into the store was asked for: there is nothing to produce.</summary>
    public const string NoOutput = "IMGFMT0411";

    /// <summary>An unexpected failure, which is a bug.</summary>
    public const string InternalError = "IMGFMT0419";
}

/// <summary>A failure the task reports as one MSBuild error: a stable code and a message saying what to change.</summary>
public sealed class ContainerBuildException : Exception
{
    /// <summary>Creates the failure.</summary>
    /// <param name="code">One of <see cref="BuildErrorCodes"/>.</param>
    /// <param name="message">What went wrong and what to change.</param>
    /// <param name="inner">The underlying failure, if any.</param>
    public ContainerBuildException(string code, string message, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
    }

    /// <summary>Creates a failure with the internal-error code (for serialisers and analyzers).</summary>
    public ContainerBuildException()
        : this(BuildErrorCodes.InternalError, "container build failed")
    {
    }

    /// <summary>Creates a failure with the internal-error code.</summary>
    /// <param name="message">The message.</param>
    public ContainerBuildException(string message)
        : this(BuildErrorCodes.InternalError, message)
    {
    }

    /// <summary>Creates a failure with the internal-error code.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ContainerBuildException(string message, Exception innerException)
        : this(BuildErrorCodes.InternalError, message, innerException)
    {
    }

    /// <summary>The stable code, one of <see cref="BuildErrorCodes"/>.</summary>
    public string Code { get; }
}
