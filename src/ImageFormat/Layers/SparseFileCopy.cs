using ImageFormat.Tar;
using Microsoft.Win32.SafeHandles;

namespace ImageFormat.Layers;

/// <summary>
/// Writes a tar entry's content to a new file, leaving the holes of a sparse entry as holes: blocks of zeros are
/// skipped instead of written and the file is then extended to its size, so a sparse entry costs the disk only
/// its data, as <c>tar -x</c> of a GNU sparse member does. A non-sparse entry is copied as it is.
/// </summary>
/// <remarks>
/// <see cref="LayerApplier"/> writes every regular file through it, on the descriptor it opened with
/// <c>openat(O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY)</c>; writes are positional, so no path is ever reopened.
/// </remarks>
internal static class SparseFileCopy
{
    private const int BlockSize = 1 << 16;

    /// <summary>Copies <paramref name="entry"/>'s content from <paramref name="reader"/> to <paramref name="file"/>, a new empty file.</summary>
    /// <param name="reader">The reader positioned on <paramref name="entry"/>.</param>
    /// <param name="entry">The current entry.</param>
    /// <param name="file">The destination, opened for writing.</param>
    public static void Copy(TarEntryReader reader, TarEntryHeader entry, SafeFileHandle file)
    {
        if (entry.Size == 0)
        {
            return;
        }

        using Stream data = reader.OpenEntryData();
        int size = entry.IsSparse ? BlockSize : 1 << 20;
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(size);
        try
        {
            long position = 0;
            int n;
            while ((n = data.ReadAtLeast(buffer.AsSpan(0, size), size, throwOnEndOfStream: false)) > 0)
            {
                ReadOnlySpan<byte> block = buffer.AsSpan(0, n);
                if (!entry.IsSparse || block.ContainsAnyExcept((byte)0))
                {
                    RandomAccess.Write(file, block, position);
                }

                position += n;
            }

            if (entry.IsSparse)
            {
                // Skipping past the end writes nothing: the length makes the trailing hole part of the file.
                RandomAccess.SetLength(file, position);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
