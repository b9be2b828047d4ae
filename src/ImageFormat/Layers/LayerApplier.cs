using ImageFormat.Errors;
using ImageFormat.Tar;

namespace ImageFormat.Layers;

/// <summary>Applies the entries of one layer to a root directory; see <see cref="LayerExtractor"/> for the rules.</summary>
internal sealed class LayerApplier
{
    private readonly string _root;
    private readonly string? _layer;
    private readonly LayerExtractResult _result;
    private readonly int _maxHops;
    private readonly bool _chown;

    // Paths this layer wrote (and their ancestors): what an opaque whiteout keeps.
    private readonly HashSet<string> _unpacked = new(StringComparer.Ordinal);
    private readonly List<(string Host, TarEntryHeader Header)> _directories = [];

    public LayerApplier(string root, string? layer, LayerExtractOptions options, ImageFormatLimits limits, LayerExtractResult result)
    {
        _root = root;
        _layer = layer;
        _result = result;
        _maxHops = limits.MaxLinkHops;
        _chown = options.ApplyOwnership ?? Native.EffectiveUserId == 0;
    }

    public void Apply(TarEntryHeader entry, TarReader reader)
    {
        List<string> parts = LayerPath.Split(entry.Name, _layer, entry.Name);
        WhiteoutKind kind = LayerPath.Classify(parts, _layer, entry.Name, out string? target);
        switch (kind)
        {
            case WhiteoutKind.Meta:
                return;
            case WhiteoutKind.Opaque:
                ApplyOpaque(parts[..^1], entry.Name);
                return;
            case WhiteoutKind.File:
                ApplyWhiteout([.. parts[..^1], target!], entry.Name);
                return;
        }

        if (parts.Count == 0)
        {
            if (entry.Type != TarEntryType.Directory)
            {
                throw Unsafe(entry.Name, "only a directory may stand for the root");
            }

            ApplyAttributes(_root, string.Empty, entry);
            _directories.Add((_root, entry));
            return;
        }

        List<string> resolved = RootedPath.Resolve(_root, parts, followFinal: false, _maxHops, _layer, entry.Name);
        if (resolved.Count == 0)
        {
            throw Unsafe(entry.Name, "the entry would replace the root");
        }

        string host = RootedPath.HostPath(_root, resolved);
        string relative = LayerPath.Join(resolved);
        EnsureParents(resolved, entry.Name);

        string? linkSource = null;
        if (entry.Type == TarEntryType.HardLink)
        {
            linkSource = ResolveHardLinkTarget(entry, relative);
        }

        FileStatus? existing = Native.LStat(host);
        if (existing is { } found && !(found.IsDirectory && entry.Type == TarEntryType.Directory))
        {
            RemoveAll(host, found);
            existing = null;
        }

        switch (entry.Type)
        {
            case TarEntryType.RegularFile or TarEntryType.ContiguousFile:
                using (var file = new FileStream(host, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
                {
                    if (entry.Size > 0)
                    {
                        using Stream data = reader.OpenEntryData();
                        data.CopyTo(file, 1 << 20);
                    }
                }

                break;
            case TarEntryType.Directory:
                if (existing is null)
                {
                    Native.MkDir(host, 0x1C0);
                }

                _directories.Add((host, entry));
                break;
            case TarEntryType.SymbolicLink:
                if (entry.LinkName.Length == 0)
                {
                    throw Invalid(entry.Name, "symbolic link with an empty target");
                }

                Native.Symlink(entry.LinkName, host);
                break;
            case TarEntryType.HardLink:
                Native.Link(linkSource!, host);
                break;
            case TarEntryType.CharacterDevice or TarEntryType.BlockDevice or TarEntryType.Fifo:
                int type = entry.Type switch
                {
                    TarEntryType.CharacterDevice => Native.S_IFCHR,
                    TarEntryType.BlockDevice => Native.S_IFBLK,
                    _ => Native.S_IFIFO,
                };
                if (Native.MkNod(host, type, entry.Mode, entry.DevMajor, entry.DevMinor) != 0)
                {
                    char letter = entry.Type switch { TarEntryType.CharacterDevice => 'c', TarEntryType.BlockDevice => 'b', _ => 'p' };
                    _result.DevicesList.Add($"{relative} ({letter} {entry.DevMajor}:{entry.DevMinor})");
                    MarkUnpacked(resolved);
                    return;
                }

                break;
            default:
                throw Invalid(entry.Name, $"unsupported entry type '{(char)entry.Type}'");
        }

        MarkUnpacked(resolved);
        if (entry.Type == TarEntryType.HardLink && Native.LStat(host) is { IsSymlink: true })
        {
            // A hard link to a symbolic link shares the link's inode: chmod would follow it.
            return;
        }

        ApplyAttributes(host, relative, entry);
    }

    public void Finish()
    {
        // Children change their directory's times, so directories get theirs last, deepest first.
        for (int i = _directories.Count - 1; i >= 0; i--)
        {
            (string host, TarEntryHeader header) = _directories[i];
            if (Native.LStat(host) is { IsDirectory: true })
            {
                Native.LSetTimes(host, header.AccessTime ?? header.ModificationTime, header.ModificationTime);
            }
        }
    }

    private void ApplyAttributes(string host, string relative, TarEntryHeader entry)
    {
        bool symlink = entry.Type == TarEntryType.SymbolicLink;
        if (_chown)
        {
            Native.LChown(host, entry.Uid, entry.Gid);
        }
        else
        {
            _result.OwnershipList.Add(new LayerOwnership(relative, entry.Uid, entry.Gid));
        }

        foreach (KeyValuePair<string, byte[]> xattr in entry.Xattrs.OrderBy(x => x.Key, StringComparer.Ordinal))
        {
            if (Native.LSetXattr(host, xattr.Key, xattr.Value) != 0)
            {
                _result.XattrsList.Add($"{relative}: {xattr.Key}");
            }
        }

        if (!symlink)
        {
            // After lchown, which clears setuid and setgid.
            Native.Chmod(host, entry.Mode);
        }

        if (entry.Type != TarEntryType.Directory)
        {
            Native.LSetTimes(host, entry.AccessTime ?? entry.ModificationTime, entry.ModificationTime);
        }
    }

    private string ResolveHardLinkTarget(TarEntryHeader entry, string relative)
    {
        if (entry.LinkName.Length == 0)
        {
            throw Invalid(entry.Name, "hard link with an empty target");
        }

        List<string> targetParts = LayerPath.Split(entry.LinkName, _layer, entry.Name);
        List<string> target = RootedPath.Resolve(_root, targetParts, followFinal: false, _maxHops, _layer, entry.Name);
        if (target.Count == 0)
        {
            throw Invalid(entry.Name, "hard link to the root directory");
        }

        string targetRelative = LayerPath.Join(target);
        if (targetRelative == relative)
        {
            throw Invalid(entry.Name, "hard link to itself");
        }

        string host = RootedPath.HostPath(_root, target);
        FileStatus? status = Native.LStat(host);
        if (status is null)
        {
            throw Invalid(entry.Name, $"hard link target \"{entry.LinkName}\" does not exist");
        }

        if (status.Value.IsDirectory)
        {
            throw Invalid(entry.Name, $"hard link target \"{entry.LinkName}\" is a directory");
        }

        return host;
    }

    private void ApplyWhiteout(List<string> parts, string name)
    {
        List<string> resolved = RootedPath.Resolve(_root, parts, followFinal: false, _maxHops, _layer, name);
        if (resolved.Count == 0)
        {
            throw Unsafe(name, "whiteout of the root");
        }

        string host = RootedPath.HostPath(_root, resolved);
        if (Native.LStat(host) is { } status)
        {
            RemoveAll(host, status);
        }
    }

    private void ApplyOpaque(List<string> directory, string name)
    {
        List<string> resolved = RootedPath.Resolve(_root, directory, followFinal: true, _maxHops, _layer, name);
        string host = RootedPath.HostPath(_root, resolved);
        if (Native.LStat(host) is not { IsDirectory: true })
        {
            return;
        }

        MarkUnpacked(resolved);
        RemoveLower(host, LayerPath.Join(resolved));
    }

    private void RemoveLower(string host, string relative)
    {
        foreach (string child in Directory.EnumerateFileSystemEntries(host).Order(StringComparer.Ordinal).ToList())
        {
            string childRelative = relative.Length == 0 ? Path.GetFileName(child) : relative + "/" + Path.GetFileName(child);
            if (Native.LStat(child) is not { } status)
            {
                continue;
            }

            if (!_unpacked.Contains(childRelative))
            {
                RemoveAll(child, status);
            }
            else if (status.IsDirectory)
            {
                RemoveLower(child, childRelative);
            }
        }
    }

    private void EnsureParents(List<string> resolved, string name)
    {
        for (int i = 1; i < resolved.Count; i++)
        {
            string host = RootedPath.HostPath(_root, resolved[..i]);
            FileStatus? status = Native.LStat(host);
            if (status is null)
            {
                Native.MkDir(host, 0x1ED);
                Native.Chmod(host, 0x1ED);
            }
            else if (!status.Value.IsDirectory)
            {
                throw Invalid(name, $"parent \"{LayerPath.Join(resolved[..i])}\" is not a directory");
            }
        }
    }

    private void MarkUnpacked(List<string> resolved)
    {
        for (int i = resolved.Count; i > 0; i--)
        {
            if (!_unpacked.Add(LayerPath.Join(resolved[..i])))
            {
                break;
            }
        }
    }

    // Never follows a link: links are unlinked, directories emptied entry by entry.
    internal static void RemoveAll(string host, FileStatus status)
    {
        if (status.IsDirectory)
        {
            if ((status.Permissions & 0x1C0) != 0x1C0)
            {
                Native.Chmod(host, status.Permissions | 0x1C0);
            }

            foreach (string child in Directory.EnumerateFileSystemEntries(host).ToList())
            {
                if (Native.LStat(child) is { } childStatus)
                {
                    RemoveAll(child, childStatus);
                }
            }

            Native.Remove(host, directory: true);
        }
        else
        {
            Native.Remove(host, directory: false);
        }
    }

    private InvalidLayerException Unsafe(string name, string reason) => new(ErrorCodes.UnsafePath, _layer, name, reason);

    private InvalidLayerException Invalid(string name, string reason) => new(ErrorCodes.InvalidLayer, _layer, name, reason);
}
