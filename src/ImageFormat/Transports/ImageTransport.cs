namespace ImageFormat.Transports;

/// <summary>Where an image lives, named as skopeo names its transports (plus <c>store:</c> for the local store).</summary>
public enum ImageTransport
{
    /// <summary>A registry: <c>docker://HOST/REPO:TAG</c> or <c>docker://HOST/REPO@DIGEST</c>.</summary>
    Docker,

    /// <summary>A <c>docker save</c> tar: <c>docker-archive:PATH[:REF]</c>.</summary>
    DockerArchive,

    /// <summary>An OCI image layout in a tar: <c>oci-archive:PATH[:REF]</c>.</summary>
    OciArchive,

    /// <summary>An OCI image layout directory: <c>oci:DIR[:REF]</c>.</summary>
    Oci,

    /// <summary>The local image store: <c>store:REF</c>.</summary>
    Store,
}
