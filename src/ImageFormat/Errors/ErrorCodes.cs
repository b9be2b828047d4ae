namespace ImageFormat.Errors;

/// <summary>
/// The stable codes carried by every <see cref="ImageFormatException"/>. A code never changes meaning once
/// published; new kinds of failure get new codes. Tests keep the codes unique.
/// </summary>
public static class ErrorCodes
{
    /// <summary>A string is not a valid digest (<c>algorithm:hex</c>).</summary>
    public const string InvalidDigest = "IMGFMT0001";

    /// <summary>Content does not hash to the digest that names it.</summary>
    public const string DigestMismatch = "IMGFMT0002";

    /// <summary>Content is longer or shorter than the size its descriptor declares.</summary>
    public const string SizeMismatch = "IMGFMT0003";

    /// <summary>A string is not a valid image reference.</summary>
    public const string InvalidReference = "IMGFMT0004";

    /// <summary>A JSON document (manifest, index, config, ...) is malformed or breaks its schema.</summary>
    public const string InvalidDocument = "IMGFMT0005";

    /// <summary>Input exceeds a configured safety limit (document size, nesting depth, header size, ...).</summary>
    public const string LimitExceeded = "IMGFMT0006";

    /// <summary>An image archive or layout is structurally invalid (missing entries, bad paths, ...).</summary>
    public const string InvalidArchive = "IMGFMT0007";

    /// <summary>A tar stream is malformed or truncated.</summary>
    public const string InvalidTar = "IMGFMT0008";

    /// <summary>A compression format is recognised but not supported, or a compressed stream is corrupt.</summary>
    public const string UnsupportedFormat = "IMGFMT0009";

    /// <summary>An image, reference, blob, layer or container does not exist.</summary>
    public const string NotFound = "IMGFMT0010";

    /// <summary>A name or short ID matches more than one object.</summary>
    public const string Ambiguous = "IMGFMT0011";

    /// <summary>An operation conflicts with the state of the image store (Docker's <c>conflict:</c> errors).</summary>
    public const string Conflict = "IMGFMT0012";

    /// <summary>A path in a layer or archive would escape its root, or is otherwise unsafe to use.</summary>
    public const string UnsafePath = "IMGFMT0013";

    /// <summary>A layer's content is invalid (bad whiteout, hardlink to a directory, ...).</summary>
    public const string InvalidLayer = "IMGFMT0014";

    /// <summary>The local image store is in use by another process and its lock could not be taken in time.</summary>
    public const string StoreLocked = "IMGFMT0040";

    /// <summary>The local image store's records are damaged or inconsistent (a record names a missing blob, ...).</summary>
    public const string StoreCorrupt = "IMGFMT0041";

    /// <summary>A <c>commit</c> or <c>import</c> change (<c>-c</c>) is not a Dockerfile instruction Docker accepts there, or is malformed.</summary>
    public const string StoreInvalidChange = "IMGFMT0042";

    /// <summary>A container name does not match Docker's pattern <c>[a-zA-Z0-9][a-zA-Z0-9_.-]+</c>.</summary>
    public const string StoreInvalidName = "IMGFMT0043";

    /// <summary><c>create</c> of an image that has neither an entrypoint nor a command, with none given (Docker's <c>No command specified</c>).</summary>
    public const string StoreNoCommand = "IMGFMT0180";

    /// <summary>A <c>--filter</c> of <c>images</c> or <c>image prune</c> names a filter the command does not take, or has a value Docker refuses.</summary>
    public const string StoreInvalidFilter = "IMGFMT0181";

    /// <summary>A <c>--format</c> Go template cannot be parsed or names a placeholder or function the listing does not have.</summary>
    public const string StoreInvalidTemplate = "IMGFMT0182";
}
