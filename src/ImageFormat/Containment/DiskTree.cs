using Microsoft.Win32.SafeHandles;

namespace ImageFormat.Containment;

/// <summary>
/// Operations on a directory tree on disk that work on descriptors only: opening a root, resolving a path inside it,
/// and removing a subtree without ever following a link.
/// </summary>
internal static class DiskTree
{
    /// <summary>Opens a directory the caller names (trusted: the root itself) as an <c>O_PATH</c> descriptor.</summary>
    /// <exception cref="IOException">It cannot be opened or is not a directory.</exception>
    public static DiskNode OpenRoot(string path)
    {
        int fd = NativeAt.OpenAtOrThrow(NativeAt.AT_FDCWD, path, NativeAt.O_PATH | NativeAt.O_DIRECTORY);
        return new DiskNode(fd, NativeAt.StatAt(fd, string.Empty)!.Value);
    }

    /// <summary>A resolver over the tree whose root is <paramref name="root"/> (the caller keeps owning the root's descriptor).</summary>
    public static PathResolver<DiskNode, DiskAdapter> Resolver(DiskNode root, RootPolicy policy, int maxHops) =>
        new(new DiskAdapter(), root, policy, maxHops);

    /// <summary>
    /// Opens a path that exists entirely, in one system call where the kernel has <c>openat2</c>:
    /// <c>RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV</c> for <see cref="RootPolicy.Clamp"/>,
    /// <c>RESOLVE_BENEATH | ...</c> for <see cref="RootPolicy.Refuse"/>. The kernel then applies the same rules as
    /// <see cref="PathResolver{TNode, TAdapter}"/> for such paths (a test proves they agree); it refuses a path
    /// through a missing directory, which only the resolver handles.
    /// </summary>
    /// <param name="root">The root.</param>
    /// <param name="path">A path relative to the root.</param>
    /// <param name="flags">Open flags (<c>O_NOFOLLOW</c> applies to the last component).</param>
    /// <param name="policy">What happens above the root.</param>
    /// <returns>The descriptor, or -errno; -ENOSYS when the kernel lacks <c>openat2</c> (probed once).</returns>
    public static int OpenInRoot(DiskNode root, string path, int flags, RootPolicy policy)
    {
        if (!NativeAt.HasOpenat2)
        {
            return -NativeAt.ENOSYS;
        }

        ulong resolve = (policy == RootPolicy.Clamp ? NativeAt.RESOLVE_IN_ROOT : NativeAt.RESOLVE_BENEATH)
            | NativeAt.RESOLVE_NO_MAGICLINKS | NativeAt.RESOLVE_NO_XDEV;
        return NativeAt.OpenAt2(root.Fd, path, flags, resolve);
    }

    /// <summary>
    /// Removes <paramref name="relativePath"/> under <paramref name="root"/> and, if it is a directory, everything
    /// in it; the path's parents are resolved inside the root as after <c>chroot</c> (links followed, never outside),
    /// the last component is never followed, and nothing below it is followed either. Missing: nothing happens.
    /// This is the one entry point for "remove this subtree of this root safely".
    /// </summary>
    /// <param name="root">The root directory (trusted host path).</param>
    /// <param name="relativePath">A path relative to the root; must not name the root itself.</param>
    /// <param name="maxHops">Most links followed while resolving the parents.</param>
    /// <param name="maxDepth">The deepest level removed below it (<see cref="ImageFormatLimits.MaxWalkDepth"/>).</param>
    /// <exception cref="ArgumentException">The path names the root.</exception>
    /// <exception cref="IOException">The file system refused an operation, or the path loops.</exception>
    public static void RemoveSubtree(string root, string relativePath, int maxHops = 40, int maxDepth = ImageFormatLimits.DefaultMaxWalkDepth)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        string[] parts = relativePath.Split('/');
        DiskNode rootNode = OpenRoot(root);
        try
        {
            using PathResolver<DiskNode, DiskAdapter> resolver = Resolver(rootNode, RootPolicy.Clamp, maxHops);
            if (resolver.Resolve(parts, followFinal: false) != ResolveStatus.Ok)
            {
                throw new IOException($"{relativePath}: more than {maxHops} symbolic links to follow");
            }

            IReadOnlyList<Frame<DiskNode>> frames = resolver.Frames;
            if (frames.Count == 1)
            {
                throw new ArgumentException("The path names the root itself.", nameof(relativePath));
            }

            Frame<DiskNode> final = frames[^1];
            Frame<DiskNode> parent = frames[^2];
            if (final.Kind != NodeKind.Missing && parent.Kind == NodeKind.Directory)
            {
                RemoveEntry(parent.Node.Fd, final.Name, final.Node.Status, maxDepth);
            }
        }
        finally
        {
            NativeAt.Close(rootNode.Fd);
        }
    }

    /// <summary>
    /// Removes <paramref name="name"/> in the directory <paramref name="parentFd"/>, just stated as
    /// <paramref name="status"/>, with the one subtree removal (<see cref="TreeRemoval.RemoveEntry"/>): no link
    /// followed, no recursion, depth bounded by <paramref name="maxDepth"/>, no other mounted file system entered.
    /// </summary>
    public static void RemoveEntry(int parentFd, string name, FileStatus status, int maxDepth = ImageFormatLimits.DefaultMaxWalkDepth)
    {
        using var parent = new SafeFileHandle(parentFd, ownsHandle: false);
        TreeRemoval.RemoveEntry(parent, DirectoryTree.NameBytes(name), status, name, maxDepth);
    }
}
