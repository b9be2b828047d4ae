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

    /// <summary>
    /// A file an OCI layout directory names (a blob, <c>index.json</c>, <c>oci-layout</c>) is not a regular file: a FIFO,
    /// device, socket or directory. It is never opened for reading (a FIFO would block, a device never end).
    /// </summary>
    public const string NotRegularFile = "IMGFMT0100";

    /// <summary>The local image store is in use by another process and its lock could not be taken in time.</summary>
    public const string StoreLocked = "IMGFMT0040";

    /// <summary>The local image store's records are damaged or inconsistent (a record names a missing blob, ...).</summary>
    public const string StoreCorrupt = "IMGFMT0041";

    /// <summary>A <c>commit</c> or <c>import</c> change (<c>-c</c>) is not a Dockerfile instruction Docker accepts there, or is malformed.</summary>
    public const string StoreInvalidChange = "IMGFMT0042";

    /// <summary>A container name does not match Docker's pattern <c>[a-zA-Z0-9][a-zA-Z0-9_.-]+</c>.</summary>
    public const string StoreInvalidName = "IMGFMT0043";

    /// <summary>
    /// The operating system refused an I/O operation (a missing file, a permission, a full disk). The library
    /// lets <see cref="IOException"/> through; <c>imagefmt</c> reports it with this code.
    /// </summary>
    public const string IoFailure = "IMGFMT0140";

    /// <summary>A command-line argument or option is invalid (<c>imagefmt</c> exits with 2).</summary>
    public const string InvalidArgument = "IMGFMT0141";

    /// <summary>
    /// An unexpected failure, which is a bug in ImageFormat: <c>imagefmt</c> reports it in one line with this code
    /// (exit code 70) instead of a stack trace.
    /// </summary>
    public const string InternalError = "IMGFMT0142";

    /// <summary>An image-only operation (extract, files, cat, inspect, load, ...) was given an artifact: a signature, attestation, SBOM, Helm chart or other OCI artifact.</summary>
    public const string NotAnImage = "IMGFMT0160";

    /// <summary>The output format cannot hold artifacts (the legacy <c>docker save</c> format holds images only).</summary>
    public const string ArtifactsNotWritable = "IMGFMT0161";

    /// <summary>
    /// A directory tree changed while it was being read: an entry listed as one thing was something else (for
    /// example a symbolic link) when it was opened. Nothing is followed; read it again once it is left alone.
    /// </summary>
    public const string TreeChanged = "IMGFMT0120";

    /// <summary>A directory is its own ancestor (only a bind mount can do that); the walk stops instead of looping.</summary>
    public const string TreeLoop = "IMGFMT0121";

    /// <summary>Removing a tree met a directory on another file system (a mount point) and refused to empty it.</summary>
    public const string TreeCrossesMount = "IMGFMT0122";

    /// <summary><c>create</c> of an image that has neither an entrypoint nor a command, with none given (Docker's <c>No command specified</c>).</summary>
    public const string StoreNoCommand = "IMGFMT0180";

    /// <summary>A <c>--filter</c> of <c>images</c> or <c>image prune</c> names a filter the command does not take, or has a value Docker refuses.</summary>
    public const string StoreInvalidFilter = "IMGFMT0181";

    /// <summary>A <c>--format</c> Go template cannot be parsed or names a placeholder or function the listing does not have.</summary>
    public const string StoreInvalidTemplate = "IMGFMT0182";

    /// <summary>A registry answered a request with an error (its status, and the distribution error code and message it sent).</summary>
    public const string RegistryError = "IMGFMT0300";

    /// <summary>A registry refused the credentials given, or asked for credentials when none were available.</summary>
    public const string RegistryUnauthorized = "IMGFMT0301";

    /// <summary>A registry could not be reached, or kept failing (connection refused or dropped, 429, 5xx) after every retry.</summary>
    public const string RegistryUnavailable = "IMGFMT0302";

    /// <summary>A registry's TLS certificate is not trusted (name a CA, or turn verification off for that registry).</summary>
    public const string RegistryTlsFailure = "IMGFMT0303";

    /// <summary>A registry's response breaks the OCI Distribution Specification (a missing <c>Location</c>, malformed JSON, a digest header that disagrees with the content).</summary>
    public const string RegistryProtocolError = "IMGFMT0304";

    /// <summary>A <c>docker-credential-*</c> helper failed or answered something that is not the helper protocol.</summary>
    public const string CredentialHelperFailed = "IMGFMT0305";

    /// <summary>An index has no manifest for the platform asked for.</summary>
    public const string PlatformNotFound = "IMGFMT0306";

    /// <summary>The Docker client configuration file (<c>~/.docker/config.json</c>) is malformed.</summary>
    public const string DockerConfigInvalid = "IMGFMT0307";

    /// <summary>A registry has no such manifest, blob or repository (404 with <c>MANIFEST_UNKNOWN</c>, <c>BLOB_UNKNOWN</c>, <c>NAME_UNKNOWN</c>).</summary>
    public const string RegistryNotFound = "IMGFMT0308";

    /// <summary>An image location (<c>docker://</c>, <c>docker-archive:</c>, <c>oci-archive:</c>, <c>oci:</c>, <c>store:</c>) names no known transport or lacks its path or reference.</summary>
    public const string InvalidImageLocation = "IMGFMT0309";

    /// <summary>A transport cannot do what a copy asks of it (every platform of an index into a docker archive or the store, recompressed layers into the store).</summary>
    public const string TransportUnsupported = "IMGFMT0310";

    /// <summary>A registry's list of referrers (the referrers API's answer, or the index under the referrers tag schema's tag) is not an OCI index.</summary>
    public const string ReferrersListInvalid = "IMGFMT0311";
}
