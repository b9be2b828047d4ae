namespace ImageFormat.Archives;

/// <summary>Which structures an archive carries; real archives combine them: Docker's <c>manifest.json</c> (Docker image specification v1.2, moby <c>image/tarexport</c> at v20.10.x), the per-layer directories of the legacy layout, and the OCI image layout (OCI image-spec <c>image-layout.md</c>).</summary>
[Flags]
public enum ArchiveDialect
{
    /// <summary>None recognised.</summary>
    None = 0,

    /// <summary>A Docker <c>manifest.json</c> (docker save, skopeo/podman docker-archive, crane, jib, containerd export).</summary>
    DockerManifest = 1,

    /// <summary>An OCI image layout (<c>oci-layout</c>, <c>index.json</c>, <c>blobs/</c>).</summary>
    OciLayout = 2,

    /// <summary>A legacy <c>repositories</c> file.</summary>
    Repositories = 4,

    /// <summary>Legacy v1 layer directories (<c>&lt;v1id&gt;/layer.tar</c>, <c>VERSION</c>, <c>json</c>).</summary>
    LegacyLayerDirectories = 8,
}
