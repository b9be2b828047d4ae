namespace ImageFormat.Archives.Writers;

/// <summary>The archive dialects the writer produces (Docker image specification v1.2 and moby <c>image/tarexport</c> at v20.10.x for Docker's, OCI image-spec <c>image-layout.md</c> for the OCI ones).</summary>
public enum ArchiveFormat
{
    /// <summary>
    /// What Docker Engine 25+ <c>docker save</c> writes: an OCI image layout plus <c>manifest.json</c> and
    /// <c>repositories</c>, so both Docker (20.10 reads <c>manifest.json</c>) and OCI tools load it. Layers are stored as given.
    /// </summary>
    Docker,

    /// <summary>Docker image specification v1.2 as Engine 20.10 writes it: <c>&lt;v1id&gt;/layer.tar</c> directories, uncompressed layers.</summary>
    Legacy,

    /// <summary>An OCI image layout in a tar file (<c>oci-archive:</c>), without Docker's files.</summary>
    OciArchive,

    /// <summary>An OCI image layout written into a directory (<c>oci:</c>).</summary>
    OciLayout,
}
