using ImageFormat.Containment;
using ImageFormat.Tar;

namespace ImageFormat.Layers;

/// <summary>
/// The resolver's adapter for the merged tree of an image, in memory: a node is a tree node; a node without an entry
/// (a directory implied by deeper paths) is a directory.
/// </summary>
internal sealed class MergedTreeAdapter : IFileSystemAdapter<MergedTree.Node>
{
    /// <inheritdoc/>
    public NodeKind Lookup(MergedTree.Node directory, string name, out MergedTree.Node node, out string? linkTarget)
    {
        linkTarget = null;
        if (directory.Children is null || !directory.Children.TryGetValue(name, out MergedTree.Node? child))
        {
            node = null!;
            return NodeKind.Missing;
        }

        node = child;
        switch (child.Entry?.Type)
        {
            case null or TarEntryKind.Directory:
                return NodeKind.Directory;
            case TarEntryKind.SymbolicLink:
                linkTarget = child.Entry.Header.LinkName;
                return NodeKind.Symlink;
            default:
                return NodeKind.Other;
        }
    }

    /// <inheritdoc/>
    public void Release(MergedTree.Node node)
    {
    }
}
