namespace ImageFormat.Tar;

/// <summary>
/// The type flag of a tar entry, as the byte stored in the header. Type flags this enumeration does not name
/// (GNU's <c>D</c>, <c>V</c>, <c>M</c>, vendor extensions) are reported as their raw byte cast to this type, so a
/// caller can recognise and skip them.
/// </summary>
public enum TarEntryKind : byte
{
    /// <summary>A regular file (<c>'0'</c>; the V7 <c>NUL</c> flag is reported as this, or as <see cref="Directory"/> when the name ends with <c>/</c>).</summary>
    RegularFile = (byte)'0',

    /// <summary>A hard link to an earlier entry named by <see cref="TarEntryHeader.LinkName"/> (<c>'1'</c>).</summary>
    HardLink = (byte)'1',

    /// <summary>A symbolic link whose target is <see cref="TarEntryHeader.LinkName"/> (<c>'2'</c>).</summary>
    SymbolicLink = (byte)'2',

    /// <summary>A character device (<c>'3'</c>).</summary>
    CharacterDevice = (byte)'3',

    /// <summary>A block device (<c>'4'</c>).</summary>
    BlockDevice = (byte)'4',

    /// <summary>A directory (<c>'5'</c>).</summary>
    Directory = (byte)'5',

    /// <summary>A named pipe (<c>'6'</c>).</summary>
    Fifo = (byte)'6',

    /// <summary>A contiguous file (<c>'7'</c>), which every modern tool treats as a regular file.</summary>
    ContiguousFile = (byte)'7',

    /// <summary>
    /// An old GNU sparse file (<c>'S'</c>). <see cref="TarEntryReader"/> never reports this value: it normalises such
    /// entries to <see cref="RegularFile"/> with <see cref="TarEntryHeader.IsSparse"/> set, as it does for the PAX
    /// sparse formats, so that every sparse file looks the same to a caller. <see cref="TarEntryWriter"/> refuses it.
    /// </summary>
    SparseFile = (byte)'S',
}
