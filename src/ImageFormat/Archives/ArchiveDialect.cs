namespace ImageFormat.Archives;

/// <summary>Which structures an archive carries; real archives combine them (DOMAIN.md §2).</summary>
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
