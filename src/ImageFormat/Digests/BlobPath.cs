namespace ImageFormat.Digests;

/// <summary>
/// The one place that names a blob by its digest: <c>blobs/&lt;algorithm&gt;/&lt;hex&gt;</c>, as the OCI image layout
/// (image-spec <c>image-layout.md</c>, "Blobs") and the local store lay blobs out.
/// </summary>
internal static class BlobPath
{
    /// <summary>The directory that holds the blobs.</summary>
    public const string Directory = "blobs";

    /// <summary>The relative path with <c>/</c> separators: <c>blobs/sha256/&lt;hex&gt;</c>.</summary>
    public static string Of(Digest digest) => $"{Directory}/{digest.Algorithm.Name()}/{digest.Encoded}";

    /// <summary>The file of <paramref name="digest"/> below <paramref name="root"/>, the directory that holds
    /// <c>blobs/</c>.</summary>
    public static string Under(string root, Digest digest) =>
        Path.Combine(root, Directory, digest.Algorithm.Name(), digest.Encoded);

    /// <summary>The digest a path of the form <c>blobs/&lt;algorithm&gt;/&lt;hex&gt;</c> names, if it is one.</summary>
    public static bool TryParse(string path, out Digest digest)
    {
        string[] parts = path.Split('/');
        if (parts.Length == 3 && parts[0] == Directory && Digest.TryParse($"{parts[1]}:{parts[2]}", out digest))
        {
            return true;
        }

        digest = default;
        return false;
    }
}
