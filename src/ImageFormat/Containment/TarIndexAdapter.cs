using ImageFormat.Tar;

namespace ImageFormat.Containment;

/// <summary>
/// The resolver's adapter for the index of a tar archive: a node is a clean name ("" for the root). A name the index
/// lacks is taken as an implicit directory (archives often omit directory entries), so a missing file shows up when
/// the caller looks the final name up.
/// </summary>
/// <param name="lookup">Finds an entry by clean name: its type and link target.</param>
internal sealed class TarIndexAdapter(TarIndexAdapter.Find lookup) : IFileSystemAdapter<string>
{
    /// <summary>Finds an entry by its clean name.</summary>
    public delegate bool Find(string name, out TarEntryKind type, out string linkName);

    /// <inheritdoc/>
    public NodeKind Lookup(string directory, string name, out string node, out string? linkTarget)
    {
        node = directory.Length == 0 ? name : directory + "/" + name;
        linkTarget = null;
        if (!lookup(node, out TarEntryKind type, out string linkName))
        {
            return NodeKind.Directory;
        }

        switch (type)
        {
            case TarEntryKind.SymbolicLink:
                linkTarget = linkName;
                return NodeKind.Symlink;
            case TarEntryKind.Directory:
                return NodeKind.Directory;
            default:
                return NodeKind.Other;
        }
    }

    /// <inheritdoc/>
    public void Release(string node)
    {
    }
}
