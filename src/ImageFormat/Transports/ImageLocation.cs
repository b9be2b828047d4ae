using ImageFormat.Errors;
using ImageFormat.References;

namespace ImageFormat.Transports;

/// <summary>
/// An image's place, parsed from skopeo's transport syntax: <c>docker://HOST/REPO:TAG|@DIGEST</c>,
/// <c>docker-archive:PATH[:REF]</c>, <c>oci-archive:PATH[:REF]</c>, <c>oci:DIR[:REF]</c>, and <c>store:REF</c> for the
/// local store. As in skopeo, the path of the file transports ends at its first <c>:</c>; what follows is the reference:
/// a Docker tag for <c>docker-archive:</c>, and for <c>oci:</c> and <c>oci-archive:</c> the raw
/// <c>org.opencontainers.image.ref.name</c> (<c>oci:out:v1.0</c> names the image <c>v1.0</c>, not
/// <c>docker.io/library/v1.0:latest</c>), checked against the OCI grammar for ref names as skopeo checks it.
/// </summary>
public sealed record ImageLocation
{
    private const string DockerPrefix = "docker://";

    private ImageLocation(string text, ImageTransport transport, string? path, string? reference, ImageReference? registryReference)
    {
        Text = text;
        Transport = transport;
        Path = path;
        Reference = reference;
        RegistryReference = registryReference;
    }

    /// <summary>The location as written.</summary>
    public string Text { get; }

    /// <summary>The transport.</summary>
    public ImageTransport Transport { get; }

    /// <summary>The file or directory of <see cref="ImageTransport.DockerArchive"/>, <see cref="ImageTransport.OciArchive"/> and <see cref="ImageTransport.Oci"/>; otherwise <see langword="null"/>.</summary>
    public string? Path { get; }

    /// <summary>
    /// The reference part: the name of an image in an archive or layout (a tag or an OCI ref name), the store's image
    /// name or ID, the registry reference as written; <see langword="null"/> when the location names none.
    /// </summary>
    public string? Reference { get; }

    /// <summary>The normalized registry reference of <see cref="ImageTransport.Docker"/>; otherwise <see langword="null"/>.</summary>
    public ImageReference? RegistryReference { get; }

    /// <summary>Parses a location.</summary>
    /// <param name="text">Such as <c>docker://localhost:5000/app:v1</c>, <c>oci:out:v1</c> or <c>store:app:v1</c>.</param>
    /// <returns>The location.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is <see langword="null"/>.</exception>
    /// <exception cref="ImageLocationException">
    /// The transport is unknown, the path or reference is missing, a registry reference or a docker-archive's tag is not
    /// a valid reference, or the name of an <c>oci:</c> or <c>oci-archive:</c> location is not an OCI ref name
    /// (<see cref="ErrorCodes.InvalidImageLocation"/>).
    /// </exception>
    public static ImageLocation Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.StartsWith(DockerPrefix, StringComparison.Ordinal))
        {
            string rest = text[DockerPrefix.Length..];
            if (!ImageReference.TryParse(rest, out ImageReference? reference, out string? reason))
            {
                throw Invalid(text, $"not a registry reference: {reason}");
            }

            return new ImageLocation(text, ImageTransport.Docker, null, rest, reference);
        }

        int colon = text.IndexOf(':', StringComparison.Ordinal);
        string name = colon < 0 ? text : text[..colon];
        string value = colon < 0 ? string.Empty : text[(colon + 1)..];
        switch (name)
        {
            case "store":
                if (value.Length == 0)
                {
                    throw Invalid(text, "store: needs an image name or ID (store:REF)");
                }

                return new ImageLocation(text, ImageTransport.Store, null, value, null);
            case "docker-archive" or "oci-archive" or "oci":
                ImageTransport transport = name switch
                {
                    "docker-archive" => ImageTransport.DockerArchive,
                    "oci-archive" => ImageTransport.OciArchive,
                    _ => ImageTransport.Oci,
                };
                int refColon = value.IndexOf(':', StringComparison.Ordinal);
                string path = refColon < 0 ? value : value[..refColon];
                string? reference = refColon < 0 ? null : value[(refColon + 1)..];
                if (path.Length == 0)
                {
                    throw Invalid(text, $"{name}: needs a path ({name}:PATH[:REF])");
                }

                if (reference is { Length: 0 })
                {
                    throw Invalid(text, $"{name}: the reference after the path is empty");
                }

                if (transport != ImageTransport.DockerArchive && reference is not null && !OciRefName.IsValid(reference))
                {
                    throw Invalid(text, $"{name}: \"{reference}\" is not an OCI ref name (letters and digits, joined by one of - . _ : @ + or by --, in components separated by /)");
                }

                if (transport == ImageTransport.DockerArchive && reference is not null
                    && (!ImageReference.TryParse(reference, out ImageReference? tag, out string? tagReason) || tag.Digest is not null))
                {
                    throw Invalid(text, $"docker-archive: the reference must be a tag (NAME[:TAG]): {tagReason ?? "a digest reference"}");
                }

                return new ImageLocation(text, transport, path, reference, null);
            default:
                throw Invalid(text, $"unknown transport \"{name}\"; expected docker://, docker-archive:, oci-archive:, oci: or store:");
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Text;

    private static ImageLocationException Invalid(string text, string message) => new(ErrorCodes.InvalidImageLocation, text, message);
}
